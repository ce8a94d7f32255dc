//! The `payment-method-settings` widget: every method of the account's payment method
//! configuration (a child of the platform's) with a switch for the account's preference. Methods
//! the platform blocked are shown locked; a change is saved at once and the row shows what the
//! API answered, or goes back with the error.

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde_json::{Value, json};

use super::{
    common::{Empty, ErrorState, Loading, report_load_error_to},
    connection::WidgetError,
    context::use_widget,
    model::{MethodSetting, PaymentMethodSettings},
};

/// The methods people look for first; the rest follow by type id.
const FIRST_METHODS: &[&str] = &[
    "card",
    "apple_pay",
    "google_pay",
    "link",
    "sepa_debit",
    "bancontact",
    "ideal",
    "klarna",
    "paypal",
];

/// `methods` in the order the widget lists them.
pub fn ordered(mut methods: Vec<MethodSetting>) -> Vec<MethodSetting> {
    let rank = |kind: &str| {
        FIRST_METHODS
            .iter()
            .position(|first| *first == kind)
            .unwrap_or(FIRST_METHODS.len())
    };
    methods.sort_by(|a, b| (rank(&a.kind), &a.kind).cmp(&(rank(&b.kind), &b.kind)));
    methods
}

/// The body of `POST /payment_method_settings` turning `kind` on or off.
pub fn preference_body(kind: &str, on: bool) -> Value {
    json!({ "type": kind, "preference": if on { "on" } else { "off" } })
}

#[component]
pub fn PaymentMethodSettingsWidget() -> impl IntoView {
    let ctx = use_widget();
    let reload = RwSignal::new(0u32);
    // Kept apart from the methods, so saving one method does not rebuild the list (and the
    // switch keeps the keyboard focus).
    let load = RwSignal::new(None::<Result<(), WidgetError>>);
    let methods = RwSignal::new(Vec::<MethodSetting>::new());
    let loader = ctx.clone();
    Effect::new(move |_| {
        reload.track();
        load.set(None);
        let ctx = loader.clone();
        leptos::task::spawn_local(async move {
            match ctx
                .connection()
                .get::<PaymentMethodSettings>("/payment_method_settings")
                .await
            {
                Ok(settings) => {
                    methods.set(ordered(settings.methods));
                    load.set(Some(Ok(())));
                }
                Err(e) => {
                    report_load_error_to(&ctx, &e);
                    load.set(Some(Err(e)));
                }
            }
        });
    });
    let texts = move || ctx.locale.get().texts();
    let empty = Memo::new(move |_| methods.with(Vec::is_empty));
    let saving = RwSignal::new(BTreeMap::<String, bool>::new());
    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    view! {
        <div class="cpt-widget cpt-method-settings" part="container" data-testid="payment-method-settings-widget">
            {move || match load.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorState error retry=move |_| reload.update(|n| *n += 1) /> }.into_any(),
                Some(Ok(())) => view! {
                    {move || empty.get().then(|| view! { <Empty text=Signal::derive(move || texts().no_payment_methods) /> })}
                    <ul class="cpt-list cpt-methods" part="list" aria-label=move || texts().payment_methods>
                        <For
                            each=move || methods.with(|m| m.iter().map(|m| m.kind.clone()).collect::<Vec<_>>())
                            key=|kind| kind.clone()
                            children=move |kind| view! { <MethodRow kind methods saving errors /> }
                        />
                    </ul>
                }.into_any(),
            }}
        </div>
    }
}

