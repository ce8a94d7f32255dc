//! `/widget/v1/…`: the API the embedded widgets call from host pages (its contract: the
//! wire types in `app/src/widgets/model.rs`, tested in `server/tests/it/widget_api.rs`). A client secret is claimed once for a widget token; every other call
//! carries the token (`Authorization: Bearer wtk_…`), which the [`WidgetScope`] extractor turns
//! into the session's account and components. Handlers only extract and call the domain, which
//! checks the scope. CORS answers only the platform's allowed embed origins and Comptoir's own.

use axum::{
    Extension, Json, Router,
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Path, Query, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use domain::{
    client_ip::ClientIp,
    embed::{
        self, EmbedError,
        account::{self, OnboardingLinkInput, RequestOrigin, RequirementsInput},
        payment_methods::{self, PreferenceInput},
        payments::{self, CaptureInput, EvidenceInput, ListParams, RefundInput},
        payouts::{self, PayoutInput, PayoutListParams, PayoutSchedule},
        tokens,
    },
    settings::normalize_origin,
};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::json;

use crate::state::AppState;

/// The widget API, to be nested at `/widget/v1`, with its CORS layer.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/claim", post(claim))
        .route("/logout", post(logout))
        .route("/account", get(get_account))
        .route("/account/requirements", post(update_requirements))
        .route("/account/onboarding_link", post(create_onboarding_link))
        .route("/payments", get(list_payments))
        .route("/payments/{id}", get(get_payment))
        .route("/payments/{id}/refunds", post(refund_payment))
        .route("/payments/{id}/capture", post(capture_payment))
        .route("/disputes/{id}/evidence", post(submit_dispute_evidence))
        .route("/disputes/{id}/accept", post(accept_dispute))
        .route("/balance", get(get_balance))
        .route("/payouts", get(list_payouts).post(create_payout))
        .route(
            "/payout_schedule",
            get(get_payout_schedule).post(update_payout_schedule),
        )
        .route(
            "/payment_method_settings",
            get(get_payment_method_settings).post(update_payment_method_settings),
        )
        .fallback(unknown_endpoint)
        .layer(middleware::from_fn_with_state(state.clone(), cors))
}

/// An [`EmbedError`] answered in the contract's envelope. Internal failures are logged here,
/// once, and answered with a generic sentence.
pub struct ApiFailure(pub EmbedError);

impl From<EmbedError> for ApiFailure {
    fn from(e: EmbedError) -> Self {
        Self(e)
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let body = self.0.body();
        if self.0.is_internal() || body.status >= 500 {
            tracing::error!(error = %self.0, status = body.status, "embed request failed");
        }
        let mut error = json!({
            "type": body.kind,
            "code": body.code,
            "message": body.message,
        });
        if let Some(param) = body.param {
            error["param"] = json!(param);
        }
        let status = StatusCode::from_u16(body.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(json!({ "error": error }))).into_response();
        if let Some(secs) = self.0.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        response
    }
}

type ApiResult<T> = Result<Json<T>, ApiFailure>;

/// The token or key after `Bearer ` in `Authorization`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, credential) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credential.trim())
        .filter(|c| !c.is_empty())
}

/// The scope of the request's widget token; a missing, unknown, revoked or expired token is
/// answered with 401 before the handler runs.
pub struct WidgetScope(pub embed::WidgetScope);

impl FromRequestParts<AppState> for WidgetScope {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiFailure> {
        tokens::authenticate(&state.services, bearer(&parts.headers))
            .await
            .map(WidgetScope)
            .map_err(ApiFailure)
    }
}

/// A JSON body; a malformed one is a 400 in the contract's envelope. An empty body reads as
/// `{}`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiFailure;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiFailure> {
        let bytes = Bytes::from_request(request, state).await.map_err(|_| {
            ApiFailure(EmbedError::invalid(
                "invalid_body",
                "The request body could not be read.",
            ))
        })?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(bytes).map(JsonBody).map_err(|e| {
            ApiFailure(EmbedError::invalid(
                "invalid_json",
                format!("The body is not the JSON this endpoint takes: {e}"),
            ))
        })
    }
}

