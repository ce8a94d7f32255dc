//! Comptoir's embeddable widgets: Leptos components that talk to the widget API with a token
//! claimed from an AccountSession client secret. The same components render inside foreign host
//! pages (shadow DOM, mounted by the loader through the `frontend` crate's embed entry) and in
//! Comptoir's own merchant dashboard.

pub mod account_onboarding;
pub mod balances;
pub mod common;
pub mod connection;
pub mod context;
pub mod model;
pub mod notification_banner;
mod payment_detail;
pub mod payment_method_settings;
pub mod payments;
pub mod payouts;
pub mod requirements;
pub mod texts;

use leptos::prelude::*;

pub use connection::{SecretSource, WidgetConnection, WidgetError};
pub use context::{Overlays, WidgetContext, WidgetProps, use_widget};

/// The widgets, by their Connect.js tag (`payments`, `payment-details`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WidgetKind {
    Payments,
    PaymentDetails,
    AccountOnboarding,
    NotificationBanner,
    PaymentMethodSettings,
    Payouts,
    Balances,
}

impl WidgetKind {
    pub const ALL: &[WidgetKind] = &[
        WidgetKind::Payments,
        WidgetKind::PaymentDetails,
        WidgetKind::AccountOnboarding,
        WidgetKind::NotificationBanner,
        WidgetKind::PaymentMethodSettings,
        WidgetKind::Payouts,
        WidgetKind::Balances,
    ];

    pub fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.tag() == tag)
    }

    /// The Connect.js tag name.
    pub fn tag(self) -> &'static str {
        match self {
            WidgetKind::Payments => "payments",
            WidgetKind::PaymentDetails => "payment-details",
            WidgetKind::AccountOnboarding => "account-onboarding",
            WidgetKind::NotificationBanner => "notification-banner",
            WidgetKind::PaymentMethodSettings => "payment-method-settings",
            WidgetKind::Payouts => "payouts",
            WidgetKind::Balances => "balances",
        }
    }

    /// The AccountSession component that enables it.
    pub fn component(self) -> &'static str {
        match self {
            WidgetKind::Payments => "payments",
            WidgetKind::PaymentDetails => "payment_details",
            WidgetKind::AccountOnboarding => "account_onboarding",
            WidgetKind::NotificationBanner => "notification_banner",
            WidgetKind::PaymentMethodSettings => "payment_method_settings",
            WidgetKind::Payouts => "payouts",
            WidgetKind::Balances => "balances",
        }
    }
}

/// A widget of `kind` with `context` provided. The host's `setOnLoaderStart` hears when it
/// starts, and a session that does not enable its component shows why.
#[component]
pub fn WidgetView(kind: WidgetKind, context: WidgetContext) -> impl IntoView {
    provide_context(context.clone());
    context.emit(
        "loaderStart",
        serde_json::json!({ "elementTagName": kind.tag() }),
    );
    let scope = context.connection().scope;
    let connection = StoredValue::new_local(context.connection());
    let connect_error = RwSignal::new_local(None::<WidgetError>);
    let reporter = context.clone();
    Effect::new(move |_| {
        let connection = connection.get_value();
        let reporter = reporter.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = connection.connect().await {
                common::report_load_error_to(&reporter, &e);
                connect_error.set(Some(e));
            }
        });
    });
    move || {
        if let Some(error) = connect_error.get() {
            return view! { <common::ErrorState error retry=move |_| {
                connect_error.set(None);
                let connection = connection.get_value();
                leptos::task::spawn_local(async move {
                    if let Err(e) = connection.connect().await {
                        connect_error.set(Some(e));
                    }
                });
            } /> }
            .into_any();
        }
        match scope.get() {
            None => view! { <common::Loading /> }.into_any(),
            Some(scope) if !scope.enabled(kind.component()) => view! {
                <p class="cpt-error" role="alert">
                    {format!("The “{}” component is not enabled for this session.", kind.tag())}
                </p>
            }
            .into_any(),
            Some(_) => match kind {
                WidgetKind::Payments => view! { <payments::PaymentsWidget /> }.into_any(),
                WidgetKind::PaymentDetails => {
                    view! { <payments::PaymentDetailsWidget /> }.into_any()
                }
                WidgetKind::AccountOnboarding => {
                    view! { <account_onboarding::AccountOnboardingWidget /> }.into_any()
                }
                WidgetKind::NotificationBanner => {
                    view! { <notification_banner::NotificationBannerWidget /> }.into_any()
                }
                WidgetKind::PaymentMethodSettings => {
                    view! { <payment_method_settings::PaymentMethodSettingsWidget /> }.into_any()
                }
                WidgetKind::Payouts => view! { <payouts::PayoutsWidget /> }.into_any(),
                WidgetKind::Balances => view! { <balances::BalancesWidget /> }.into_any(),
            },
        }
    }
}
