//! Sandbox test helpers in Stripe's `test_helpers` style:
//!
//! - `POST /v1/test_helpers/checkout/sessions/{id}/complete`: pays a session exactly as a
//!   customer on the hosted page would (same code path, same events, and the same wait for the
//!   first delivery of `checkout.session.completed`). Params: `payment_method` (a test token such
//!   as `pm_card_visa` / `pm_success_de`, or a `pm_…`), or `card_number` (+ `exp_month`,
//!   `exp_year`, `cvc`), or `iban`; `email` (else the session's `customer_email`, its
//!   customer's email, or `customer@example.com`), `name`, `country`, `postal_code`; and
//!   `three_d_secure=complete|fail` to answer a 3D Secure challenge at once. Answers the
//!   session (200), or Stripe's 402 `card_error` (with `payment_intent`) on a decline.
//! - `POST /v1/test_helpers/payment_intents/{id}/authenticate` (`result=complete|fail`):
//!   answers the 3D Secure challenge of a `requires_action` intent without a browser.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

use crate::app::AppState;
use crate::checkout::flow::{self, MethodInput, Submission, Submitted};
use crate::payments::intents::{self, Outcome};
use crate::payments::methods::{self, CardInput};
use crate::payments::{card_error, load};
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::expand;
use crate::wire::form::{Form, INT, Schema, Ty, opt};

/// How long a completion waits for the first delivery of `checkout.session.completed`.
pub const COMPLETION_WAIT: Duration = Duration::from_secs(10);

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/test_helpers/checkout/sessions/{id}/complete",
            post(complete),
        )
        .route(
            "/test_helpers/payment_intents/{id}/authenticate",
            post(authenticate),
        )
}

const COMPLETE: Schema = Schema::new(&[
    opt("payment_method", Ty::Str),
    opt("card_number", Ty::Str),
    opt(
        "exp_month",
        Ty::Int {
            min: Some(1),
            max: Some(12),
        },
    ),
    opt("exp_year", INT),
    opt("cvc", Ty::Str),
    opt("iban", Ty::Str),
    opt("email", Ty::Str),
    opt("name", Ty::Str),
    opt("country", Ty::Str),
    opt("postal_code", Ty::Str),
    opt("three_d_secure", Ty::Enum(&["complete", "fail"])),
]);
const AUTHENTICATE: Schema = Schema::new(&[opt("result", Ty::Enum(&["complete", "fail"]))]);

fn method_input(p: &crate::wire::form::Params, now: i64) -> Result<MethodInput, ApiError> {
    if let Some(r) = p.str("payment_method") {
        return Ok(MethodInput::Reference(r.to_owned()));
    }
    if let Some(raw) = p.str("card_number") {
        let number = methods::normalize(raw);
        if !methods::luhn_valid(&number) {
            return Err(
                card_error("incorrect_number", "Your card number is incorrect.")
                    .param("card_number"),
            );
        }
        let year = p.i64("exp_year").map_or(methods::year_of(now) + 2, |y| {
            if y < 100 { 2000 + y } else { y }
        });
        let month = p.i64("exp_month").unwrap_or(12);
        if year < methods::year_of(now) {
            return Err(card_error(
                "invalid_expiry_year",
                "Your card's expiration year is in the past.",
            )
            .param("exp_year"));
        }
        if let Some(cvc) = p.str("cvc")
            && !(3..=4).contains(&cvc.len())
        {
            return Err(
                card_error("invalid_cvc", "Your card's security code is invalid.").param("cvc"),
            );
        }
        return Ok(MethodInput::Card(CardInput {
            number,
            exp_month: month,
            exp_year: year,
        }));
    }
    if let Some(raw) = p.str("iban") {
        let iban = methods::normalize(raw);
        if !methods::iban_valid(&iban) {
            return Err(
                ApiError::invalid_param("iban", "The IBAN you entered is invalid.")
                    .code("invalid_bank_account_iban"),
            );
        }
        return Ok(MethodInput::Iban(iban));
    }
    Ok(MethodInput::Reference("pm_card_visa".into()))
}

async fn complete(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = COMPLETE.validate(form)?;
    let now = app.clock.now();
    let method = method_input(&p, now)?;
    let submission = Submission {
        method,
        email: p.str("email").map(str::to_owned),
        name: p.str("name").map(str::to_owned),
        country: p.str("country").map(str::to_owned),
        postal_code: p.str("postal_code").map(str::to_owned),
    };
    let three_ds = p.str("three_d_secure").map(|r| r == "complete");
    let (result, event) = app.write(|tx| {
        load(
            tx,
            &caller.acting_as,
            "checkout.session",
            &id,
            "checkout.session",
        )?;
        let submitted = flow::submit(tx, &id, &submission)?;
        let (submitted, event) = match (submitted, three_ds) {
            (Submitted::RequiresAction { pi, .. }, Some(success)) => {
                let pi_id = pi["id"].as_str().unwrap_or_default().to_owned();
                let outcome = intents::authenticate(tx, &pi_id, success)?;
                let session = tx.get(&id).map(|s| s.value.clone()).unwrap_or(Value::Null);
                let event = latest_completion(tx, &caller.acting_as, &id);
                match outcome {
                    Outcome::Declined { error, .. } => (Err(*error), None),
                    _ => (Ok(session), event),
                }
            }
            (Submitted::Completed { session, event }, _) => (Ok(session), Some(event)),
            (Submitted::RequiresAction { session, .. }, None) => (Ok(session), None),
            (Submitted::Declined { error, .. }, _) => (Err(*error), None),
        };
        let submitted = submitted.and_then(|mut session| {
            expand::expand(tx, &caller, &mut session, &p.expand())?;
            Ok(session)
        });
        Ok::<_, ApiError>((submitted, event))
    })?;
    if let Some(event) = event {
        flow::wait_first_attempts(&app, &event, COMPLETION_WAIT).await;
    }
    result.map(Json)
}

fn latest_completion(tx: &crate::app::Tx<'_>, owner: &str, session: &str) -> Option<String> {
    tx.newest_first(owner, "event")
        .into_iter()
        .find(|e| e["type"] == "checkout.session.completed" && e["data"]["object"]["id"] == session)
        .and_then(|e| e["id"].as_str().map(str::to_owned))
}

async fn authenticate(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = AUTHENTICATE.validate(form)?;
    let success = p.str("result").unwrap_or("complete") == "complete";
    app.write(|tx| {
        load(
            tx,
            &caller.acting_as,
            "payment_intent",
            &id,
            "payment_intent",
        )?;
        match intents::authenticate(tx, &id, success)? {
            Outcome::Declined { error, .. } => Err(*error),
            other => {
                let mut pi = other.pi().clone();
                expand::expand(tx, &caller, &mut pi, &p.expand())?;
                Ok(Json(pi))
            }
        }
    })
}
