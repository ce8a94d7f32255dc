//! The `payouts` widget: the balance (with a payout when `standard_payouts`), the payout
//! schedule (editable when `edit_payout_schedule`) and the account's payouts, newest first, a
//! page at a time.

use leptos::prelude::*;
use serde_json::{Value, json};

use super::{
    balances::BalanceOverview,
    common::{Empty, ErrorState, Loading, format_date, report_load_error_to},
    connection::WidgetError,
    context::use_widget,
    model::{Page, Payout, PayoutSchedule},
    texts::{Texts, WEEKDAYS},
};
use crate::money::format_amount;

const COMPONENT: &str = "payouts";
const PAGE_SIZE: usize = 20;
const INTERVALS: &[&str] = &["daily", "weekly", "monthly", "manual"];

/// The schedule in one line: "Weekly · Friday · 2-day delay".
pub fn schedule_summary(texts: &Texts, schedule: &PayoutSchedule) -> String {
    let mut parts = vec![texts.interval(&schedule.interval).to_string()];
    match schedule.interval.as_str() {
        "weekly" => {
            if let Some(day) = &schedule.weekly_anchor {
                parts.push(texts.weekday(day).to_string());
            }
        }
        "monthly" => {
            if let Some(day) = schedule.monthly_anchor {
                parts.push(format!("{} {day}", texts.schedule_monthly_on));
            }
        }
        _ => {}
    }
    if let Some(days) = schedule
        .delay_days
        .filter(|_| schedule.interval != "manual")
    {
        parts.push(texts.delay_days(days));
    }
    parts.join(" · ")
}

/// The body of `POST /payout_schedule`: the interval with the anchor it needs (the delay is left
/// as it is).
pub fn schedule_body(interval: &str, weekly_anchor: &str, monthly_anchor: &str) -> Value {
    match interval {
        "weekly" => {
            let day = if WEEKDAYS.contains(&weekly_anchor) {
                weekly_anchor
            } else {
                WEEKDAYS[0]
            };
            json!({ "interval": interval, "weekly_anchor": day })
        }
        "monthly" => {
            let day = monthly_anchor
                .parse::<i64>()
                .ok()
                .filter(|d| (1..=31).contains(d))
                .unwrap_or(1);
            json!({ "interval": interval, "monthly_anchor": day })
        }
        _ => json!({ "interval": interval }),
    }
}

/// The widget API's query for a page of payouts.
pub fn payouts_query(starting_after: Option<&str>) -> String {
    match starting_after {
        Some(cursor) => format!("limit={PAGE_SIZE}&starting_after={cursor}"),
        None => format!("limit={PAGE_SIZE}"),
    }
}

fn payout_tone(status: &str) -> &'static str {
    match status {
        "paid" => "success",
        "failed" => "danger",
        "canceled" => "neutral",
        _ => "warning",
    }
}

#[component]
pub fn PayoutsWidget() -> impl IntoView {
    let payouts_changed = RwSignal::new(0u32);
    view! {
        <div class="cpt-widget cpt-payouts" part="container" data-testid="payouts-widget">
            <BalanceOverview component=COMPONENT on_payout=move |_| payouts_changed.update(|n| *n += 1) />
            <ScheduleSection />
            <PayoutsList changed=payouts_changed />
        </div>
    }
}