fn query<T>(
    query: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ApiFailure> {
    query.map(|Query(q)| q).map_err(|e| {
        ApiFailure(EmbedError::invalid(
            "invalid_query",
            format!("The query string could not be read: {e}"),
        ))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimInput {
    client_secret: String,
}

async fn claim(
    State(state): State<AppState>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    JsonBody(input): JsonBody<ClaimInput>,
) -> ApiResult<tokens::Claimed> {
    Ok(Json(
        tokens::claim(&state.services, &input.client_secret, client).await?,
    ))
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiFailure> {
    tokens::logout(&state.services, bearer(&headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_account(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
) -> ApiResult<account::AccountView> {
    Ok(Json(account::account(&state.services, &scope).await?))
}

/// Where the request came from, for the record of a merchant accepting Stripe's terms: the
/// client address the server decided (see `client_address.rs`) and the browser's user agent.
fn request_origin(headers: &HeaderMap, client: ClientIp) -> RequestOrigin {
    RequestOrigin {
        ip: client.0.map(|ip| ip.to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    }
}

async fn update_requirements(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
    Extension(client): Extension<ClientIp>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<RequirementsInput>,
) -> ApiResult<account::AccountView> {
    let origin = request_origin(&headers, client);
    Ok(Json(
        account::update_requirements(&state.services, &scope, &input, &origin).await?,
    ))
}

async fn create_onboarding_link(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
    JsonBody(input): JsonBody<OnboardingLinkInput>,
) -> ApiResult<account::OnboardingLink> {
    Ok(Json(
        account::onboarding_link(&state.services, &scope, &input).await?,
    ))
}

async fn list_payments(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<payments::PaymentList> {
    let params = query(params)?;
    Ok(Json(
        payments::list(&state.services, &scope, &params).await?,
    ))
}

async fn get_payment(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
    Path(id): Path<String>,
) -> ApiResult<payments::PaymentDetailView> {
    Ok(Json(payments::detail(&state.services, &scope, &id).await?))
}

async fn refund_payment(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<RefundInput>,
) -> ApiResult<payments::PaymentDetailView> {
    Ok(Json(
        payments::refund(&state.services, &scope, &id, &input).await?,
    ))
}

async fn capture_payment(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<CaptureInput>,
) -> ApiResult<payments::PaymentDetailView> {
    Ok(Json(
        payments::capture(&state.services, &scope, &id, &input).await?,
    ))
}

async fn submit_dispute_evidence(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<EvidenceInput>,
) -> ApiResult<payments::PaymentDetailView> {
    Ok(Json(
        payments::dispute_evidence(&state.services, &scope, &id, &input).await?,
    ))
}

async fn accept_dispute(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
    Path(id): Path<String>,
) -> ApiResult<payments::PaymentDetailView> {
    Ok(Json(
        payments::accept_dispute(&state.services, &scope, &id).await?,
    ))
}

async fn get_balance(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
) -> ApiResult<payouts::BalanceView> {
    Ok(Json(payouts::balance(&state.services, &scope).await?))
}

async fn list_payouts(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
    params: Result<Query<PayoutListParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<payouts::PayoutList> {
    let params = query(params)?;
    Ok(Json(payouts::list(&state.services, &scope, &params).await?))
}

async fn create_payout(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
    JsonBody(input): JsonBody<PayoutInput>,
) -> ApiResult<payouts::PayoutView> {
    Ok(Json(
        payouts::create_payout(&state.services, &scope, &input).await?,
    ))
}

async fn get_payout_schedule(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
) -> ApiResult<PayoutSchedule> {
    Ok(Json(payouts::schedule(&state.services, &scope).await?))
}

async fn update_payout_schedule(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
    JsonBody(input): JsonBody<PayoutSchedule>,
) -> ApiResult<PayoutSchedule> {
    Ok(Json(
        payouts::set_schedule(&state.services, &scope, &input).await?,
    ))
}

async fn get_payment_method_settings(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
) -> ApiResult<payment_methods::PaymentMethodSettings> {
    Ok(Json(
        payment_methods::settings(&state.services, &scope).await?,
    ))
}

async fn update_payment_method_settings(
    State(state): State<AppState>,
    WidgetScope(scope): WidgetScope,
    JsonBody(input): JsonBody<PreferenceInput>,
) -> ApiResult<payment_methods::PaymentMethodSettings> {
    Ok(Json(
        payment_methods::set_preference(&state.services, &scope, &input).await?,
    ))
}

async fn unknown_endpoint(method: Method, uri: axum::http::Uri) -> ApiFailure {
    ApiFailure(EmbedError::NotFound {
        what: "endpoint",
        id: format!("{method} {}", uri.path()),
    })
}

/// Whether `origin` may call the widget API from a browser: an allowed embed origin, or
/// Comptoir's own.
fn origin_allowed(state: &AppState, origin: &str) -> bool {
    state.services.settings().allows_origin(origin)
        || normalize_origin(&state.services.public_url)
            .is_some_and(|own| normalize_origin(origin).as_deref() == Some(own.as_str()))
}

const ALLOW_HEADERS: &str = "Authorization, Content-Type";
const ALLOW_METHODS: &str = "GET, POST, OPTIONS";
/// How long a browser may reuse a preflight answer.
const PREFLIGHT_MAX_AGE_SECS: &str = "600";

/// CORS as the contract says: the request's `Origin` is echoed only when allowed, with
/// `Vary: Origin`; a preflight from another origin gets 403 and no CORS header; credentials are
/// never allowed. A non-preflight request from a refused origin is refused too, so that nothing
/// it asks for happens even where the browser would only hide the answer.
async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let allowed = origin.as_deref().map(|o| origin_allowed(&state, o));
    let mut response = match (preflight, allowed) {
        (true, Some(true)) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOW_METHODS),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOW_HEADERS),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static(PREFLIGHT_MAX_AGE_SECS),
            );
            response
        }
        (true, _) => {
            tracing::info!(
                origin = origin.as_deref().unwrap_or("-"),
                "refused a widget API preflight"
            );
            StatusCode::FORBIDDEN.into_response()
        }
        (false, Some(false)) => {
            tracing::info!(
                origin = origin.as_deref().unwrap_or("-"),
                "refused a widget API request from another origin"
            );
            let error = json!({ "error": {
                "type": "permission_error",
                "code": "origin_not_allowed",
                "message": "This origin may not call the widget API. Add it to the platform's allowed embed origins.",
            }});
            (StatusCode::FORBIDDEN, Json(error)).into_response()
        }
        (false, _) => next.run(request).await,
    };
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let (Some(true), Some(origin)) = (allowed, origin)
        && let Ok(value) = HeaderValue::from_str(&origin)
    {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        if !preflight {
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("X-Request-Id"),
            );
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        map
    }

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        assert_eq!(
            bearer(&headers(&[("authorization", "Bearer wtk_1")])),
            Some("wtk_1")
        );
        assert_eq!(
            bearer(&headers(&[("authorization", "bearer  cpk_2 ")])),
            Some("cpk_2")
        );
        assert_eq!(bearer(&headers(&[("authorization", "Basic abc")])), None);
        assert_eq!(bearer(&headers(&[("authorization", "Bearer ")])), None);
        assert_eq!(bearer(&headers(&[])), None);
    }

    #[test]
    fn the_tos_record_takes_the_decided_client_address_not_the_header() {
        let headers = headers(&[("x-forwarded-for", "203.0.113.7"), ("user-agent", "UA/1")]);
        let client = ClientIp(Some("198.51.100.4".parse().unwrap()));
        let origin = request_origin(&headers, client);
        assert_eq!(origin.ip.as_deref(), Some("198.51.100.4"));
        assert_eq!(origin.user_agent.as_deref(), Some("UA/1"));
        assert_eq!(request_origin(&headers, ClientIp(None)).ip, None);
    }
}
