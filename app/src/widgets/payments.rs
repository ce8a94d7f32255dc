//! The `payments` widget: the account's payments, newest first, with Connect.js's filters
//! (status, amount, date, payment method), search by id or customer email, paging, and a detail
//! view. And `payment-details`: one payment, chosen by the host with `setPayment(id)`.

use leptos::prelude::*;
use serde_json::Value;

use super::{
    common::{Empty, ErrorState, Loading, StatusBadge, format_date, report_load_error_to},
    connection::WidgetError,
    context::use_widget,
    model::{Page, Payment},
    payment_detail::PaymentDetailOverlay,
    texts::PAYMENT_STATUSES,
};
use crate::{
    calendar,
    money::{format_amount, parse_amount},
};

const PAGE_SIZE: usize = 20;

/// The list's filters, as typed (amounts in major units, dates as `YYYY-MM-DD`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub statuses: Vec<String>,
    pub amount_min: String,
    pub amount_max: String,
    pub amount_eq: String,
    pub date_from: String,
    pub date_to: String,
    pub method: String,
    pub query: String,
}

impl Filters {
    /// Reads Connect.js's `PaymentsListDefaultFilters` (amounts in the currency's major unit,
    /// dates as unix seconds after the loader's conversion).
    pub fn from_default_filters(value: &Value) -> Self {
        let mut filters = Filters::default();
        if let Some(statuses) = value["status"].as_array() {
            filters.statuses = statuses
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect();
        }
        let amount = &value["amount"];
        let major = |v: &Value| v.as_f64().map(|n| format!("{n:.2}")).unwrap_or_default();
        if !amount["equals"].is_null() {
            filters.amount_eq = major(&amount["equals"]);
        }
        if !amount["greaterThan"].is_null() {
            filters.amount_min = major(&amount["greaterThan"]);
        }
        if !amount["lessThan"].is_null() {
            filters.amount_max = major(&amount["lessThan"]);
        }
        if !amount["between"].is_null() {
            filters.amount_min = major(&amount["between"]["lowerBound"]);
            filters.amount_max = major(&amount["between"]["upperBound"]);
        }
        let date = &value["date"];
        let day = |v: &Value| v.as_i64().map(calendar::format_date).unwrap_or_default();
        if !date["after"].is_null() {
            filters.date_from = day(&date["after"]);
        }
        if !date["before"].is_null() {
            filters.date_to = day(&date["before"]);
        }
        if !date["between"].is_null() {
            filters.date_from = day(&date["between"]["start"]);
            filters.date_to = day(&date["between"]["end"]);
        }
        if let Some(method) = value["paymentMethod"].as_str() {
            filters.method = method.to_string();
        }
        filters
    }

