//! Payment method configurations: the platform's default (parent), per-account children,
//! parent defaults (on/off by default, blocked), account overrides, isolation, shapes, and
//! async-stripe's typed model.

use std::collections::BTreeSet;

use sandbox::payment_method_configs::PmcDefault;
use serde_json::{Value, json};

use crate::helpers::{TestSandbox, complete_custom_individual, fixture, spawn};

const PATH: &str = "/v1/payment_method_configurations";

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

async fn list_as(sb: &TestSandbox, account: Option<&str>, query: &[(&str, &str)]) -> Value {
    let r = sb
        .request(reqwest::Method::GET, PATH, sb.key(), account, &[], query)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn update_as(
    sb: &TestSandbox,
    account: &str,
    id: &str,
    form: &[(&str, &str)],
) -> crate::helpers::Reply {
    sb.request(
        reqwest::Method::POST,
        &format!("{PATH}/{id}"),
        sb.key(),
        Some(account),
        &[],
        form,
    )
    .await
}

/// The only configuration of a connected account (its child).
async fn child(sb: &TestSandbox, account: &str) -> Value {
    let list = list_as(sb, Some(account), &[]).await;
    let data = list["data"].as_array().expect("data");
    assert_eq!(data.len(), 1, "{list}");
    data[0].clone()
}

fn pref(config: &Value, method: &str) -> (Value, String, String, bool) {
    let m = &config[method];
    (
        m["display_preference"]["overridable"].clone(),
        m["display_preference"]["preference"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        m["display_preference"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        m["available"] == json!(true),
    )
}

async fn set_defaults(sb: &TestSandbox, body: Value) -> Value {
    let r = sb
        .http
        .post(sb.url("/_sandbox/payment_method_configurations/defaults"))
        .bearer_auth(sb.key())
        .json(&body)
        .send()
        .await
        .expect("defaults");
    let status = r.status().as_u16();
    let body: Value = r.json().await.expect("json");
    assert_eq!(status, 200, "{body}");
    body
}

fn typed(v: &Value) -> stripe_payment::PaymentMethodConfiguration {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("typed model: {e}: {v}"))
}

#[tokio::test]
async fn platform_default_has_the_fixture_shape() {
    let sb = spawn().await;
    let list = list_as(&sb, None, &[]).await;
    assert_eq!(list["object"], "list");
    assert_eq!(list["url"], PATH);
    let data = list["data"].as_array().expect("data");
    assert_eq!(data.len(), 1, "{list}");
    let parent = &data[0];
    assert_eq!(keys(parent), keys(&fixture("payment_method_configuration")));
    assert!(
        parent["id"]
            .as_str()
            .unwrap_or_default()
            .starts_with("pmc_")
    );
    assert_eq!(parent["is_default"], true);
    assert_eq!(parent["parent"], Value::Null);
    assert_eq!(parent["application"], Value::Null);
    assert_eq!(parent["livemode"], false);
    assert_eq!(parent["name"], "Default");
    // Same initial state as Stripe's fixture: card and Apple Pay on, the rest off.
    assert_eq!(
        pref(parent, "card"),
        (Value::Null, "on".into(), "on".into(), true)
    );
    assert_eq!(pref(parent, "apple_pay").2, "on");
    assert_eq!(
        pref(parent, "klarna"),
        (Value::Null, "off".into(), "off".into(), false)
    );
    let t = typed(parent);
    assert!(t.is_default);
    assert!(t.card.expect("card").available);

    let id = parent["id"].as_str().expect("id");
    let got = sb.get(&format!("{PATH}/{id}"), &[]).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(&got.body, parent);
    let missing = sb.get(&format!("{PATH}/pmc_nope"), &[]).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"]["code"], "resource_missing");
}

#[tokio::test]
async fn accounts_get_a_child_resolved_from_parent_defaults() {
    let sb = spawn().await;
    let parent_id = list_as(&sb, None, &[]).await["data"][0]["id"].clone();
    let acct = sb.create_account(&complete_custom_individual()).await;
    let acct = acct["id"].as_str().expect("id");
    let c = child(&sb, acct).await;
    assert_eq!(keys(&c), keys(&fixture("payment_method_configuration")));
    assert_eq!(c["parent"], parent_id);
    assert_eq!(c["application"], json!(sb.keys.client_id));
    assert_eq!(c["is_default"], true);
    typed(&c);
    assert_eq!(
        pref(&c, "card"),
        (json!(true), "none".into(), "on".into(), true)
    );
    assert_eq!(
        pref(&c, "sepa_debit"),
        (json!(true), "none".into(), "off".into(), false)
    );

    let d = set_defaults(
        &sb,
        json!({"sepa_debit": "on_by_default", "ideal": "off_by_default", "klarna": "blocked", "card": "on_by_default"}),
    )
    .await;
    assert_eq!(d["configuration"], parent_id);
    assert_eq!(d["defaults"]["klarna"], "blocked");
    assert_eq!(d["defaults"]["google_pay"], "off_by_default");

    let c = child(&sb, acct).await;
    // On by default: on unless the account says off; sepa_debit follows card_payments here.
    assert_eq!(
        pref(&c, "sepa_debit"),
        (json!(true), "none".into(), "on".into(), true)
    );
    // Off by default: off unless the account says on.
    assert_eq!(
        pref(&c, "ideal"),
        (json!(true), "none".into(), "off".into(), false)
    );
    // Blocked: not overridable, off.
    assert_eq!(
        pref(&c, "klarna"),
        (json!(false), "none".into(), "off".into(), false)
    );
    // The parent shows what children inherit.
    let parent = &list_as(&sb, None, &[]).await["data"][0];
    assert_eq!(pref(parent, "sepa_debit").2, "on");
    assert_eq!(pref(parent, "klarna").2, "off");
    assert_eq!(
        sb.handle.sandbox().enabled_payment_methods(acct),
        vec!["card", "sepa_debit"]
    );

    // The account's own preferences.
    let id = c["id"].as_str().expect("id");
    let r = update_as(
        &sb,
        acct,
        id,
        &[
            ("sepa_debit[display_preference][preference]", "off"),
            ("ideal[display_preference][preference]", "on"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        pref(&r.body, "sepa_debit"),
        (json!(true), "off".into(), "off".into(), false)
    );
    assert_eq!(
        pref(&r.body, "ideal"),
        (json!(true), "on".into(), "on".into(), true)
    );
    assert_eq!(
        sb.handle.sandbox().enabled_payment_methods(acct),
        vec!["card", "ideal"]
    );
    // A later parent change does not beat the account's explicit choice.
    set_defaults(
        &sb,
        json!({"ideal": "on_by_default", "sepa_debit": "on_by_default"}),
    )
    .await;
    let c = child(&sb, acct).await;
    assert_eq!(pref(&c, "sepa_debit").2, "off");
    assert_eq!(pref(&c, "ideal").2, "on");
    // `none` goes back to the parent's default.
    let r = update_as(
        &sb,
        acct,
        id,
        &[("sepa_debit[display_preference][preference]", "none")],
    )
    .await;
    assert_eq!(
        pref(&r.body, "sepa_debit"),
        (json!(true), "none".into(), "on".into(), true)
    );
}

#[tokio::test]
async fn blocked_methods_refuse_account_preferences() {
    let sb = spawn().await;
    set_defaults(&sb, json!({"defaults": {"klarna": "blocked"}})).await;
    let acct = sb.create_account(&complete_custom_individual()).await;
    let acct = acct["id"].as_str().expect("id");
    let c = child(&sb, acct).await;
    let id = c["id"].as_str().expect("id");
    for value in ["on", "off"] {
        let r = update_as(
            &sb,
            acct,
            id,
            &[("klarna[display_preference][preference]", value)],
        )
        .await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.body["error"]["type"], "invalid_request_error");
        assert_eq!(
            r.body["error"]["param"],
            "klarna[display_preference][preference]"
        );
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("blocked"),
            "{}",
            r.body
        );
    }
    let r = update_as(
        &sb,
        acct,
        id,
        &[("klarna[display_preference][preference]", "none")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The platform may unblock one account (Dashboard override, sandbox endpoint here).
    let o = set_defaults(&sb, json!({"account": acct, "klarna": "off_by_default"})).await;
    assert_eq!(o["overrides"]["klarna"], "off_by_default");
    let r = update_as(
        &sb,
        acct,
        id,
        &[("klarna[display_preference][preference]", "on")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        pref(&r.body, "klarna"),
        (json!(true), "on".into(), "on".into(), true)
    );
    // Blocking again (removing the override) ignores the stored preference.
    set_defaults(&sb, json!({"account": acct, "klarna": "inherit"})).await;
    let c = child(&sb, acct).await;
    assert_eq!(
        pref(&c, "klarna"),
        (json!(false), "on".into(), "off".into(), false)
    );

    // Bad settings are explained.
    let r = sb
        .http
        .post(sb.url("/_sandbox/payment_method_configurations/defaults"))
        .bearer_auth(sb.key())
        .form(&[("klarna", "maybe")])
        .send()
        .await
        .expect("defaults");
    assert_eq!(r.status(), 400);
    let r = sb
        .http
        .post(sb.url("/_sandbox/payment_method_configurations/defaults"))
        .bearer_auth(sb.key())
        .form(&[("teleport", "blocked")])
        .send()
        .await
        .expect("defaults");
    assert_eq!(r.status(), 400);
    let r = sb
        .http
        .post(sb.url("/_sandbox/payment_method_configurations/defaults"))
        .json(&json!({"klarna": "blocked"}))
        .send()
        .await
        .expect("defaults");
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn form_bodies_and_the_rust_api_set_defaults_too() {
    let sb = spawn().await;
    let r = sb
        .http
        .post(sb.url("/_sandbox/payment_method_configurations/defaults"))
        .bearer_auth(sb.key())
        .form(&[("bancontact", "on_by_default"), ("card", "blocked")])
        .send()
        .await
        .expect("defaults");
    assert_eq!(r.status(), 200);
    let acct = sb.create_account(&complete_custom_individual()).await;
    let acct = acct["id"].as_str().expect("id");
    let c = child(&sb, acct).await;
    assert_eq!(
        pref(&c, "card"),
        (json!(false), "none".into(), "off".into(), false)
    );
    assert_eq!(pref(&c, "bancontact").2, "on");
    sb.handle
        .sandbox()
        .set_payment_method_defaults(
            &sb.keys.account_id,
            &[
                ("card", PmcDefault::OnByDefault),
                ("paypal", PmcDefault::OnByDefault),
            ],
        )
        .expect("defaults");
    let c = child(&sb, acct).await;
    assert_eq!(pref(&c, "card").2, "on");
    // Methods outside the fixture appear once configured.
    assert_eq!(
        pref(&c, "paypal"),
        (json!(true), "none".into(), "on".into(), true)
    );
    typed(&c);
    assert_eq!(
        sb.handle.sandbox().enabled_payment_methods(acct),
        vec!["card", "bancontact", "paypal"]
    );
    // Default `payment_method_types` of a payment only keep methods that take its currency.
    let (usd, eur) = sb.handle.sandbox().app().read(|s| {
        (
            sandbox::hooks::payment_method_types(s, acct, "usd"),
            sandbox::hooks::payment_method_types(s, acct, "EUR"),
        )
    });
    assert_eq!(usd.expect("usd"), vec!["card", "paypal"]);
    assert_eq!(eur.expect("eur"), vec!["card", "bancontact", "paypal"]);
    let shown: Value = sb
        .http
        .get(sb.url("/_sandbox/payment_method_configurations/defaults"))
        .bearer_auth(sb.key())
        .send()
        .await
        .expect("show")
        .json()
        .await
        .expect("json");
    assert_eq!(shown["defaults"]["paypal"], "on_by_default");
    assert!(
        sb.handle
            .sandbox()
            .set_payment_method_defaults(&sb.keys.account_id, &[("teleport", PmcDefault::Blocked)])
            .is_err()
    );
}

#[tokio::test]
async fn availability_follows_capabilities() {
    let sb = spawn().await;
    // A custom account that has not onboarded: card is on but its capability is inactive.
    let acct = sb
        .create_account(&[
            ("type", "custom"),
            ("country", "US"),
            ("capabilities[card_payments][requested]", "true"),
            ("capabilities[transfers][requested]", "true"),
        ])
        .await;
    let acct = acct["id"].as_str().expect("id");
    let c = child(&sb, acct).await;
    assert_eq!(
        pref(&c, "card"),
        (json!(true), "none".into(), "on".into(), false)
    );
    assert!(sb.handle.sandbox().enabled_payment_methods(acct).is_empty());
    // The platform itself is fully enabled.
    assert_eq!(
        sb.handle
            .sandbox()
            .enabled_payment_methods(&sb.keys.account_id),
        vec!["card"]
    );
}

#[tokio::test]
async fn accounts_and_platforms_are_isolated() {
    let sb = spawn().await;
    let a = sb.create_account(&complete_custom_individual()).await;
    let b = sb.create_account(&complete_custom_individual()).await;
    let (a, b) = (a["id"].as_str().expect("a"), b["id"].as_str().expect("b"));
    let ca = child(&sb, a).await;
    let cb = child(&sb, b).await;
    assert_ne!(ca["id"], cb["id"]);
    let r = update_as(
        &sb,
        a,
        ca["id"].as_str().expect("id"),
        &[("card[display_preference][preference]", "off")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(pref(&child(&sb, b).await, "card").2, "on");
    // Another account's child is invisible through this account.
    let r = sb
        .request(
            reqwest::Method::GET,
            &format!("{PATH}/{}", cb["id"].as_str().expect("id")),
            sb.key(),
            Some(a),
            &[],
            &[],
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    // The platform's own list does not show children.
    let own = list_as(&sb, None, &[]).await;
    assert_eq!(own["data"].as_array().map(Vec::len), Some(1));

    // A second platform: its own default, its defaults do not leak.
    let other = sb.handle.create_platform("Other");
    let r = sb
        .http
        .post(sb.url("/_sandbox/payment_method_configurations/defaults"))
        .bearer_auth(&other.secret_key)
        .json(&json!({"card": "blocked"}))
        .send()
        .await
        .expect("defaults");
    assert_eq!(r.status(), 200);
    assert_eq!(pref(&child(&sb, b).await, "card").0, json!(true));
    let r = sb
        .request(
            reqwest::Method::GET,
            PATH,
            &other.secret_key,
            None,
            &[],
            &[],
        )
        .await;
    let theirs = r.body["data"][0]["id"].clone();
    assert_ne!(theirs, own["data"][0]["id"]);
    let r = sb
        .request(
            reqwest::Method::GET,
            &format!("{PATH}/{}", own["data"][0]["id"].as_str().expect("id")),
            &other.secret_key,
            None,
            &[],
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn create_update_and_list_filters() {
    let sb = spawn().await;
    let r = sb.post(PATH, &[]).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = sb
        .post(
            PATH,
            &[
                ("name", "Subscriptions"),
                ("card[display_preference][preference]", "on"),
                ("sepa_debit[display_preference][preference]", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let created = r.body;
    assert_eq!(created["name"], "Subscriptions");
    assert_eq!(created["is_default"], false);
    assert_eq!(created["parent"], Value::Null);
    assert_eq!(
        pref(&created, "sepa_debit"),
        (Value::Null, "on".into(), "on".into(), true)
    );
    typed(&created);
    let id = created["id"].as_str().expect("id");
    let r = sb
        .post(
            &format!("{PATH}/{id}"),
            &[("active", "false"), ("name", "Old")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["active"], false);
    assert_eq!(r.body["name"], "Old");
    let inactive = list_as(&sb, None, &[("active", "false")]).await;
    assert_eq!(inactive["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(inactive["data"][0]["id"], id);
    let all = list_as(&sb, None, &[("limit", "1")]).await;
    assert_eq!(all["has_more"], true);
    assert_eq!(all["data"][0]["id"], id, "newest first");
    let r = sb
        .post(
            PATH,
            &[
                ("name", "x"),
                ("card[display_preference][preference]", "maybe"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    let r = sb
        .post(
            PATH,
            &[
                ("name", "x"),
                ("teleport[display_preference][preference]", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["code"], "parameter_unknown");

    // A second parent: the account gets its child on request, once.
    let acct = sb.create_account(&complete_custom_individual()).await;
    let acct = acct["id"].as_str().expect("id");
    let r = sb
        .request(
            reqwest::Method::POST,
            PATH,
            sb.key(),
            Some(acct),
            &[],
            &[("parent", id)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["parent"], id);
    assert_eq!(r.body["name"], "Old");
    assert_eq!(r.body["application"], json!(sb.keys.client_id));
    let again = sb
        .request(
            reqwest::Method::POST,
            PATH,
            sb.key(),
            Some(acct),
            &[],
            &[("parent", id)],
        )
        .await;
    assert_eq!(again.status, 400, "{}", again.body);
    let by_app = list_as(&sb, Some(acct), &[("application", &sb.keys.client_id)]).await;
    assert_eq!(by_app["data"].as_array().map(Vec::len), Some(2));
    let no_app = list_as(&sb, Some(acct), &[("application", "")]).await;
    assert_eq!(no_app["data"].as_array().map(Vec::len), Some(0));
    // Children cannot be made on the platform itself.
    let r = sb.post(PATH, &[("parent", id)]).await;
    assert_eq!(r.status, 400);
    // Resolving a parent id for payments on the account picks the account's child (once the
    // parent is active again).
    let inactive = sb.handle.sandbox().app().read(|s| {
        sandbox::payment_method_configs::enabled_methods_for(s, &sb.keys.account_id, acct, Some(id))
    });
    assert!(inactive.is_err());
    let r = sb
        .post(&format!("{PATH}/{id}"), &[("active", "true")])
        .await;
    assert_eq!(r.status, 200);
    let details = sb.handle.sandbox().app().read(|s| {
        sandbox::payment_method_configs::configuration_details(
            s,
            &sb.keys.account_id,
            acct,
            Some(id),
        )
    });
    assert_eq!(details.expect("details")["parent"], id);
}

#[tokio::test]
async fn oauth_connected_accounts_get_a_child() {
    let sb = spawn().await;
    let url = format!(
        "{}?response_type=code&client_id={}&scope=read_write&redirect_uri=https://platform.example/cb",
        sb.url("oauth/authorize"),
        sb.keys.client_id
    );
    let html = sb
        .http
        .get(url)
        .send()
        .await
        .expect("authorize")
        .text()
        .await
        .expect("html");
    let start = html
        .find("name=\"request\" value=\"")
        .map(|i| i + 22)
        .expect("request id");
    let request = html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned();
    let r = sb
        .http
        .post(sb.url("/oauth/authorize/decision"))
        .form(&[
            ("request", request.as_str()),
            ("decision", "approve"),
            ("account", "new"),
            ("business_name", "Bistro"),
            ("email", "b@example.com"),
            ("country", "FR"),
        ])
        .send()
        .await
        .expect("decision");
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let code = url::Url::parse(&location)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    let token = sb
        .post(
            "/oauth/token",
            &[("grant_type", "authorization_code"), ("code", &code)],
        )
        .await;
    assert_eq!(token.status, 200, "{}", token.body);
    let acct = token.body["stripe_user_id"].as_str().expect("acct");
    let c = child(&sb, acct).await;
    assert_eq!(c["application"], json!(sb.keys.client_id));
    // The OAuth access token sees the same child.
    let access = token.body["access_token"].as_str().expect("token");
    let r = sb
        .request(reqwest::Method::GET, PATH, access, None, &[], &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"][0]["id"], c["id"]);
}

#[tokio::test]
async fn typed_client_lists_and_updates() {
    use stripe_payment::payment_method_configuration::{
        ListPaymentMethodConfiguration, UpdatePaymentMethodConfiguration,
    };
    let sb = spawn().await;
    let client = stripe::ClientBuilder::new(sb.key())
        .url(sb.handle.url())
        .build()
        .expect("client");
    let list = ListPaymentMethodConfiguration::new()
        .send(&client)
        .await
        .expect("list");
    assert_eq!(list.data.len(), 1);
    let id = list.data[0].id.clone();
    let updated = UpdatePaymentMethodConfiguration::new(id.as_str())
        .name("Renamed")
        .send(&client)
        .await
        .expect("update");
    assert_eq!(updated.name, "Renamed");
}
