//! Shared helpers of the payments tests: a charges-enabled connected account, requests acting
//! as it, Checkout Sessions and their completion, typed async-stripe checks.

use std::time::Duration;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::helpers::{Reply, TestSandbox, complete_custom_individual, spawn};

/// A sandbox and one fully enabled connected account (`usd`).
pub struct Merchant {
    pub sb: TestSandbox,
    pub acct: String,
}

pub async fn merchant() -> Merchant {
    let sb = spawn().await;
    let acct = connected(&sb).await;
    Merchant { sb, acct }
}

/// A new charges-enabled connected account of the test platform.
pub async fn connected(sb: &TestSandbox) -> String {
    let account = sb.create_account(&complete_custom_individual()).await;
    assert_eq!(account["charges_enabled"], true, "{account}");
    account["id"].as_str().unwrap_or_default().to_owned()
}

impl Merchant {
    /// POST acting as the connected account.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.sb
            .request(
                Method::POST,
                path,
                self.sb.key(),
                Some(&self.acct),
                &[],
                form,
            )
            .await
    }

    /// GET acting as the connected account.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Reply {
        self.sb
            .request(
                Method::GET,
                path,
                self.sb.key(),
                Some(&self.acct),
                &[],
                query,
            )
            .await
    }

    /// A hosted `payment` session of one `price_data` item (`amount` in `currency`), with extra
    /// parameters.
    pub async fn session(&self, amount: i64, currency: &str, extra: &[(&str, &str)]) -> Value {
        let amount = amount.to_string();
        let mut form = vec![
            ("mode", "payment"),
            ("line_items[0][price_data][currency]", currency),
            ("line_items[0][price_data][unit_amount]", amount.as_str()),
            ("line_items[0][price_data][product_data][name]", "Croissant"),
            ("line_items[0][quantity]", "1"),
            (
                "success_url",
                "https://shop.example/ok?session={CHECKOUT_SESSION_ID}",
            ),
            ("cancel_url", "https://shop.example/cancel"),
        ];
        form.extend_from_slice(extra);
        let r = self.post("/v1/checkout/sessions", &form).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    /// Completes a session through the test helper.
    pub async fn complete(&self, session: &Value, form: &[(&str, &str)]) -> Reply {
        let id = session["id"].as_str().unwrap_or_default();
        self.post(
            &format!("/v1/test_helpers/checkout/sessions/{id}/complete"),
            form,
        )
        .await
    }

    /// A paid payment intent (confirmed by API with `payment_method`), with extra parameters.
    pub async fn pay(&self, amount: i64, payment_method: &str, extra: &[(&str, &str)]) -> Reply {
        let amount = amount.to_string();
        let mut form = vec![
            ("amount", amount.as_str()),
            ("currency", "usd"),
            ("payment_method_types[0]", "card"),
            ("payment_method", payment_method),
            ("confirm", "true"),
        ];
        form.extend_from_slice(extra);
        self.post("/v1/payment_intents", &form).await
    }

    /// Retrieves an object acting as the account.
    pub async fn fetch(&self, path: &str) -> Value {
        let r = self.get(path, &[]).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        r.body
    }

    /// Moves the sandbox clock.
    pub fn advance(&self, secs: u64) {
        self.sb.handle.advance_clock(Duration::from_secs(secs));
    }

    /// Types of the events of the connected account, oldest first.
    pub async fn event_types(&self) -> Vec<String> {
        let r = self.get("/v1/events", &[("limit", "100")]).await;
        let mut types: Vec<String> = r.body["data"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["type"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        types.reverse();
        types
    }
}

/// Deserializes `v` into async-stripe's model, with the path of the first problem.
pub fn typed<T: DeserializeOwned>(v: &Value) -> T {
    let text = serde_json::to_string(v).unwrap_or_default();
    match serde_json::from_str::<T>(&text) {
        Ok(t) => t,
        Err(e) => panic!(
            "{} rejects the sandbox's JSON: {e}\n{v:#}",
            std::any::type_name::<T>()
        ),
    }
}

pub fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

pub fn count(v: &Value) -> usize {
    v["data"].as_array().map_or(0, Vec::len)
}