    /// The widget API's query string for these filters, or why they are not valid.
    pub fn query(&self, starting_after: Option<&str>) -> Result<String, String> {
        let mut query: Vec<(String, String)> = Vec::new();
        query.push(("limit".into(), PAGE_SIZE.to_string()));
        if let Some(cursor) = starting_after {
            query.push(("starting_after".into(), cursor.to_string()));
        }
        if !self.statuses.is_empty() {
            query.push(("status".into(), self.statuses.join(",")));
        }
        for (key, typed) in [
            ("amount_gte", &self.amount_min),
            ("amount_lte", &self.amount_max),
            ("amount_eq", &self.amount_eq),
        ] {
            if !typed.trim().is_empty() {
                query.push((key.into(), parse_amount(typed)?.to_string()));
            }
        }
        if let Some(from) = calendar::parse_date(&self.date_from) {
            query.push(("created_gte".into(), from.to_string()));
        }
        if let Some(to) = calendar::parse_date(&self.date_to) {
            // The whole day `to` is included.
            query.push(("created_lte".into(), (to + 86_399).to_string()));
        }
        if !self.method.is_empty() {
            query.push(("payment_method".into(), self.method.clone()));
        }
        if !self.query.trim().is_empty() {
            query.push(("query".into(), self.query.trim().to_string()));
        }
        Ok(query
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&"))
    }
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
pub fn PaymentsWidget() -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let filters = RwSignal::new(Filters::default());
    // Cursors of the pages before the current one, and the current page's cursor.
    let history = RwSignal::new(Vec::<Option<String>>::new());
    let cursor = RwSignal::new(None::<String>);
    let reload = RwSignal::new(0u32);
    let selected = RwSignal::new(None::<String>);
    let page = RwSignal::new_local(None::<Result<Page<Payment>, WidgetError>>);

    // The host's `setDefaultFilters` sets the starting filters (and resets the page).
    Effect::new(move |_| {
        if let Some(value) = ctx.props.default_filters.get() {
            filters.set(Filters::from_default_filters(&value));
            history.set(Vec::new());
            cursor.set(None);
        }
    });
    let connection = StoredValue::new_local(ctx.connection());
    let reporter = ctx.clone();
    let marked = StoredValue::new(false);
    Effect::new(move |_| {
        reload.track();
        let query = filters.with(|f| f.query(cursor.get().as_deref()));
        let connection = connection.get_value();
        let reporter = reporter.clone();
        page.set(None);
        leptos::task::spawn_local(async move {
            let result = match query {
                Ok(query) => {
                    connection
                        .get::<Page<Payment>>(&format!("/payments?{query}"))
                        .await
                }
                Err(message) => Err(WidgetError {
                    kind: "invalid_request_error".into(),
                    code: None,
                    message,
                }),
            };
            if let Err(e) = &result {
                report_load_error_to(&reporter, e);
            }
            let first_rows = result.as_ref().is_ok_and(|p| !p.data.is_empty());
            page.set(Some(result));
            if first_rows && !marked.get_value() {
                marked.set_value(true);
                // On the page's Performance timeline, once the rows are in the DOM: what
                // `end2end/bench/widget-first-rows.spec.ts` measures.
                request_animation_frame(|| {
                    if let Some(performance) = window().performance() {
                        let _ = performance.mark("comptoir:first-rows");
                    }
                });
            }
        });
    });
    let filtered = move || filters.with(|f| *f != Filters::default());
    let next = move |last: String| {
        history.update(|h| h.push(cursor.get_untracked()));
        cursor.set(Some(last));
    };
    let previous = move || {
        let before = history.try_update(|h| h.pop()).flatten().flatten();
        cursor.set(before);
    };
    view! {
        <div class="cpt-widget cpt-payments" part="container" data-testid="payments-widget">
            <FilterBar filters on_change=move |f| { filters.set(f); history.set(Vec::new()); cursor.set(None); } />
            {move || match page.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorState error retry=move |_| reload.update(|n| *n += 1) /> }.into_any(),
                Some(Ok(page)) if page.data.is_empty() => {
                    let text = Signal::derive(move || if filtered() { texts().no_matches } else { texts().no_payments });
                    view! { <Empty text /> }.into_any()
                }
                Some(Ok(page)) => {
                    let last = page.data.last().map(|p| p.id.clone()).unwrap_or_default();
                    let has_more = page.has_more;
                    view! {
                        <PaymentsTable payments=page.data on_open=move |id| selected.set(Some(id)) />
                        <nav class="cpt-pager" aria-label=move || texts().payments>
                            <button type="button" class="cpt-button" part="button"
                                disabled=move || history.with(Vec::is_empty) on:click=move |_| previous()>
                                {move || texts().previous}
                            </button>
                            <button type="button" class="cpt-button" part="button" disabled=!has_more
                                on:click=move |_| next(last.clone())>
                                {move || texts().next}
                            </button>
                        </nav>
                    }.into_any()
                }
            }}
            {move || selected.get().map(|id| view! {
                <PaymentDetailOverlay
                    id
                    on_close=move |_| selected.set(None)
                    changed=Callback::new(move |_| reload.update(|n| *n += 1))
                />
            })}
        </div>
    }
}

