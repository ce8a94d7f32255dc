//! The `notification-banner` widget: what Stripe needs from the account now, by when, and a
//! button into onboarding. Nothing is shown when nothing is due; the host's
//! `setOnNotificationsChange` hears the counts after every load either way.

use leptos::prelude::*;
use serde_json::json;

use super::{
    account_onboarding::open_hosted_onboarding,
    common::{ErrorState, Loading, format_date, report_load_error_to},
    connection::WidgetError,
    context::use_widget,
    model::Account,
    requirements::{fields_for, notifications},
    texts::Texts,
};

/// How many needed items the banner names before it summarises the rest.
const LISTED_ITEMS: usize = 4;

#[component]
pub fn NotificationBannerWidget() -> impl IntoView {
    let ctx = use_widget();
    let reload = RwSignal::new(0u32);
    let account = RwSignal::new(None::<Result<Account, WidgetError>>);
    let loader = ctx.clone();
    Effect::new(move |_| {
        reload.track();
        account.set(None);
        let ctx = loader.clone();
        leptos::task::spawn_local(async move {
            let result = ctx.connection().get::<Account>("/account").await;
            match &result {
                Ok(account) => {
                    let counts = notifications(account);
                    ctx.emit(
                        "notificationsChange",
                        json!({ "total": counts.total, "actionRequired": counts.action_required }),
                    );
                }
                Err(e) => report_load_error_to(&ctx, e),
            }
            account.set(Some(result));
        });
    });
    view! {
        <div class="cpt-widget cpt-notifications" part="container" data-testid="notification-banner-widget">
            {move || match account.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorState error retry=move |_| reload.update(|n| *n += 1) /> }.into_any(),
                Some(Ok(account)) if notifications(&account).total == 0 => ().into_any(),
                Some(Ok(account)) => view! { <Banner account /> }.into_any(),
            }}
        </div>
    }
}

/// An item the banner names: a noun, where the onboarding form has a sentence or a bare field.
fn needed_label(texts: &Texts, key: &str) -> String {
    match key {
        "tos_acceptance" => texts.step_terms.to_string(),
        "external_account" => texts.step_bank_account.to_string(),
        _ => texts
            .requirement_label(key)
            .map(str::to_string)
            .unwrap_or_else(|| key.to_string()),
    }
}

#[component]
fn Banner(account: Account) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let counts = notifications(&account);
    let keys: Vec<String> = fields_for(&account.due_now(), account.country.as_deref())
        .into_iter()
        .map(|f| f.key)
        .collect();
    let listed: Vec<String> = keys.iter().take(LISTED_ITEMS).cloned().collect();
    let more = keys.len().saturating_sub(LISTED_ITEMS);
    let deadline = account.requirements.current_deadline;
    // Urgent news is announced at once; the rest waits for a pause.
    let role = if counts.urgent { "alert" } else { "status" };
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let connection = StoredValue::new_local(ctx.connection());
    let act = move |_| {
        busy.set(true);
        failure.set(None);
        let connection = connection.get_value();
        leptos::task::spawn_local(async move {
            if let Err(e) = open_hosted_onboarding(connection).await {
                failure.set(Some(e.message));
                busy.set(false);
            }
        });
    };
    view! {
        <div class="cpt-banner" class:cpt-urgent=counts.urgent part="banner" data-testid="notification-banner"
            data-urgent=counts.urgent.to_string()
            role=role>
            <div class="cpt-banner-text">
                <p><strong>{move || if counts.urgent { texts().notifications_past_due } else { texts().notifications_due }}</strong></p>
                {deadline.map(|due| view! {
                    <p data-testid="deadline">{move || texts().deadline} " " {move || format_date(due, ctx.locale.get())}</p>
                })}
                <p class="cpt-needed">
                    {move || texts().notifications_needed} " "
                    {move || {
                        let texts = texts();
                        let mut names: Vec<String> = listed
                            .iter()
                            .map(|key| needed_label(texts, key))
                            .collect();
                        if more > 0 {
                            names.push(format!("+{more} {}", texts.notifications_more));
                        }
                        names.join(", ")
                    }}
                </p>
                {move || failure.get().map(|e| view! { <p class="cpt-form-error" part="error">{e}</p> })}
            </div>
            <button type="button" class="cpt-button cpt-primary" part="button" data-testid="banner-action"
                disabled=move || busy.get() on:click=act>
                {move || texts().notifications_action}
            </button>
        </div>
    }
}
