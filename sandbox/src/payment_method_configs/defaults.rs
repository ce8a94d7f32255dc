//! `/_sandbox/payment_method_configurations/defaults`: the platform's parent setting per method
//! (on by default / off by default / blocked), which Stripe only offers in its Dashboard.
//!
//! `POST` with the platform's secret key (`Authorization: Bearer sk_…`) and a JSON or form body
//! `{"klarna": "blocked", "sepa_debit": "on_by_default", …}`. Optional keys: `configuration`
//! (another parent of the platform; default: its default configuration) and `account` (a
//! connected account: the settings then replace the parent's for that account only, as the
//! Dashboard's per-account override does; `inherit` removes one). Methods may also be nested
//! under `defaults`. `GET` answers the current settings.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

use crate::app::{AppState, Tx};
use crate::payment_method_configs::model::{
    self, FIXTURE_METHODS, KIND, PmcDefault, PmcMeta, child_setting, is_method,
};
use crate::wire::auth;
use crate::wire::error::ApiError;
use crate::wire::form::parse_form;

/// The route.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/_sandbox/payment_method_configurations/defaults",
        get(show).post(set),
    )
}

fn platform_of(app: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let key = auth::api_key(headers).ok_or_else(ApiError::no_api_key)?;
    let caller = app.write(|tx| auth::resolve_key(tx, &key))?;
    if caller.via_oauth || !caller.is_platform() {
        return Err(ApiError::permission(
            "Payment method defaults can only be set with a platform's own secret key.",
        ));
    }
    Ok(caller.platform)
}

fn parse_body(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("json"))
        || body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    if is_json {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(ApiError::invalid("The body must be a JSON object.").not_stored()),
            Err(e) => Err(ApiError::invalid(format!("Invalid JSON body: {e}")).not_stored()),
        }
    } else {
        parse_form(body)
    }
}

/// The method → setting pairs of a request body (`None` = `inherit`).
fn changes_of(body: &Map<String, Value>) -> Result<Vec<(String, Option<PmcDefault>)>, ApiError> {
    let mut out = Vec::new();
    let mut visit = |map: &Map<String, Value>| -> Result<(), ApiError> {
        for (method, setting) in map {
            if matches!(method.as_str(), "configuration" | "account" | "defaults") {
                continue;
            }
            if !is_method(method) {
                return Err(ApiError::invalid_param(
                    method,
                    format!("Unknown payment method `{method}`."),
                ));
            }
            let text = setting.as_str().unwrap_or_default();
            let parsed = match text {
                "inherit" | "" => None,
                other => Some(PmcDefault::parse(other).ok_or_else(|| {
                    ApiError::invalid_param(
                        method,
                        format!(
                            "Invalid setting for `{method}`: must be one of on_by_default, \
                             off_by_default, or blocked (or inherit, with `account`)."
                        ),
                    )
                })?),
            };
            out.push((method.clone(), parsed));
        }
        Ok(())
    };
    visit(body)?;
    if let Some(Value::Object(nested)) = body.get("defaults") {
        visit(nested)?;
    }
    Ok(out)
}

/// The parent configuration a request targets: `configuration`, else the default one.
fn target_parent(
    tx: &mut Tx<'_>,
    platform: &str,
    configuration: Option<&str>,
) -> Result<String, ApiError> {
    match configuration {
        None => Ok(model::ensure_default(tx, platform)),
        Some(id) => tx
            .get(id)
            .filter(|s| s.kind == KIND && s.owner == platform && s.value["parent"].is_null())
            .map(|s| s.id.clone())
            .ok_or_else(|| {
                ApiError::invalid_param(
                    "configuration",
                    format!("No such parent payment_method_configuration: '{id}'"),
                )
                .code("resource_missing")
            }),
    }
}