#[component]
fn FilterBar(
    filters: RwSignal<Filters>,
    #[prop(into)] on_change: Callback<Filters>,
) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    // Edited here, applied on submit, so typing does not fire a request per key.
    let draft = RwSignal::new(filters.get_untracked());
    Effect::new(move |_| draft.set(filters.get()));
    let set = move |update: fn(&mut Filters, String)| {
        move |e: leptos::ev::Event| draft.update(|d| update(d, event_target_value(&e)))
    };
    let apply = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        on_change.run(draft.get());
    };
    view! {
        <form class="cpt-filters" part="filters" role="search" on:submit=apply>
            <input class="cpt-search" part="input" type="search" aria-label=move || texts().search_placeholder
                placeholder=move || texts().search_placeholder
                prop:value=move || draft.with(|d| d.query.clone()) on:input=set(|d, v| d.query = v) />
            <select part="input" aria-label=move || texts().filter_status
                prop:value=move || draft.with(|d| d.statuses.first().cloned().unwrap_or_default())
                on:change=move |e| { let v = event_target_value(&e); draft.update(|d| d.statuses = if v.is_empty() { vec![] } else { vec![v] }); on_change.run(draft.get_untracked()); }>
                <option value="">{move || texts().all_statuses}</option>
                {PAYMENT_STATUSES.iter().map(|s| view! { <option value=*s>{move || texts().status(s)}</option> }).collect_view()}
            </select>
            <input part="input" inputmode="decimal" aria-label=move || texts().amount_min placeholder=move || texts().amount_min
                prop:value=move || draft.with(|d| d.amount_min.clone()) on:input=set(|d, v| d.amount_min = v) />
            <input part="input" inputmode="decimal" aria-label=move || texts().amount_max placeholder=move || texts().amount_max
                prop:value=move || draft.with(|d| d.amount_max.clone()) on:input=set(|d, v| d.amount_max = v) />
            <label class="cpt-inline">{move || texts().date_from}
                <input part="input" type="date" prop:value=move || draft.with(|d| d.date_from.clone()) on:input=set(|d, v| d.date_from = v) />
            </label>
            <label class="cpt-inline">{move || texts().date_to}
                <input part="input" type="date" prop:value=move || draft.with(|d| d.date_to.clone()) on:input=set(|d, v| d.date_to = v) />
            </label>
            <select part="input" aria-label=move || texts().payment_method
                prop:value=move || draft.with(|d| d.method.clone())
                on:change=move |e| { let v = event_target_value(&e); draft.update(|d| d.method = v); on_change.run(draft.get_untracked()); }>
                <option value="">{move || texts().any_method}</option>
                <option value="card">"Card"</option>
                <option value="sepa_debit">"SEPA Direct Debit"</option>
            </select>
            <button type="submit" class="cpt-button cpt-primary" part="button">"OK"</button>
            <button type="button" class="cpt-button" part="button" on:click=move |_| on_change.run(Filters::default())>
                {move || texts().clear_filters}
            </button>
        </form>
    }
}

#[component]
fn PaymentsTable(payments: Vec<Payment>, #[prop(into)] on_open: Callback<String>) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    view! {
        <table class="cpt-table" part="table">
            <thead>
                <tr>
                    <th scope="col">{move || texts().amount}</th>
                    <th scope="col">{move || texts().status}</th>
                    <th scope="col">{move || texts().payment_method}</th>
                    <th scope="col">{move || texts().customer}</th>
                    <th scope="col">{move || texts().date}</th>
                </tr>
            </thead>
            <tbody>
                {payments.into_iter().map(|p| {
                    let id = p.id.clone();
                    let open = move || on_open.run(id.clone());
                    let open_on_key = open.clone();
                    let method = match (&p.payment_method.brand, &p.payment_method.last4) {
                        (Some(brand), Some(last4)) => format!("{brand} •••• {last4}"),
                        _ => p.payment_method.kind.replace('_', " "),
                    };
                    view! {
                        <tr part="row" class="cpt-row" tabindex="0" data-testid="payment-row" data-payment=p.id.clone()
                            on:click=move |_| open()
                            on:keydown=move |e| if e.key() == "Enter" || e.key() == " " { e.prevent_default(); open_on_key() }>
                            <td class="cpt-num">{format_amount(p.amount, &p.currency)}</td>
                            <td><StatusBadge status=p.status.clone() /></td>
                            <td>{method}</td>
                            <td>{p.customer_email.clone().or(p.description.clone()).unwrap_or_default()}</td>
                            <td>{move || format_date(p.created, ctx.locale.get())}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// `payment-details`: the payment set with `setPayment(id)`, in an overlay; closing it calls the
/// host's `setOnClose` callback.
#[component]
pub fn PaymentDetailsWidget() -> impl IntoView {
    let ctx = use_widget();
    let emit = ctx.clone();
    view! {
        <div class="cpt-widget" part="container" data-testid="payment-details-widget">
            {move || ctx.props.payment.get().map(|id| {
                let emit = emit.clone();
                view! { <PaymentDetailOverlay id on_close=move |_| emit.emit("close", Value::Null) /> }
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_filters_from_connect_js_become_the_api_query() {
        let filters = Filters::from_default_filters(&serde_json::json!({
            "status": ["successful", "refunded"],
            "amount": { "between": { "lowerBound": 10, "upperBound": 99.5 } },
            "date": { "after": 1_763_769_600 },
            "paymentMethod": "card",
        }));
        assert_eq!(
            filters.query(None).unwrap(),
            "limit=20&status=successful%2Crefunded&amount_gte=1000&amount_lte=9950&created_gte=1763769600&payment_method=card"
        );
        let mut search = Filters {
            query: "buyer@example.com".into(),
            ..Filters::default()
        };
        assert_eq!(
            search.query(Some("ch_1")).unwrap(),
            "limit=20&starting_after=ch_1&query=buyer%40example.com"
        );
        search.amount_min = "ten".into();
        assert!(search.query(None).is_err());
    }
}
