//! Test helpers: a sandbox on 127.0.0.1:0 with a platform, a form-speaking HTTP client, a tiny
//! webhook receiver, and polling with a deadline.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use sandbox::{PlatformKeys, Sandbox, SandboxConfig, SandboxHandle};
use serde_json::Value;

/// A running sandbox with one platform.
pub struct TestSandbox {
    pub handle: SandboxHandle,
    pub keys: PlatformKeys,
    pub http: reqwest::Client,
}

/// A response: status, headers, JSON body (or `Value::String` for non-JSON).
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn id(&self) -> String {
        self.body["id"].as_str().unwrap_or_default().to_owned()
    }
}

/// Fast retries for tests.
pub fn fast_config() -> SandboxConfig {
    SandboxConfig {
        webhook_retry_schedule: vec![
            Duration::from_millis(50),
            Duration::from_millis(50),
            Duration::from_millis(50),
        ],
        delivery_timeout: Duration::from_secs(2),
        ..SandboxConfig::default()
    }
}

pub async fn spawn() -> TestSandbox {
    spawn_with(fast_config()).await
}

pub async fn spawn_with(config: SandboxConfig) -> TestSandbox {
    let handle = Sandbox::start(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sandbox starts");
    let keys = handle.create_platform("Test Platform");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestSandbox { handle, keys, http }
}

impl TestSandbox {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.handle.url(), path.trim_start_matches('/'))
    }

    pub fn key(&self) -> &str {
        &self.keys.secret_key
    }

    async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            headers,
            body,
        }
    }

    /// POST a form with the platform key.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.request(reqwest::Method::POST, path, self.key(), None, &[], form)
            .await
    }

    /// GET with the platform key and query pairs.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Reply {
        self.request(reqwest::Method::GET, path, self.key(), None, &[], query)
            .await
    }

    /// Any request: `key`, optional `Stripe-Account`, extra headers, form (POST) or query.
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        account: Option<&str>,
        headers: &[(&str, &str)],
        params: &[(&str, &str)],
    ) -> Reply {
        let mut req = self
            .http
            .request(method.clone(), self.url(path))
            .bearer_auth(key);
        if let Some(account) = account {
            req = req.header("Stripe-Account", account);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req = if method == reqwest::Method::POST {
            req.form(params)
        } else {
            req.query(params)
        };
        Self::reply(req.send().await.expect("request")).await
    }

    /// A connected account created by the platform.
    pub async fn create_account(&self, form: &[(&str, &str)]) -> Value {
        let r = self.post("/v1/accounts", form).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    /// POST JSON to a `/_sandbox` endpoint.
    pub async fn control(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("control");
        r.json().await.expect("json")
    }
}

/// Polls `check` until it returns `Some` or the deadline passes.
pub async fn wait_for<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// One webhook POST received.
#[derive(Clone, Debug)]
pub struct Hit {
    pub body: String,
    pub headers: HeaderMap,
}

impl Hit {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("webhook body is JSON")
    }
}

#[derive(Clone, Default)]
struct ReceiverState {
    hits: Arc<Mutex<Vec<Hit>>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
}

/// A webhook receiver on 127.0.0.1:0 answering the queued statuses, then 200.
pub struct Receiver {
    pub url: String,
    state: ReceiverState,
}

impl Receiver {
    pub async fn start(statuses: &[u16]) -> Self {
        let state = ReceiverState::default();
        state
            .statuses
            .lock()
            .expect("lock")
            .extend(statuses.iter().copied());
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}/hook"),
            state,
        }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().expect("lock").clone()
    }

    /// Waits until at least `n` hits arrived.
    pub async fn wait_hits(&self, n: usize) -> Vec<Hit> {
        wait_for(
            &format!("{n} webhook hits"),
            Duration::from_secs(10),
            || {
                let hits = self.hits();
                (hits.len() >= n).then_some(hits)
            },
        )
        .await
    }
}

async fn receive(
    State(state): State<ReceiverState>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let status = state
        .statuses
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or(200);
    state.hits.lock().expect("lock").push(Hit {
        body: String::from_utf8_lossy(&body).into_owned(),
        headers,
    });
    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
}

/// Stripe's example objects (fixtures3.json), for shape checks.
pub fn fixture(name: &str) -> Value {
    let text = include_str!("../data/stripe-fixtures3.json");
    let all: Value = serde_json::from_str(text).expect("fixtures parse");
    all["resources"][name].clone()
}

/// Asserts `value` has every top-level field of Stripe's fixture for `name`.
pub fn assert_fixture_shape(name: &str, value: &Value) {
    let fixture = fixture(name);
    let fields = fixture.as_object().expect("fixture object");
    for key in fields.keys() {
        assert!(value.get(key).is_some(), "{name} lacks `{key}`: {value}");
    }
}

/// A US individual account with everything provided by API (platform-collected, custom).
pub fn complete_custom_individual() -> Vec<(&'static str, &'static str)> {
    vec![
        ("type", "custom"),
        ("country", "US"),
        ("business_type", "individual"),
        ("capabilities[card_payments][requested]", "true"),
        ("capabilities[transfers][requested]", "true"),
        ("business_profile[mcc]", "5734"),
        ("business_profile[url]", "https://accessible.stripe.com"),
        ("individual[first_name]", "Jenny"),
        ("individual[last_name]", "Rosen"),
        ("individual[email]", "jenny@example.com"),
        ("individual[phone]", "0000000000"),
        ("individual[dob][day]", "1"),
        ("individual[dob][month]", "1"),
        ("individual[dob][year]", "1901"),
        ("individual[address][line1]", "address_full_match"),
        ("individual[address][city]", "San Francisco"),
        ("individual[address][state]", "CA"),
        ("individual[address][postal_code]", "94111"),
        ("individual[id_number]", "000000000"),
        ("external_account", "btok_us_verified"),
        ("tos_acceptance[date]", "1700000000"),
        ("tos_acceptance[ip]", "127.0.0.1"),
    ]
}
