//! `GET /admin/transactions.csv`: the transactions of the admin's current filter (the same query
//! string as the transactions page) as a CSV file, every page of it. Admins only.

use app::transactions::{TransactionFilter, TransactionRow, server_side};
use axum::{
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use domain::{auth::Role, mirror::payments, sessions};
use tower_sessions::Session;

use crate::state::AppState;

/// Rows read from the database at once.
const BATCH: i64 = 500;

const HEADER: &str = "created_utc,payment_id,charge_id,merchant,account_id,customer_email,\
    amount_minor,amount_refunded_minor,application_fee_minor,currency,status,payment_method\r\n";

pub async fn export_transactions(
    State(state): State<AppState>,
    session: Session,
    Query(filter): Query<TransactionFilter>,
) -> Response {
    match sessions::logged_in(&session).await {
        Ok(Some(user)) if user.role == Role::Admin => {}
        Ok(Some(_)) => return (StatusCode::FORBIDDEN, "Admins only.").into_response(),
        Ok(None) => return Redirect::to("/login?next=/admin/transactions").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not read the session");
            return (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.").into_response();
        }
    }
    let db = &state.services.db;
    let mut query = match server_side::payment_query(db, &filter.first_page(), BATCH).await {
        Ok(Some(query)) => Some(query),
        Ok(None) => None,
        Err(app::error::AppError::Invalid(message)) => {
            return (StatusCode::BAD_REQUEST, message).into_response();
        }
        Err(_) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.").into_response();
        }
    };
    let mut csv = String::from(HEADER);
    while let Some(current) = query.take() {
        let page = match payments::list(db, &current).await {
            Ok(page) => page,
            Err(e) => {
                tracing::error!(error = %e, "could not export transactions");
                return (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.")
                    .into_response();
            }
        };
        for payment in page.payments {
            csv.push_str(&line(&TransactionRow::from(payment)));
        }
        query = page.next.map(|next| payments::PaymentQuery {
            after: Some(next),
            ..current
        });
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"transactions.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        csv,
    )
        .into_response()
}

fn line(row: &TransactionRow) -> String {
    let fields = [
        app::calendar::format_datetime(row.created),
        row.id.clone(),
        row.charge_id.clone().unwrap_or_default(),
        row.merchant.clone().unwrap_or_default(),
        row.account_id.clone(),
        row.customer_email.clone().unwrap_or_default(),
        row.amount.to_string(),
        row.amount_refunded.to_string(),
        row.application_fee_amount
            .map(|f| f.to_string())
            .unwrap_or_default(),
        row.currency.clone(),
        row.status.clone(),
        row.payment_method.clone().unwrap_or_default(),
    ];
    let mut out = fields
        .iter()
        .map(|f| field(f))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

/// One CSV field: quoted when needed, and never read as a formula by a spreadsheet (text from
/// merchants and customers could start with `=`).
fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("Café, Bar"), "\"Café, Bar\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-5"), "'-5");
    }
}
