//! The security review's findings, each replayed as the reviewer sent it, on both databases:
//! the open redirect after log-in, the README's REST example with HTTP Basic, oversized server
//! function bodies, `X-Forwarded-For` from anyone, and world-readable data files. Next to them,
//! the checks that held, so a later change cannot quietly reopen one: admin server functions
//! as a merchant and anonymously, cross-site posts in each `Origin` / `Sec-Fetch-Site` variant,
//! CORS preflights from `null` and look-alike origins, another merchant's objects, and markup
//! in the names merchants and customers choose.

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    app_test,
    embed_support::{account_of, api_key, listed_intent, pay, token, widget_get, widget_post},
    helpers::{
        ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, fast_options, location, merchant_of,
        onboarded_merchant, spawn_app_configured, test_config,
    },
};

async fn log_in_with_next(app: &TestApp, next: &str) -> reqwest::Response {
    app.post_same_origin("/api/log_in")
        .header("Accept", "text/html")
        .form(&[
            ("email", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
            ("next", next),
        ])
        .send()
        .await
        .unwrap()
}

app_test!(
    a_next_path_that_leaves_the_site_lands_home_instead,
    |app: TestApp| async move {
        for lure in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example/",
        ] {
            let answer = log_in_with_next(&app, lure).await;
            assert!(
                answer.status().is_redirection(),
                "{lure:?}: {}",
                answer.status()
            );
            assert_eq!(location(&answer), "/admin", "{lure:?}");
        }
        let kept = log_in_with_next(&app, "/admin/merchants?page=2").await;
        assert_eq!(location(&kept), "/admin/merchants?page=2");

        // The lure in a link to the log-in page does not reach its form either.
        let page = app
            .client
            .get(app.url("/login?next=/%09/evil.example"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("name=\"next\""), "the form is there");
        assert!(!page.contains("evil.example"), "{page}");
    }
);

/// The README's REST example, as written: its `curl` arguments with the placeholders filled.
fn readme_curl_example() -> (String, String, Vec<String>) {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("curl http://127.0.0.1:3000/api/v1/account_sessions")
        .expect("the README shows the REST call");
    let end = start + readme[start..].find("```").expect("the code block ends");
    let command = readme[start..end].replace("\\\n", " ");
    let words = shell_words(&command);
    let url = words[1].clone();
    let mut user = None;
    let mut data = Vec::new();
    let mut rest = words[2..].iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().expect("each flag has a value").clone();
        match flag.as_str() {
            "-u" => user = Some(value),
            "-d" => data.push(value),
            other => panic!("the test does not know curl's {other}"),
        }
    }
    (url, user.expect("the example authenticates with -u"), data)
}

/// Splits a one-line shell command into words, with single quotes.
fn shell_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut in_word = false;
    for c in command.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

app_test!(
    the_readme_rest_example_works_as_written_with_basic_auth,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "readme@example.com").await;
        let key = api_key(&app).await;
        let (url, user, data) = readme_curl_example();
        let fill = |text: &str| {
            text.replace("http://127.0.0.1:3000", app.url.trim_end_matches('/'))
                .replace("cpk_…", &key)
                .replace("acct_…", &account_of(&merchant))
        };
        let user = fill(&user);
        let (name, password) = user.split_once(':').expect("curl's -u user:password");
        let body = data.iter().map(|d| fill(d)).collect::<Vec<_>>().join("&");
        // What `curl -u key: -d …` sends: Basic credentials and the data as a form.
        let answer = reqwest::Client::new()
            .post(fill(&url))
            .basic_auth(name, Some(password))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let session: Value = answer.json().await.unwrap();
        assert_eq!(session["object"], "account_session", "{session}");
        assert_eq!(session["account"], account_of(&merchant).as_str());
        assert!(
            session["client_secret"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
        assert_eq!(
            session["components"]["payments"]["features"]["refund_management"],
            true
        );

        // A wrong key in Basic is refused as one in Bearer is.
        let refused = reqwest::Client::new()
            .post(app.url("/api/v1/account_sessions"))
            .basic_auth("cpk_not_a_key", Some(""))
            .form(&[("account", account_of(&merchant))])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
    }
);

