//! The platform admin's transactions: every payment across merchants with search and filters
//! (a plain GET form, so it works before the WASM loads), one payment's detail, one customer's
//! payments across merchants, and the CSV export link of the current filter.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::{
    auth::UserRole,
    calendar::format_datetime,
    components::guard::RequireRole,
    money::format_amount,
    transactions::{
        CustomerView, MerchantOption, PaymentView, STATUSES, TransactionFilter, TransactionList,
        TransactionRow, encode, load_customer, load_payment, load_transactions, status_label,
        status_tone,
    },
};

#[component]
pub fn TransactionsPage() -> impl IntoView {
    view! {
        <Title text="Transactions" />
        <RequireRole role=UserRole::Admin let:_user>
            <Transactions />
        </RequireRole>
    }
}

#[component]
fn Transactions() -> impl IntoView {
    let query = use_query_map();
    let filter = move || TransactionFilter::from_pairs(|name| query.read().get(name));
    let list = Resource::new(filter, load_transactions);
    view! {
        <div class="page-head">
            <h1>"Transactions"</h1>
            <nav class="page-links">
                <A href="/admin/revenue">"Revenue"</A>
                <A href="/admin/sync">"Sync status"</A>
            </nav>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let current = filter();
                match list.await {
                    Ok(list) => view! {
                        <FilterForm filter=current.clone() merchants=list.merchants.clone() />
                        <TransactionResults list filter=current />
                    }.into_any(),
                    Err(e) => view! {
                        <FilterForm filter=current merchants=Vec::new() />
                        <p class="form-error" role="alert">{e.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn FilterForm(filter: TransactionFilter, merchants: Vec<MerchantOption>) -> impl IntoView {
    let csv = format!("/admin/transactions.csv?{}", filter.first_page().to_query());
    view! {
        <form method="get" action="/admin/transactions" class="card filters" role="search" data-testid="filters">
            <div class="filter-row">
                <label class="grow">
                    "Search"
                    <input type="search" name="q" value=filter.q.clone() data-testid="search"
                        placeholder="pi_…, ch_…, cs_…, re_… or customer email" />
                </label>
                <label>
                    "Merchant"
                    <select name="merchant" data-testid="merchant-filter">
                        <option value="" selected=filter.merchant.is_empty()>"All merchants"</option>
                        {merchants.into_iter().map(|m| {
                            let selected = m.account_id == filter.merchant;
                            view! { <option value=m.account_id selected=selected>{m.name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    "Status"
                    <select name="status" data-testid="status-filter">
                        <option value="" selected=filter.status.is_empty()>"Any status"</option>
                        {STATUSES.iter().map(|(value, label)| {
                            let selected = *value == filter.status;
                            view! { <option value=*value selected=selected>{*label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    "From"
                    <input type="date" name="from" value=filter.from.clone() data-testid="from" />
                </label>
                <label>
                    "To"
                    <input type="date" name="to" value=filter.to.clone() data-testid="to" />
                </label>
            </div>
            <div class="filter-actions">
                <button type="submit" class="button primary" data-testid="apply-filters">"Apply"</button>
                <a href="/admin/transactions" class="button">"Reset"</a>
                <a href=csv class="button" rel="external" download="transactions.csv" data-testid="export-csv">"Export CSV"</a>
            </div>
        </form>
    }
}

#[component]
fn TransactionResults(list: TransactionList, filter: TransactionFilter) -> impl IntoView {
    if let Some(notice) = list.notice {
        return view! { <p class="notice warning" role="status" data-testid="no-results">{notice}</p> }
            .into_any();
    }
    if list.rows.is_empty() {
        return view! {
            <p class="notice" role="status" data-testid="no-results">"No payment matches these filters."</p>
        }
        .into_any();
    }
    let first_page = filter.after.is_empty();
    view! {
        <section class="card table-card">
            <TransactionTable rows=list.rows />
            <div class="pager">
                {(!first_page).then(|| view! {
                    <A href=format!("/admin/transactions?{}", filter.first_page().to_query())>"← Newest"</A>
                })}
                {list.next.map(|next| view! {
                    <A href=format!("/admin/transactions?{}", next.to_query()) attr:data-testid="next-page">"Older payments →"</A>
                })}
            </div>
        </section>
    }
    .into_any()
}

/// Payments as rows: date, merchant, customer, amount, status, method, id.
#[component]
pub fn TransactionTable(rows: Vec<TransactionRow>) -> impl IntoView {
    view! {
        <table class="table" data-testid="transactions">
            <thead>
                <tr>
                    <th>"Date (UTC)"</th><th>"Merchant"</th><th>"Customer"</th>
                    <th class="num">"Amount"</th><th>"Status"</th><th>"Method"</th><th>"Payment"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|row| {
                    let href = format!("/admin/transactions/{}", row.id);
                    let id = row.id.clone();
                    let refunded = (row.amount_refunded > 0).then(|| format!("{} refunded", format_amount(row.amount_refunded, &row.currency)));
                    view! {
                        <tr data-testid="transaction" data-id=row.id.clone() data-status=row.status.clone()>
                            <td class="nowrap">{format_datetime(row.created)}</td>
                            <td>{row.merchant.clone().unwrap_or_else(|| row.account_id.clone())}</td>
                            <td>{row.customer_email.clone().map(|email| view! {
                                <A href=format!("/admin/customer?email={}", encode(&email))>{email}</A>
                            })}</td>
                            <td class="num">
                                {format_amount(row.amount, &row.currency)}
                                {refunded.map(|r| view! { <span class="sub">{r}</span> })}
                            </td>
                            <td><span class=format!("badge {}", status_tone(&row.status))>{status_label(&row.status).to_string()}</span></td>
                            <td>{row.payment_method.clone().unwrap_or_default()}</td>
                            <td class="mono"><A href=href>{id}</A></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn PaymentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let payment = Resource::new(id, load_payment);
    view! {
        <Title text="Payment" />
        <RequireRole role=UserRole::Admin let:_user>
            <p><A href="/admin/transactions">"← Transactions"</A></p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match payment.await {
                        Ok(view) => view! { <PaymentDetail view /> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </RequireRole>
    }
}

#[component]
fn PaymentDetail(view: PaymentView) -> impl IntoView {
    let row = view.row;
    let fee = row
        .application_fee_amount
        .map(|f| format_amount(f, &row.currency));
    view! {
        <section class="card" data-testid="payment">
            <h1>
                {format_amount(row.amount, &row.currency)} " "
                <span class=format!("badge {}", status_tone(&row.status)) data-testid="payment-status">{status_label(&row.status).to_string()}</span>
            </h1>
            <dl class="facts">
                <dt>"Payment"</dt><dd class="mono">{row.id.clone()}</dd>
                <dt>"Merchant"</dt><dd>{row.merchant.clone().unwrap_or_else(|| row.account_id.clone())}</dd>
                <dt>"Customer"</dt><dd>{row.customer_email.clone().map(|email| view! {
                    <A href=format!("/admin/customer?email={}", encode(&email))>{email}</A>
                })}</dd>
                <dt>"Date (UTC)"</dt><dd>{format_datetime(row.created)}</dd>
                <dt>"Description"</dt><dd>{view.description.unwrap_or_default()}</dd>
                <dt>"Refunded"</dt><dd>{format_amount(row.amount_refunded, &row.currency)}</dd>
                <dt>"Application fee"</dt><dd>{fee}</dd>
            </dl>
        </section>
        <section class="card">
            <h2>"Behind this payment"</h2>
            <table class="table" data-testid="payment-objects">
                <thead><tr><th>"Date (UTC)"</th><th>"Object"</th><th>"Id"</th><th>"Status"</th><th class="num">"Amount"</th><th>"Detail"</th></tr></thead>
                <tbody>
                    {view.objects.into_iter().map(|o| view! {
                        <tr>
                            <td class="nowrap">{format_datetime(o.created)}</td>
                            <td>{o.kind}</td>
                            <td class="mono">{o.id}</td>
                            <td>{o.status.replace('_', " ")}</td>
                            <td class="num">{o.amount.map(|a| format_amount(a, &row.currency))}</td>
                            <td>{o.detail}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
pub fn CustomerPage() -> impl IntoView {
    let query = use_query_map();
    let key = move || {
        let q = query.read();
        (
            q.get("email").unwrap_or_default(),
            q.get("after").unwrap_or_default(),
        )
    };
    let customer = Resource::new(key, |(email, after)| load_customer(email, after));
    view! {
        <Title text="Customer" />
        <RequireRole role=UserRole::Admin let:_user>
            <p><A href="/admin/transactions">"← Transactions"</A></p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match customer.await {
                        Ok(view) => view! { <Customer view /> }.into_any(),
                        Err(e) => view! {
                            <section class="card narrow"><h1>"Customer"</h1><p class="form-error" role="alert">{e.to_string()}</p></section>
                        }.into_any(),
                    }
                })}
            </Transition>
        </RequireRole>
    }
}

#[component]
fn Customer(view: CustomerView) -> impl IntoView {
    let email = view.email.clone();
    view! {
        <section class="card" data-testid="customer">
            <h1>{view.email.clone()}</h1>
            <p class="muted">
                {format!("Paid {} merchant{}", view.merchants, if view.merchants == 1 { "" } else { "s" })}
                {(!view.records.is_empty()).then(|| format!(" · {} Stripe customer record{}", view.records.len(), if view.records.len() == 1 { "" } else { "s" }))}
            </p>
            <div class="stats">
                {view.spent.iter().map(|s| view! {
                    <div class="stat" data-testid="customer-spent">
                        <span class="stat-value">{format_amount(s.net, &s.currency)}</span>
                        <span class="stat-label">{format!("net over {} payment{}", s.payments, if s.payments == 1 { "" } else { "s" })}</span>
                    </div>
                }).collect_view()}
            </div>
            {(!view.records.is_empty()).then(|| view! {
                <ul class="list">
                    {view.records.iter().map(|r| view! {
                        <li><span>{r.name.clone().unwrap_or_else(|| r.id.clone())}</span><span class="muted">{r.merchant.clone()}</span><span class="mono">{r.id.clone()}</span></li>
                    }).collect_view()}
                </ul>
            })}
        </section>
        <section class="card table-card">
            <h2>"Payments"</h2>
            <TransactionTable rows=view.page.rows />
            <div class="pager">
                {view.page.next.map(|next| view! {
                    <A href=format!("/admin/customer?email={}&after={}", encode(&email), encode(&next.after))>"Older payments →"</A>
                })}
            </div>
        </section>
    }
}