#[component]
fn MethodRow(
    kind: String,
    methods: RwSignal<Vec<MethodSetting>>,
    /// Methods being saved, with the value asked for.
    saving: RwSignal<BTreeMap<String, bool>>,
    errors: RwSignal<BTreeMap<String, String>>,
) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let kind = StoredValue::new(kind);
    let method = Memo::new(move |_| {
        kind.with_value(|kind| methods.with(|m| m.iter().find(|x| &x.kind == kind).cloned()))
    });
    let pending = move || kind.with_value(|kind| saving.with(|s| s.get(kind).copied()));
    let on = move || {
        pending()
            .or_else(|| method.with(|m| m.as_ref().map(|m| m.value == "on")))
            .unwrap_or(false)
    };
    let blocked = move || method.with(|m| m.as_ref().is_some_and(|m| !m.overridable));
    let unavailable =
        move || method.with(|m| m.as_ref().is_some_and(|m| m.value == "on" && !m.available));
    let error = move || kind.with_value(|kind| errors.with(|e| e.get(kind).cloned()));
    let connection = StoredValue::new_local(ctx.connection());
    let toggle = move |_| {
        if blocked() || pending().is_some() {
            return;
        }
        let wanted = !on();
        let kind = kind.get_value();
        saving.update(|s| {
            s.insert(kind.clone(), wanted);
        });
        errors.update(|e| {
            e.remove(&kind);
        });
        let connection = connection.get_value();
        leptos::task::spawn_local(async move {
            let answer = connection
                .post::<_, PaymentMethodSettings>(
                    "/payment_method_settings",
                    &preference_body(&kind, wanted),
                )
                .await;
            match answer {
                Ok(settings) => methods.set(ordered(settings.methods)),
                Err(e) => errors.update(|errors| {
                    errors.insert(kind.clone(), e.message);
                }),
            }
            saving.update(|s| {
                s.remove(&kind);
            });
        });
    };
    let id = kind.with_value(|k| format!("cpt-method-{k}"));
    let note_id = format!("{id}-note");
    view! {
        <li class="cpt-switch-row" part="row" data-testid="method-row" data-method=kind.get_value()
            data-value=move || if on() { "on" } else { "off" } class:cpt-locked=blocked>
            <div class="cpt-method">
                <span class="cpt-method-name" id=id.clone()>{move || kind.with_value(|k| texts().method_name(k).to_string())}</span>
                <span class="cpt-muted" id=note_id.clone() data-testid="method-note">
                    {move || blocked().then(|| view! {
                        <svg class="cpt-lock" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
                            <path fill="currentColor" d="M4 7V5a4 4 0 1 1 8 0v2h1v8H3V7h1zm2 0h4V5a2 2 0 1 0-4 0v2z" />
                        </svg>
                        " " {texts().blocked_by_platform}
                    })}
                    {move || (unavailable() && !blocked()).then(|| texts().not_available)}
                </span>
                {move || error().map(|e| view! { <span class="cpt-form-error" role="alert" part="error">{e}</span> })}
            </div>
            <span class="cpt-switch-state" aria-hidden="true">{move || if on() { texts().method_on } else { texts().method_off }}</span>
            <button type="button" class="cpt-switch" part="switch" role="switch" data-testid="method-switch"
                aria-checked=move || if on() { "true" } else { "false" }
                aria-labelledby=id aria-describedby=note_id
                aria-disabled=move || blocked().then_some("true")
                aria-busy=move || pending().is_some().then_some("true")
                on:click=toggle>
            </button>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method(kind: &str) -> MethodSetting {
        MethodSetting {
            kind: kind.into(),
            value: "on".into(),
            preference: "none".into(),
            overridable: true,
            available: true,
        }
    }

    #[test]
    fn common_methods_come_first() {
        let listed = ordered(
            ["zip", "sepa_debit", "affirm", "card", "apple_pay"]
                .into_iter()
                .map(method)
                .collect(),
        );
        let kinds: Vec<&str> = listed.iter().map(|m| m.kind.as_str()).collect();
        assert_eq!(kinds, ["card", "apple_pay", "sepa_debit", "affirm", "zip"]);
    }

    #[test]
    fn a_switch_posts_the_preference() {
        assert_eq!(
            preference_body("sepa_debit", true),
            json!({ "type": "sepa_debit", "preference": "on" })
        );
        assert_eq!(
            preference_body("klarna", false),
            json!({ "type": "klarna", "preference": "off" })
        );
    }
}
