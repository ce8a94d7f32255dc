//! The platform's revenue page: gross volume and application fees per day as an SVG chart drawn
//! on the server (readable without JavaScript: bars carry their figures in `<title>`s), totals,
//! a date range and currency, and the figures per merchant.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    auth::UserRole,
    calendar::format_date,
    components::guard::RequireRole,
    money::format_amount,
    revenue::{DayFigures, MerchantFigures, RevenueFilter, RevenueView, load_revenue},
    transactions::MerchantOption,
};

/// The chart's drawing box, in SVG user units.
const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 70.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 40.0;

#[component]
pub fn RevenuePage() -> impl IntoView {
    let query = use_query_map();
    let filter = move || RevenueFilter::from_pairs(|name| query.read().get(name));
    let report = Resource::new(filter, load_revenue);
    view! {
        <Title text="Revenue" />
        <RequireRole role=UserRole::Admin let:_user>
            <div class="page-head">
                <h1>"Revenue"</h1>
                <nav class="page-links">
                    <A href="/admin/transactions">"Transactions"</A>
                    <A href="/admin/sync">"Sync status"</A>
                </nav>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(report) => view! { <Revenue report /> }.into_any(),
                        Err(e) => view! {
                            <RangeForm filter=filter() currencies=Vec::new() merchants=Vec::new() />
                            <p class="form-error" role="alert">{e.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </RequireRole>
    }
}

#[component]
fn Revenue(report: RevenueView) -> impl IntoView {
    let currency = report.filter.currency.clone();
    let fee_rate = if report.total_gross > 0 {
        format!(
            "{:.1} % of gross volume",
            report.total_fees as f64 * 100.0 / report.total_gross as f64
        )
    } else {
        "no volume".to_string()
    };
    view! {
        <RangeForm filter=report.filter.clone() currencies=report.currencies.clone() merchants=report.merchants.clone() />
        <div class="stats">
            <div class="stat card" data-testid="total-gross">
                <span class="stat-label">"Gross volume"</span>
                <span class="stat-value">{format_amount(report.total_gross, &currency)}</span>
                <span class="stat-label">{format!("{} payments", report.total_payments)}</span>
            </div>
            <div class="stat card" data-testid="total-fees">
                <span class="stat-label">"Application fees"</span>
                <span class="stat-value">{format_amount(report.total_fees, &currency)}</span>
                <span class="stat-label">{fee_rate}</span>
            </div>
        </div>
        <section class="card chart-card">
            <h2>{format!("Per day, {} to {} (UTC)", report.filter.from, report.filter.to)}</h2>
            <RevenueChart days=report.days.clone() currency=currency.clone() />
        </section>
        <section class="card table-card">
            <h2>"Per merchant"</h2>
            <MerchantTable merchants=report.by_merchant currency />
        </section>
    }
}

#[component]
fn RangeForm(
    filter: RevenueFilter,
    currencies: Vec<String>,
    merchants: Vec<MerchantOption>,
) -> impl IntoView {
    let mut currencies = currencies;
    if !filter.currency.is_empty() && !currencies.contains(&filter.currency) {
        currencies.push(filter.currency.clone());
    }
    view! {
        <form method="get" action="/admin/revenue" class="card filters" data-testid="revenue-filters">
            <div class="filter-row">
                <label>"From" <input type="date" name="from" value=filter.from.clone() data-testid="from" /></label>
                <label>"To" <input type="date" name="to" value=filter.to.clone() data-testid="to" /></label>
                <label>
                    "Currency"
                    <select name="currency" data-testid="currency">
                        {currencies.into_iter().map(|c| {
                            let selected = c == filter.currency;
                            view! { <option value=c.clone() selected=selected>{c.to_uppercase()}</option> }
                        }).collect_view()}
                    </select>
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
            </div>
            <div class="filter-actions">
                <button type="submit" class="button primary" data-testid="apply-range">"Show"</button>
            </div>
        </form>
    }
}

/// The smallest 1, 2, 2.5 or 5 × 10ⁿ step whose `ticks` multiples reach `max` (minor units).
fn nice_step(max: i64, ticks: i64) -> i64 {
    let target = (max.max(1) as f64 / ticks as f64).max(1.0);
    let magnitude = 10f64.powf(target.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= target)
        .unwrap_or(10.0 * magnitude);
    (step.round() as i64).max(1)
}

/// An axis label: whole units when the step allows (`€1,200`), cents otherwise.
fn axis_label(minor: i64, step: i64, currency: &str) -> String {
    let text = format_amount(minor, currency);
    if step % 100 == 0 {
        text.replacen(".00", "", 1)
    } else {
        text
    }
}

/// Gross volume as bars (left axis) and application fees as a line (right axis), per day.
#[component]
pub fn RevenueChart(days: Vec<DayFigures>, currency: String) -> impl IntoView {
    const TICKS: i64 = 4;
    let n = days.len().max(1) as f64;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let band = plot_w / n;
    let gross_step = nice_step(days.iter().map(|d| d.gross).max().unwrap_or(0), TICKS);
    let fee_step = nice_step(days.iter().map(|d| d.fees).max().unwrap_or(0), TICKS);
    let gross_top = (gross_step * TICKS) as f64;
    let fee_top = (fee_step * TICKS) as f64;
    let y = move |value: i64, top: f64| TOP + plot_h - (value as f64 / top) * plot_h;
    let label_every = ((n / 10.0).ceil() as usize).max(1);
    let grid = (0..=TICKS)
        .map(|i| {
            let gy = y(i * gross_step, gross_top);
            view! {
                <g class="grid">
                    <line x1=LEFT x2=WIDTH - RIGHT y1=gy y2=gy />
                    <text x=LEFT - 8.0 y=gy + 4.0 text-anchor="end" class="axis gross-axis">{axis_label(i * gross_step, gross_step, &currency)}</text>
                    <text x=WIDTH - RIGHT + 8.0 y=gy + 4.0 text-anchor="start" class="axis fee-axis">{axis_label(i * fee_step, fee_step, &currency)}</text>
                </g>
            }
        })
        .collect_view();
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let x = LEFT + band * i as f64 + band * 0.15;
            let top = y(d.gross, gross_top);
            let label = format!(
                "{}: {} gross volume, {} application fees, {} payment{}",
                format_date(d.day),
                format_amount(d.gross, &currency),
                format_amount(d.fees, &currency),
                d.payments,
                if d.payments == 1 { "" } else { "s" }
            );
            let tick = (i % label_every == 0).then(|| {
                let text = format_date(d.day);
                view! {
                    <text x=LEFT + band * (i as f64 + 0.5) y=HEIGHT - BOTTOM + 18.0 text-anchor="middle" class="axis">{text[5..].to_string()}</text>
                }
            });
            view! {
                <g class="day" data-day=format_date(d.day) data-gross=d.gross data-fees=d.fees>
                    <rect class="bar" x=x y=top width=(band * 0.7).max(1.0) height=(TOP + plot_h - top).max(0.0)>
                        <title>{label}</title>
                    </rect>
                    {tick}
                </g>
            }
        })
        .collect_view();
    let points: Vec<(f64, f64)> = days
        .iter()
        .enumerate()
        .map(|(i, d)| (LEFT + band * (i as f64 + 0.5), y(d.fees, fee_top)))
        .collect();
    let line = points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let dots = points
        .iter()
        .map(|(x, y)| view! { <circle class="fee-dot" cx=*x cy=*y r="2.5" /> })
        .collect_view();
    view! {
        <svg class="revenue-chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
            aria-labelledby="revenue-chart-title" data-testid="revenue-chart" preserveAspectRatio="xMidYMid meet">
            <title id="revenue-chart-title">"Gross volume (bars, left axis) and application fees (line, right axis) per day"</title>
            {grid}
            {bars}
            <polyline class="fee-line" points=line />
            {dots}
            <g class="legend">
                <rect class="bar" x=LEFT y="8" width="12" height="12" />
                <text x=LEFT + 18.0 y="18" class="axis">"Gross volume"</text>
                <line class="fee-line" x1=LEFT + 130.0 x2=LEFT + 150.0 y1="14" y2="14" />
                <text x=LEFT + 156.0 y="18" class="axis">"Application fees"</text>
            </g>
        </svg>
    }
}