app_test!(
    an_oversized_server_function_body_is_refused_with_413,
    |app: TestApp| async move {
        let huge = "x".repeat(3 * 1024 * 1024);
        let declared = app
            .post_same_origin("/api/log_in")
            .form(&[("email", ADMIN_EMAIL), ("password", huge.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(declared.status(), 413);
        let error: Value = declared.json().await.unwrap();
        assert!(
            error["TooLarge"]
                .as_str()
                .is_some_and(|m| m.contains("too large")),
            "{error}"
        );

        // Streamed without a length, it is refused all the same.
        let streamed = chunked_post(&app, "/api/log_in", huge.as_bytes()).await;
        assert!(streamed.starts_with("HTTP/1.1 413"), "{streamed}");

        // A normal call still works.
        assert!(
            app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
                .await
                .status()
                .is_success()
        );
    }
);

/// Posts `body` as a same-origin form with `Transfer-Encoding: chunked` (no length to read
/// first), over a plain socket; answers the response's head.
async fn chunked_post(app: &TestApp, path: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.url.trim_start_matches("http://").trim_end_matches('/');
    let mut socket = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\nSec-Fetch-Site: same-origin\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n",
        app.url.trim_end_matches('/')
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(64 * 1024) {
        let sent = async {
            socket
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            socket.write_all(chunk).await?;
            socket.write_all(b"\r\n").await
        };
        // The server may answer and close before the whole body is sent.
        if sent.await.is_err() {
            break;
        }
    }
    let _ = socket.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    answer.lines().next().unwrap_or_default().to_string()
}

async fn failed_log_in_from(app: &TestApp, forwarded_for: &str, email: &str) -> u16 {
    app.post_same_origin("/api/log_in")
        .header("X-Forwarded-For", forwarded_for)
        .form(&[("email", email), ("password", "not the password")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

app_test!(
    a_forwarded_for_header_from_a_client_changes_nothing,
    |app: TestApp| async move {
        // Twenty failures, each claiming another address: all are the socket's, which locks.
        for i in 0..20 {
            let status = failed_log_in_from(
                &app,
                &format!("203.0.113.{i}"),
                &format!("g{i}@example.com"),
            )
            .await;
            assert_eq!(status, 422, "attempt {i}");
        }
        assert_eq!(
            failed_log_in_from(&app, "198.51.100.1", "fresh@example.com").await,
            429,
            "a made-up address does not escape the lock"
        );
    }
);

mod forwarded_for_from_a_trusted_proxy {
    use super::*;

    async fn behind_a_proxy(backend: domain::Backend) {
        let app = spawn_app_configured(backend, fast_options(), |config| {
            config.trusted_proxies = "127.0.0.1".parse().unwrap();
        })
        .await;
        // The proxy (this test, on loopback) forwards twenty clients' failures: each client is
        // counted alone, so none is locked and nor is the proxy.
        for i in 0..20 {
            let chain = format!("6.6.6.6, 203.0.113.{i}");
            let status = failed_log_in_from(&app, &chain, &format!("g{i}@example.com")).await;
            assert_eq!(status, 422, "attempt {i}");
        }
        // One client failing twenty times is locked, and the next client is not.
        for _ in 0..20 {
            failed_log_in_from(&app, "198.51.100.7", "h@example.com").await;
        }
        assert_eq!(
            failed_log_in_from(&app, "198.51.100.7", "other@example.com").await,
            429
        );
        assert_eq!(
            failed_log_in_from(&app, "198.51.100.8", "other@example.com").await,
            422
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        behind_a_proxy(domain::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        behind_a_proxy(domain::Backend::Postgres).await;
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;

    let root = tempfile::tempdir().unwrap();
    let data_dir = root.path().join("data");
    let database_url = format!("sqlite://{}/comptoir.db", data_dir.display());
    let mut config = test_config(&database_url, &data_dir);
    config.sandbox.persist = true;
    config.admin = None;
    let app = server::startup::Application::build_with(config, fast_options())
        .await
        .expect("the app starts");
    let shutdown = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn(app.run(shutdown.clone()));
    shutdown.cancel();
    running.await.unwrap().unwrap();

    let mode = |name: &str| {
        let path = data_dir.join(name);
        let metadata = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        metadata.permissions().mode() & 0o777
    };
    assert_eq!(mode(""), 0o700, "the data directory");
    for file in [
        "comptoir.db",
        "secrets.key",
        "sandbox.json",
        "initial-admin.txt",
    ] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
    for entry in std::fs::read_dir(&data_dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().to_string();
        assert_eq!(
            entry.metadata().unwrap().permissions().mode() & 0o077,
            0,
            "{name} is private"
        );
    }
}

app_test!(
    admin_server_functions_refuse_merchants_and_strangers,
    |app: TestApp| async move {
        let settings = [
            ("secret_key", ""),
            ("publishable_key", ""),
            ("webhook_secrets", ""),
            ("connect_client_id", ""),
            ("fee_rules", "9%"),
            ("allowed_embed_origins", "https://evil.example"),
            ("oauth_scope", "read_write"),
            ("sync_mode", "continuous"),
        ];
        let calls: [(&str, &[(&str, &str)]); 14] = [
            ("/api/admin/settings", &[]),
            ("/api/admin/settings/save", &settings),
            ("/api/admin/settings/test", &[]),
            ("/api/admin/merchants", &[]),
            ("/api/admin/transactions", &[]),
            ("/api/admin/payment", &[("id", "pi_1")]),
            ("/api/admin/customer", &[("email", "c@example.com")]),
            ("/api/admin/revenue", &[]),
            ("/api/admin/sync", &[]),
            (
                "/api/admin/sync/request",
                &[("account", "acct_1"), ("full", "true")],
            ),
            ("/api/admin/api_keys", &[]),
            ("/api/admin/api_keys/create", &[("name", "stolen")]),
            ("/api/admin/api_keys/revoke", &[("id", "key_1")]),
            ("/api/admin/payment_methods", &[]),
        ];
        let before = app.services.settings();
        for (endpoint, form) in calls {
            let anonymous = app
                .post_same_origin(endpoint)
                .form(form)
                .send()
                .await
                .unwrap();
            assert_eq!(anonymous.status(), 401, "{endpoint} anonymously");
        }
        onboarded_merchant(&app, "merchant@example.com").await;
        for (endpoint, form) in calls {
            let as_merchant = app
                .post_same_origin(endpoint)
                .form(form)
                .send()
                .await
                .unwrap();
            assert_eq!(as_merchant.status(), 403, "{endpoint} as a merchant");
        }
        let after = app.services.settings();
        assert_eq!(after.allowed_embed_origins, before.allowed_embed_origins);
        assert!(
            domain::embed::api_keys::list(&app.services.db)
                .await
                .unwrap()
                .is_empty(),
            "no key was made"
        );
    }
);

app_test!(
    cross_site_posts_are_refused_in_every_variant,
    |app: TestApp| async move {
        let post = |headers: &[(&str, &str)]| {
            let mut request = reqwest::Client::new()
                .post(app.url("/api/log_in"))
                .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)]);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.send()
        };
        let own = app.url.trim_end_matches('/').to_string();
        for headers in [
            vec![("Sec-Fetch-Site", "cross-site")],
            vec![("Sec-Fetch-Site", "same-site")],
            vec![("Origin", "https://evil.example")],
            vec![("Origin", "null")],
            vec![("Origin", &format!("{own}.evil.example"))],
            vec![("Sec-Fetch-Site", "cross-site"), ("Origin", own.as_str())],
        ] {
            let answer = post(&headers).await.unwrap();
            assert_eq!(answer.status(), 403, "{headers:?}");
            assert!(answer.headers().get("set-cookie").is_none(), "{headers:?}");
        }
        let same = post(&[("Sec-Fetch-Site", "same-origin"), ("Origin", own.as_str())])
            .await
            .unwrap();
        assert!(same.status().is_success() || same.status().is_redirection());
    }
);

app_test!(
    cors_preflights_from_null_and_look_alike_origins_get_no_grant,
    |app: TestApp| async move {
        let settings = domain::settings::PlatformSettings {
            allowed_embed_origins: vec!["https://host.example".into()],
            ..(*app.services.settings()).clone()
        };
        app.services.update_settings(settings).await.unwrap();
        for origin in [
            "null",
            "https://host.example.evil.example",
            "https://evilhost.example",
            "http://host.example",
            "https://host.example:8443",
        ] {
            let preflight = reqwest::Client::new()
                .request(Method::OPTIONS, app.url("/widget/v1/payments"))
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization")
                .send()
                .await
                .unwrap();
            assert!(
                preflight
                    .headers()
                    .get("access-control-allow-origin")
                    .is_none(),
                "{origin}"
            );
        }
    }
);

app_test!(
    another_merchant_s_payments_are_not_found_by_widget_or_rest,
    |app: TestApp| async move {
        let alice = onboarded_merchant(&app, "alice@example.com").await;
        let bob = onboarded_merchant(&app, "bob@example.com").await;
        let bobs_intent = pay(
            &app,
            &account_of(&bob),
            1500,
            "c@example.com",
            "pm_card_visa",
        )
        .await;
        let bobs = token(
            &app,
            &account_of(&bob),
            json!({"payments": {"enabled": true}}),
        )
        .await;
        let bobs_payment = listed_intent(
            &app,
            &bobs,
            bobs_intent["id"].as_str().unwrap(),
            "successful",
        )
        .await;
        let bobs_charge = bobs_payment["id"].as_str().unwrap().to_string();
        let (status, _) = widget_get(&app, &bobs, &format!("/payments/{bobs_charge}")).await;
        assert_eq!(status, 200, "Bob sees his own payment");
        let alices = token(
            &app,
            &account_of(&alice),
            json!({"payments": {"enabled": true, "features": {"refund_management": true}}}),
        )
        .await;
        let (status, _) = widget_get(&app, &alices, &format!("/payments/{bobs_charge}")).await;
        assert_eq!(status, 404, "another merchant's payment is not found");
        let (status, _) = widget_post(
            &app,
            &alices,
            &format!("/payments/{bobs_charge}/refunds"),
            json!({"amount": 100}),
        )
        .await;
        assert_eq!(status, 404, "nor refunded");

        // A REST session for an account that is not this platform's is refused as Stripe does.
        let key = api_key(&app).await;
        let answer = reqwest::Client::new()
            .post(app.url("/api/v1/account_sessions"))
            .bearer_auth(&key)
            .form(&[
                ("account", "acct_1NotOfThisPlatform"),
                ("components[payments][enabled]", "true"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400);
        let error: Value = answer.json().await.unwrap();
        assert_eq!(error["error"]["code"], "account_invalid", "{error}");
    }
);

app_test!(
    markup_in_a_business_name_is_shown_as_text,
    |app: TestApp| async move {
        let payload = "<script>alert('x')</script><img src=x onerror=alert(1)>";
        let signed_up = app
            .sign_up_merchant("xss@example.com", "a long passphrase", payload, true)
            .await;
        assert!(signed_up.status().is_success() || signed_up.status().is_redirection());
        app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let page = app
            .client
            .get(app.url("/admin/merchants"))
            .header("Accept", "text/html")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("&lt;script&gt;"),
            "the name is listed, escaped"
        );
        assert!(!page.contains(payload), "never as markup");
        assert!(!page.contains("<img src=x"), "never as markup");
    }
);

/// A merchant whose requirements the platform collects (a custom account), and a widget token
/// for its onboarding.
async fn collecting_merchant(app: &TestApp) -> (String, String) {
    let created = app
        .stripe_post(
            "/accounts",
            None,
            &[
                ("country", "FR"),
                ("business_type", "individual"),
                ("email", "custom@example.com"),
                ("controller[requirement_collection]", "application"),
                ("controller[losses][payments]", "application"),
                ("controller[fees][payer]", "application"),
                ("controller[stripe_dashboard][type]", "none"),
                ("capabilities[card_payments][requested]", "true"),
                ("capabilities[transfers][requested]", "true"),
            ],
        )
        .await;
    let account = created["id"].as_str().expect("an account").to_string();
    app.sign_up_merchant(
        "custom@example.com",
        "a long passphrase",
        "Custom Co",
        false,
    )
    .await;
    let merchant = merchant_of(app, "custom@example.com").await;
    sqlx::query(
        "UPDATE merchants SET stripe_account_id = $1, connection = 'account_link', \
         connected_at = $2 WHERE id = $3",
    )
    .bind(&account)
    .bind(app.services.clock.now())
    .bind(&merchant.id)
    .execute(app.services.db.pool())
    .await
    .unwrap();
    let token = token(
        app,
        &account,
        json!({"account_onboarding": {"enabled": true}}),
    )
    .await;
    (account, token)
}

/// Accepts Stripe's terms through the onboarding widget with `X-Forwarded-For: forwarded`;
/// answers the IP Stripe recorded.
async fn terms_accepted_from(app: &TestApp, forwarded: &str) -> Value {
    let (account, token) = collecting_merchant(app).await;
    let answer = reqwest::Client::new()
        .post(app.url("/widget/v1/account/requirements"))
        .bearer_auth(&token)
        .header("X-Forwarded-For", forwarded)
        .json(&json!({"fields": {"tos_acceptance.date": "now"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    let at_stripe = app.stripe_get(&format!("/accounts/{account}"), None).await;
    at_stripe["tos_acceptance"]["ip"].clone()
}

mod the_terms_acceptance_ip {
    use super::*;

    async fn is_the_socket_s_unless_a_trusted_proxy_forwards(backend: domain::Backend) {
        let direct = crate::helpers::spawn_app(backend).await;
        assert_eq!(
            terms_accepted_from(&direct, "203.0.113.7").await,
            "127.0.0.1",
            "a client cannot choose the IP recorded for its merchant"
        );
        let proxied = spawn_app_configured(backend, fast_options(), |config| {
            config.trusted_proxies = "127.0.0.0/8".parse().unwrap();
        })
        .await;
        assert_eq!(
            terms_accepted_from(&proxied, "6.6.6.6, 203.0.113.7").await,
            "203.0.113.7",
            "the client the trusted proxy forwards for"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        is_the_socket_s_unless_a_trusted_proxy_forwards(domain::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        is_the_socket_s_unless_a_trusted_proxy_forwards(domain::Backend::Postgres).await;
    }
}