#[component]
fn ScheduleSection() -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let reload = RwSignal::new(0u32);
    let schedule = RwSignal::new(None::<Result<PayoutSchedule, WidgetError>>);
    let loader = ctx.clone();
    Effect::new(move |_| {
        reload.track();
        schedule.set(None);
        let ctx = loader.clone();
        leptos::task::spawn_local(async move {
            let result = ctx
                .connection()
                .get::<PayoutSchedule>("/payout_schedule")
                .await;
            if let Err(e) = &result {
                report_load_error_to(&ctx, e);
            }
            schedule.set(Some(result));
        });
    });
    let scope = ctx.connection().scope;
    let can_edit = move || {
        scope.with(|s| {
            s.as_ref()
                .is_some_and(|s| s.feature(&[COMPONENT], "edit_payout_schedule"))
        })
    };
    let editing = RwSignal::new(false);
    let notice = RwSignal::new(false);
    let edit_button = NodeRef::<leptos::html::Button>::new();
    // Back from the form, the keyboard goes to the button that opened it, once it is back.
    let refocus = RwSignal::new(false);
    Effect::new(move |_| {
        if refocus.get()
            && let Some(button) = edit_button.get().filter(|b| b.is_connected())
        {
            let _ = button.focus();
            refocus.set(false);
        }
    });
    let saved = Callback::new(move |fresh: PayoutSchedule| {
        schedule.set(Some(Ok(fresh)));
        editing.set(false);
        notice.set(true);
        refocus.set(true);
    });
    view! {
        <section class="cpt-section" part="section" data-testid="schedule-section">
            <h3>{move || texts().schedule}</h3>
            {move || match schedule.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorState error retry=move |_| reload.update(|n| *n += 1) /> }.into_any(),
                Some(Ok(current)) => {
                    let summary = current.clone();
                    view! {
                        <p data-testid="payout-schedule" data-interval=current.interval.clone()>
                            {move || schedule_summary(texts(), &summary)}
                        </p>
                        {move || notice.get().then(|| view! {
                            <p class="cpt-success" role="status">{move || texts().schedule_saved}</p>
                        })}
                        {move || match (can_edit(), editing.get()) {
                            (true, true) => view! {
                                <ScheduleForm current=current.clone() saved on_cancel=move |_| { editing.set(false); refocus.set(true); } />
                            }.into_any(),
                            (true, false) => view! {
                                <div class="cpt-actions">
                                    <button type="button" class="cpt-button" part="button" node_ref=edit_button
                                        data-testid="edit-schedule" on:click=move |_| { notice.set(false); editing.set(true); }>
                                        {move || texts().edit_schedule}
                                    </button>
                                </div>
                            }.into_any(),
                            (false, _) => ().into_any(),
                        }}
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn ScheduleForm(
    current: PayoutSchedule,
    saved: Callback<PayoutSchedule>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let interval = RwSignal::new(current.interval.clone());
    let weekly = RwSignal::new(
        current
            .weekly_anchor
            .clone()
            .unwrap_or_else(|| WEEKDAYS[0].to_string()),
    );
    let monthly = RwSignal::new(current.monthly_anchor.unwrap_or(1).to_string());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let first = NodeRef::<leptos::html::Select>::new();
    Effect::new(move |_| {
        if let Some(select) = first.get() {
            let _ = select.focus();
        }
    });
    let connection = StoredValue::new_local(ctx.connection());
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let body = schedule_body(
            &interval.get_untracked(),
            &weekly.get_untracked(),
            &monthly.get_untracked(),
        );
        busy.set(true);
        failure.set(None);
        let connection = connection.get_value();
        leptos::task::spawn_local(async move {
            match connection
                .post::<_, PayoutSchedule>("/payout_schedule", &body)
                .await
            {
                Ok(fresh) => saved.run(fresh),
                Err(e) => failure.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="cpt-form" part="form" data-testid="schedule-form" on:submit=submit
            on:keydown=move |e| if e.key() == "Escape" { on_cancel.run(()) }>
            <div class="cpt-form-row">
                <label part="field">
                    <span>{move || texts().schedule}</span>
                    <select part="input" name="interval" node_ref=first prop:value=interval
                        on:change=move |e| interval.set(event_target_value(&e))>
                        {INTERVALS.iter().map(|i| view! { <option value=*i>{move || texts().interval(i)}</option> }).collect_view()}
                    </select>
                </label>
                {move || (interval.get() == "weekly").then(|| view! {
                    <label part="field">
                        <span>{move || texts().weekly_anchor}</span>
                        <select part="input" name="weekly_anchor" prop:value=weekly
                            on:change=move |e| weekly.set(event_target_value(&e))>
                            {WEEKDAYS.iter().map(|d| view! { <option value=*d>{move || texts().weekday(d)}</option> }).collect_view()}
                        </select>
                    </label>
                })}
                {move || (interval.get() == "monthly").then(|| view! {
                    <label part="field">
                        <span>{move || texts().monthly_anchor}</span>
                        <select part="input" name="monthly_anchor" prop:value=monthly
                            on:change=move |e| monthly.set(event_target_value(&e))>
                            {(1..=31).map(|d| view! { <option value=d.to_string()>{d}</option> }).collect_view()}
                        </select>
                    </label>
                })}
            </div>
            {move || failure.get().map(|e| view! { <p class="cpt-form-error" role="alert" part="error">{e}</p> })}
            <div class="cpt-actions">
                <button type="submit" class="cpt-button cpt-primary" part="button" disabled=move || busy.get()>
                    {move || texts().save}
                </button>
                <button type="button" class="cpt-button" part="button" on:click=move |_| on_cancel.run(())>
                    {move || texts().cancel}
                </button>
            </div>
        </form>
    }
}

#[component]
fn PayoutsList(changed: RwSignal<u32>) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    // Cursors of the pages before the current one, and the current page's cursor.
    let history = RwSignal::new(Vec::<Option<String>>::new());
    let cursor = RwSignal::new(None::<String>);
    let reload = RwSignal::new(0u32);
    let page = RwSignal::new(None::<Result<Page<Payout>, WidgetError>>);
    // A new payout shows on the first page.
    Effect::new(move |previous: Option<u32>| {
        let round = changed.get();
        if previous.is_some() {
            history.set(Vec::new());
            cursor.set(None);
            reload.update(|n| *n += 1);
        }
        round
    });
    let loader = ctx.clone();
    Effect::new(move |_| {
        reload.track();
        let query = payouts_query(cursor.get().as_deref());
        page.set(None);
        let ctx = loader.clone();
        leptos::task::spawn_local(async move {
            let result = ctx
                .connection()
                .get::<Page<Payout>>(&format!("/payouts?{query}"))
                .await;
            if let Err(e) = &result {
                report_load_error_to(&ctx, e);
            }
            page.set(Some(result));
        });
    });
    let next = move |last: String| {
        history.update(|h| h.push(cursor.get_untracked()));
        cursor.set(Some(last));
    };
    let previous = move || {
        let before = history.try_update(|h| h.pop()).flatten().flatten();
        cursor.set(before);
    };
    view! {
        <section class="cpt-section" part="section" data-testid="payouts-section">
            <h3>{move || texts().payouts}</h3>
            {move || match page.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorState error retry=move |_| reload.update(|n| *n += 1) /> }.into_any(),
                Some(Ok(page)) if page.data.is_empty() => {
                    view! { <Empty text=Signal::derive(move || texts().no_payouts) /> }.into_any()
                }
                Some(Ok(page)) => {
                    let last = page.data.last().map(|p| p.id.clone()).unwrap_or_default();
                    let has_more = page.has_more;
                    view! {
                        <table class="cpt-table" part="table" data-testid="payouts-table">
                            <thead>
                                <tr>
                                    <th scope="col">{move || texts().amount}</th>
                                    <th scope="col">{move || texts().status}</th>
                                    <th scope="col">{move || texts().arrives}</th>
                                    <th scope="col">{move || texts().created}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {page.data.into_iter().map(|payout| view! { <PayoutRow payout /> }).collect_view()}
                            </tbody>
                        </table>
                        <nav class="cpt-pager" aria-label=move || texts().payouts>
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
        </section>
    }
}

#[component]
fn PayoutRow(payout: Payout) -> impl IntoView {
    let ctx = use_widget();
    let tone = payout_tone(&payout.status);
    let status = payout.status.clone();
    let arrival = payout.arrival_date;
    let created = payout.created;
    view! {
        <tr part="row" data-testid="payout-row" data-payout=payout.id.clone()>
            <td class="cpt-num">{format_amount(payout.amount, &payout.currency)}</td>
            <td>
                <span class=format!("cpt-badge cpt-badge-{tone}") part="badge" data-status=payout.status.clone()>
                    {move || ctx.locale.get().texts().payout_status(&status)}
                </span>
            </td>
            <td>{move || arrival.map(|a| format_date(a, ctx.locale.get())).unwrap_or_default()}</td>
            <td>{move || format_date(created, ctx.locale.get())}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::widgets::texts::{EN, FR};

    fn schedule(interval: &str) -> PayoutSchedule {
        PayoutSchedule {
            interval: interval.into(),
            delay_days: Some(2),
            weekly_anchor: None,
            monthly_anchor: None,
        }
    }

    #[test]
    fn schedules_read_as_one_line() {
        let weekly = PayoutSchedule {
            weekly_anchor: Some("friday".into()),
            ..schedule("weekly")
        };
        assert_eq!(
            schedule_summary(&EN, &weekly),
            "Weekly · Friday · 2-day delay"
        );
        let monthly = PayoutSchedule {
            monthly_anchor: Some(15),
            ..schedule("monthly")
        };
        assert_eq!(
            schedule_summary(&FR, &monthly),
            "Mensuel · le 15 · délai de 2 jours"
        );
        assert_eq!(schedule_summary(&EN, &schedule("manual")), "Manual");
    }

    #[test]
    fn schedule_edits_send_only_the_anchor_they_need() {
        assert_eq!(
            schedule_body("weekly", "friday", "3"),
            json!({ "interval": "weekly", "weekly_anchor": "friday" })
        );
        assert_eq!(
            schedule_body("weekly", "someday", ""),
            json!({ "interval": "weekly", "weekly_anchor": "monday" })
        );
        assert_eq!(
            schedule_body("monthly", "friday", "15"),
            json!({ "interval": "monthly", "monthly_anchor": 15 })
        );
        assert_eq!(
            schedule_body("daily", "friday", "15"),
            json!({ "interval": "daily" })
        );
    }

    #[test]
    fn payout_pages_follow_the_cursor() {
        assert_eq!(payouts_query(None), "limit=20");
        assert_eq!(
            payouts_query(Some("po_123")),
            "limit=20&starting_after=po_123"
        );
    }
}