#[component]
fn MerchantTable(merchants: Vec<MerchantFigures>, currency: String) -> impl IntoView {
    if merchants.is_empty() {
        return view! { <p class="muted" data-testid="no-revenue">"No revenue in this range."</p> }
            .into_any();
    }
    let max = merchants.iter().map(|m| m.gross).max().unwrap_or(1).max(1);
    view! {
        <table class="table" data-testid="merchant-revenue">
            <thead><tr><th>"Merchant"</th><th class="num">"Payments"</th><th class="num">"Gross volume"</th><th class="num">"Application fees"</th><th>"Share"</th></tr></thead>
            <tbody>
                {merchants.into_iter().map(|m| {
                    let width = (m.gross as f64 / max as f64 * 160.0).max(1.0);
                    view! {
                        <tr data-account=m.account_id.clone()>
                            <td><A href=format!("/admin/transactions?merchant={}", m.account_id)>{m.name}</A></td>
                            <td class="num">{m.payments}</td>
                            <td class="num">{format_amount(m.gross, &currency)}</td>
                            <td class="num">{format_amount(m.fees, &currency)}</td>
                            <td>
                                <svg class="share" width="160" height="12" viewBox="0 0 160 12" aria-hidden="true">
                                    <rect class="bar" x="0" y="0" width=width height="12" rx="2" />
                                </svg>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(nice_step(0, 4), 1);
        assert_eq!(nice_step(1000, 4), 250);
        assert_eq!(nice_step(99_000, 4), 25_000);
        assert_eq!(nice_step(120_000, 4), 50_000);
        assert_eq!(nice_step(7, 4), 2);
        assert_eq!(axis_label(120_000, 50_000, "eur"), "€1,200");
        assert_eq!(axis_label(250, 50, "eur"), "€2.50");
    }
}