/// Applies settings to a platform's parent (or, with `account`, to that account's child as
/// overrides) and answers the resulting settings.
pub fn apply(
    tx: &mut Tx<'_>,
    platform: &str,
    configuration: Option<&str>,
    account: Option<&str>,
    changes: &[(String, Option<PmcDefault>)],
) -> Result<Value, ApiError> {
    if !tx.is_platform(platform) {
        return Err(ApiError::invalid(format!("No such platform: '{platform}'")));
    }
    if let Some((method, _)) = changes.iter().find(|(m, _)| !is_method(m)) {
        return Err(ApiError::invalid_param(
            method,
            format!("Unknown payment method `{method}`."),
        ));
    }
    let parent_id = target_parent(tx, platform, configuration)?;
    match account {
        None => {
            if changes.iter().any(|(_, s)| s.is_none()) {
                return Err(ApiError::invalid(
                    "`inherit` only applies to a per-account override (with `account`).",
                ));
            }
            let mut meta = tx.get(&parent_id).map(PmcMeta::of).unwrap_or_default();
            for (method, setting) in changes {
                let Some(setting) = setting else { continue };
                meta.defaults.insert(method.clone(), *setting);
                // The parent then shows what its children inherit.
                let own = if *setting == PmcDefault::OnByDefault {
                    "on"
                } else {
                    "off"
                };
                meta.preferences.insert(method.clone(), own.to_owned());
            }
            model::save_meta(tx, &parent_id, &meta);
            let children: Vec<String> = tx
                .objects
                .values()
                .filter(|s| s.kind == KIND && s.value["parent"].as_str() == Some(&parent_id))
                .map(|s| s.id.clone())
                .collect();
            for child in children {
                model::refresh(tx, &child);
            }
        }
        Some(account) => {
            if tx.connection(platform, account).is_none() {
                return Err(ApiError::invalid_param(
                    "account",
                    format!("Account '{account}' is not connected to this platform."),
                ));
            }
            let child_id = match model::child_of(tx, account, &parent_id) {
                Some(c) => c.id.clone(),
                None if configuration.is_none() => model::ensure_child(tx, platform, account)
                    .ok_or_else(|| {
                        ApiError::invalid("Could not create the child configuration.")
                    })?,
                None => {
                    return Err(ApiError::invalid_param(
                        "account",
                        format!("Account '{account}' has no child of {parent_id}."),
                    ));
                }
            };
            let mut meta = tx.get(&child_id).map(PmcMeta::of).unwrap_or_default();
            for (method, setting) in changes {
                match setting {
                    Some(s) => meta.overrides.insert(method.clone(), *s),
                    None => meta.overrides.remove(method),
                };
            }
            model::save_meta(tx, &child_id, &meta);
        }
    }
    Ok(describe(tx, &parent_id, account))
}

/// `{configuration, account, defaults: {method: setting}}` (the settings in force; for an
/// account, the parent's merged with its overrides).
fn describe(tx: &Tx<'_>, parent_id: &str, account: Option<&str>) -> Value {
    let parent = tx.get(parent_id).map(PmcMeta::of).unwrap_or_default();
    let child = account
        .and_then(|a| model::child_of(tx, a, parent_id))
        .map(PmcMeta::of)
        .unwrap_or_default();
    let mut defaults = Map::new();
    let mut methods: Vec<&str> = FIXTURE_METHODS.to_vec();
    methods.extend(
        model::rendered_methods(&child, Some(&parent))
            .into_iter()
            .filter(|m| !FIXTURE_METHODS.contains(m)),
    );
    methods.sort_unstable();
    for method in methods {
        defaults.insert(
            method.to_owned(),
            json!(child_setting(Some(&parent), &child, method).as_str()),
        );
    }
    let overrides: Map<String, Value> = child
        .overrides
        .iter()
        .map(|(k, v)| (k.clone(), json!(v.as_str())))
        .collect();
    json!({
        "object": "sandbox.payment_method_configuration_defaults",
        "configuration": parent_id,
        "account": account,
        "defaults": defaults,
        "overrides": overrides,
    })
}

async fn set(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let result = (|| {
        let platform = platform_of(&app, &headers)?;
        let body = parse_body(&headers, &body)?;
        let changes = changes_of(&body)?;
        let configuration = body.get("configuration").and_then(Value::as_str);
        let account = body.get("account").and_then(Value::as_str);
        app.write(|tx| apply(tx, &platform, configuration, account, &changes))
    })();
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn show(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = (|| {
        let platform = platform_of(&app, &headers)?;
        let configuration = q.get("configuration").map(String::as_str);
        let account = q.get("account").map(String::as_str);
        app.write(|tx| {
            let parent = target_parent(tx, &platform, configuration)?;
            Ok::<_, ApiError>(describe(tx, &parent, account))
        })
    })();
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}
