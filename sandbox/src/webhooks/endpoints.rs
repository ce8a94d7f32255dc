//! `/v1/webhook_endpoints`: create (the `secret` is only in this response), retrieve, update,
//! list, delete. `connect:true` endpoints receive the events of connected accounts.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::events::EVENT_TYPES;
use crate::ids;
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::form::{Form, Params, Schema, Ty, opt, req};
use crate::wire::list;

const KIND: &str = "webhook_endpoint";
const THING: &str = "webhook endpoint";

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhook_endpoints", get(list_endpoints).post(create))
        .route(
            "/webhook_endpoints/{id}",
            get(retrieve).post(update).delete(delete),
        )
}

const CREATE: Schema = Schema::new(&[
    req("url", Ty::Str),
    req("enabled_events", Ty::List(&Ty::Str)),
    opt("api_version", Ty::Str),
    opt("connect", Ty::Bool),
    opt("description", Ty::Str),
    opt("metadata", Ty::Map),
]);

const UPDATE: Schema = Schema::new(&[
    opt("url", Ty::Str),
    opt("enabled_events", Ty::List(&Ty::Str)),
    opt("description", Ty::Str),
    opt("disabled", Ty::Bool),
    opt("metadata", Ty::Map),
]);

const LIST: Schema = Schema::list(&[]);

fn validate_url(url: &str) -> Result<(), ApiError> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(ApiError::invalid_param("url", format!("Invalid URL: {url}")).code("url_invalid")),
    }
}

fn validate_events(events: &[String]) -> Result<(), ApiError> {
    if events.is_empty() {
        return Err(ApiError::missing_param("enabled_events"));
    }
    for (i, e) in events.iter().enumerate() {
        if e != "*" && !EVENT_TYPES.contains(&e.as_str()) {
            return Err(ApiError::invalid_param(
                &format!("enabled_events[{i}]"),
                format!("Invalid enabled_events[{i}]: '{e}' is not a valid event type."),
            ));
        }
    }
    Ok(())
}

async fn create(State(app): State<AppState>, caller: Caller, form: Form) -> ApiResult<Json<Value>> {
    let p = CREATE.validate(form)?;
    let url = p.str("url").unwrap_or_default().to_owned();
    validate_url(&url)?;
    let events = p.strs("enabled_events");
    validate_events(&events)?;
    let secret = ids::webhook_secret();
    let endpoint = app.write(|tx| {
        let value = json!({
            "id": ids::new_id("we"),
            "object": "webhook_endpoint",
            "api_version": p.str("api_version"),
            "application": null,
            "created": tx.now(),
            "description": p.str("description"),
            "enabled_events": events,
            "livemode": false,
            "metadata": p.obj("metadata").cloned().unwrap_or_default(),
            "status": "enabled",
            "url": url,
        });
        let meta = json!({ "secret": secret, "connect": p.bool("connect").unwrap_or(false) });
        tx.insert_with_meta(&caller.acting_as, KIND, value, meta)
    });
    let mut out = endpoint;
    if let Some(obj) = out.as_object_mut() {
        obj.insert("secret".into(), json!(secret));
    }
    Ok(Json(out))
}

async fn retrieve(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    Schema::new(&[]).validate(form)?;
    app.read(|s| {
        s.require(&caller.acting_as, KIND, &id, THING, "id")
            .cloned()
            .map(Json)
    })
}

async fn update(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = UPDATE.validate(form)?;
    if let Some(url) = p.str("url") {
        validate_url(url)?;
    }
    if p.has("enabled_events") {
        validate_events(&p.strs("enabled_events"))?;
    }
    app.write(|tx| {
        tx.require(&caller.acting_as, KIND, &id, THING, "id")?;
        let value = tx
            .value_mut(&id)
            .ok_or_else(|| ApiError::no_such(THING, &id, "id"))?;
        apply_update(value, &p);
        Ok(Json(value.clone()))
    })
}

fn apply_update(value: &mut Value, p: &Params) {
    let Some(obj) = value.as_object_mut() else {
        return;
    };
    if let Some(url) = p.str("url") {
        obj.insert("url".into(), json!(url));
    }
    if p.has("enabled_events") {
        obj.insert("enabled_events".into(), json!(p.strs("enabled_events")));
    }
    if p.has("description") {
        obj.insert("description".into(), json!(p.str("description")));
    }
    if let Some(disabled) = p.bool("disabled") {
        obj.insert(
            "status".into(),
            json!(if disabled { "disabled" } else { "enabled" }),
        );
    }
    crate::accounts::model::merge_metadata(obj, p);
}

async fn list_endpoints(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST.validate(form)?;
    app.read(|s| {
        let all = s.newest_first(&caller.acting_as, KIND);
        list::paginate(&all, &p, "/v1/webhook_endpoints", THING, |_| true).map(Json)
    })
}

async fn delete(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    Schema::new(&[]).validate(form)?;
    app.write(|tx| {
        tx.require(&caller.acting_as, KIND, &id, THING, "id")?;
        tx.remove(&id);
        Ok(Json(
            json!({ "id": id, "object": "webhook_endpoint", "deleted": true }),
        ))
    })
}
