//! The commerce mirror's sync, for the platform admin: each account's backfill with its live
//! progress, what the mirror holds, the last run, errors, and buttons to sync again.

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    auth::UserRole,
    calendar::format_datetime,
    components::{FormError, guard::RequireRole},
    transactions::{AccountSyncView, RequestBackfill, SyncView, load_sync_status},
};

/// How often the page asks again while a backfill runs.
const POLL_INTERVAL: Duration = Duration::from_millis(1000);

#[component]
pub fn SyncPage() -> impl IntoView {
    view! {
        <Title text="Sync" />
        <RequireRole role=UserRole::Admin let:_user>
            <SyncStatus />
        </RequireRole>
    }
}

#[component]
fn SyncStatus() -> impl IntoView {
    let request = ServerAction::<RequestBackfill>::new();
    let tick = RwSignal::new(0u32);
    let status = Resource::new(
        move || (tick.get(), request.version().get()),
        |_| load_sync_status(),
    );
    // While something runs (or was just asked for), ask again: the progress is live.
    Effect::new(move |_| {
        let busy = matches!(status.get(), Some(Ok(ref s)) if s.running || s.accounts.iter().any(|a| a.backfill == "pending"));
        if busy {
            set_timeout(move || tick.update(|n| *n += 1), POLL_INTERVAL);
        }
    });
    view! {
        <div class="page-head">
            <h1>"Commerce data sync"</h1>
            <nav class="page-links">
                <A href="/admin/transactions">"Transactions"</A>
                <A href="/admin/revenue">"Revenue"</A>
            </nav>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(view) => view! { <SyncTable view request /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn percent(done: i64, total: i64) -> f64 {
    if total <= 0 {
        0.0
    } else {
        (done as f64 * 100.0 / total as f64).clamp(0.0, 100.0)
    }
}

#[component]
fn SyncTable(view: SyncView, request: ServerAction<RequestBackfill>) -> impl IntoView {
    let overall = percent(view.steps_done, view.steps_total);
    let mode = if view.mode == "continuous" {
        "Continuous: webhooks, and a reconciliation of every account now and then."
    } else {
        "Once, when an account connects; webhooks keep what they can up to date."
    };
    view! {
        <section class="card" data-testid="sync-overview">
            <p>{mode} " " <A href="/admin/settings">"Change"</A></p>
            <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100"
                aria-valuenow=format!("{overall:.0}") data-testid="sync-progress">
                <div class="progress-fill" style=format!("width: {overall:.1}%")></div>
            </div>
            <p class="muted" data-testid="sync-summary">
                {format!("{overall:.0} % · {} objects read{}", view.objects_synced, if view.running { " · running" } else { "" })}
            </p>
            <ActionForm action=request>
                <input type="hidden" name="account" value="" />
                <input type="hidden" name="full" value="false" />
                <button type="submit" class="button" data-testid="sync-all">"Sync every account now"</button>
            </ActionForm>
            <FormError result=request.value().into() />
        </section>
        <section class="card table-card">
            <table class="table" data-testid="sync-accounts">
                <thead>
                    <tr><th>"Account"</th><th>"Backfill"</th><th>"Progress"</th><th>"In the mirror"</th><th>"Last run (UTC)"</th><th>"Reconciled"</th><th></th></tr>
                </thead>
                <tbody>
                    {view.accounts.into_iter().map(|a| view! { <AccountRow account=a request /> }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn AccountRow(account: AccountSyncView, request: ServerAction<RequestBackfill>) -> impl IntoView {
    let done = percent(account.steps_done, account.steps_total);
    let (label, tone) = match (account.running, account.backfill.as_str()) {
        (true, _) => ("running", "warning"),
        (_, "done") => ("done", "success"),
        (_, "failed") => ("failed", "danger"),
        (_, "running") => ("interrupted", "warning"),
        _ => ("waiting", ""),
    };
    let counts = account
        .counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect::<Vec<_>>()
        .join(", ");
    let id = account.account_id.clone();
    view! {
        <tr data-testid="sync-account" data-account=account.account_id.clone() data-status=label>
            <td>{account.name.clone()}<br /><span class="mono muted">{account.account_id.clone()}</span></td>
            <td><span class=format!("badge {tone}")>{label}</span></td>
            <td>
                <div class="progress small" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{done:.0}")>
                    <div class="progress-fill" style=format!("width: {done:.1}%")></div>
                </div>
                <span class="sub">{format!("{}/{} lists · {} objects", account.steps_done, account.steps_total, account.objects_synced)}</span>
            </td>
            <td class="sub">{if counts.is_empty() { "nothing yet".to_string() } else { counts }}</td>
            <td class="nowrap">{account.last_run_at.map(format_datetime).unwrap_or_else(|| "never".into())}</td>
            <td class="sub">
                {account.reconciled_at.map(|t| format!("{} · {} repaired", format_datetime(t), account.repaired_last))}
                {account.last_error.clone().map(|e| view! { <span class="form-error">{e}</span> })}
            </td>
            <td>
                <ActionForm action=request>
                    <input type="hidden" name="account" value=id />
                    <input type="hidden" name="full" value="true" />
                    <button type="submit" class="link-button">"Backfill again"</button>
                </ActionForm>
            </td>
        </tr>
    }
}
