//! What each fuzz target checks, as plain functions: `cargo xtask fuzz` drives them with
//! libFuzzer (`fuzz_targets/`), and `tests/corpus.rs` replays the committed corpus through them
//! in the normal test run. Each one feeds bytes a stranger controls to a parser and asserts it
//! answers (a value or a clear error) without panicking, and that what it accepts is consistent.

use domain::{
    embed::{
        account::{OnboardingLinkInput, RequirementsInput},
        form,
        payment_methods::PreferenceInput,
        payments::{CaptureInput, EvidenceInput, RefundInput},
        payouts::{PayoutInput, PayoutSchedule},
        sessions::SessionRequest,
    },
    secret::Secret,
    stripe::signature::{self, SignatureError, WEBHOOK_TOLERANCE_SECS},
    webhooks::Envelope,
};
use serde_json::{Map, Value};

/// One fuzz check: it panics on the first input that breaks its property.
pub type Check = fn(&[u8]);

/// The fuzz targets, by name: the corpus folder of each is `fuzz/corpus/{name}/`.
pub const TARGETS: &[(&str, Check)] = &[
    ("sandbox_form", sandbox_form),
    ("webhook_signature", webhook_signature),
    ("webhook_envelope", webhook_envelope),
    ("account_session_form", account_session_form),
    ("widget_json", widget_json),
];

/// The sandbox's Stripe form decoder (`a[b][0][c]=`): a tree it accepts encodes back to pairs
/// that decode to the same tree.
pub fn sandbox_form(data: &[u8]) {
    let Ok(tree) = sandbox::wire::form::parse_form(data) else {
        return;
    };
    let mut pairs = Vec::new();
    leaves(&tree, &mut Vec::new(), &mut pairs);
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish();
    let again = sandbox::wire::form::parse_form(encoded.as_bytes())
        .unwrap_or_else(|e| panic!("re-encoded form {encoded:?} refused: {e:?}"));
    assert_eq!(again, tree, "form {encoded:?} decodes to another tree");
}

fn leaves(map: &Map<String, Value>, path: &mut Vec<String>, out: &mut Vec<(String, String)>) {
    for (key, value) in map {
        path.push(key.clone());
        match value {
            Value::Object(child) => leaves(child, path, out),
            Value::String(s) => out.push((sandbox::wire::form::bracket_path(path), s.clone())),
            other => panic!("the decoder made a non-string leaf {other}"),
        }
        path.pop();
    }
}

const SECRET: &str = "whsec_fuzz";
const NOW: i64 = 1_750_000_000;

/// The `Stripe-Signature` header: the first line of `data` is the header, the rest the body.
/// Any header verifies or is refused without a panic; a header signed with the secret at any
/// timestamp verifies exactly when the timestamp is within the tolerance.
pub fn webhook_signature(data: &[u8]) {
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let (header, payload) = (&data[..split], data.get(split + 1..).unwrap_or(&[]));
    let secrets = [Secret::new(SECRET)];
    if let Ok(header) = std::str::from_utf8(header) {
        let _ = signature::verify(payload, header, &secrets, NOW);
    }
    let mut stamp = [0u8; 8];
    let n = header.len().min(8);
    stamp[..n].copy_from_slice(&header[..n]);
    let timestamp = i64::from_le_bytes(stamp);
    let signed = signature::sign(payload, &secrets[0], timestamp);
    let outcome = signature::verify(payload, &signed, &secrets, NOW);
    if NOW.saturating_sub(timestamp) <= WEBHOOK_TOLERANCE_SECS {
        assert_eq!(outcome, Ok(()), "signed at {timestamp}");
    } else {
        assert!(
            matches!(outcome, Err(SignatureError::Stale { .. })),
            "signed at {timestamp}: {outcome:?}"
        );
    }
    let other = [Secret::new("whsec_other")];
    assert_eq!(
        signature::verify(payload, &signed, &other, NOW),
        Err(SignatureError::Mismatch)
    );
}

/// The event envelope read from a verified body: an accepted one has Stripe's `evt_` id.
pub fn webhook_envelope(data: &[u8]) {
    if let Ok((text, envelope)) = Envelope::parse(data) {
        assert!(envelope.id.starts_with("evt_"));
        assert_eq!(text.as_bytes(), data);
    }
}

/// The REST API's `POST /api/v1/account_sessions` body, as a form and as JSON: an accepted
/// request names an account and at least reads back as Stripe's `components` parameter.
pub fn account_session_form(data: &[u8]) {
    if let Ok(params) = form::parse(data) {
        session_request(&params);
    }
    if let Ok(params) = serde_json::from_slice::<Value>(data) {
        session_request(&params);
    }
}

fn session_request(params: &Value) {
    if let Ok(request) = SessionRequest::from_params(params) {
        assert!(!request.account.is_empty());
        let _ = request.components.to_stripe();
    }
}

/// The widget API's JSON bodies: the first byte picks the endpoint, the rest is its body.
pub fn widget_json(data: &[u8]) {
    let Some((which, body)) = data.split_first() else {
        return;
    };
    match which % 8 {
        0 => decode::<RefundInput>(body),
        1 => decode::<CaptureInput>(body),
        2 => decode::<EvidenceInput>(body),
        3 => decode::<PayoutInput>(body),
        4 => decode::<PayoutSchedule>(body),
        5 => decode::<PreferenceInput>(body),
        6 => decode::<RequirementsInput>(body),
        _ => decode::<OnboardingLinkInput>(body),
    }
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) {
    let _ = serde_json::from_slice::<T>(body);
}
