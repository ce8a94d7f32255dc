//! The merchant dashboard's widget pages: payments, payouts and settings, each a host of
//! Comptoir's embeddable widgets for the merchant's own account (the home page hosts the
//! notification banner and balances). A merchant without a connected account is sent to the
//! home page's setup first.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{NavigateOptions, components::A, hooks::use_navigate};
use serde_json::Value;

use crate::{
    auth::UserRole,
    components::{
        dashboard_widgets::{DashboardWidget, WidgetHost},
        guard::RequireRole,
    },
    embed::ComponentRequest,
    merchant::load_merchant_overview,
    widgets::WidgetKind,
};

/// The links between the merchant's pages.
#[component]
pub fn DashboardNav() -> impl IntoView {
    view! {
        <nav class="subnav" aria-label="Dashboard">
            <A href="/dashboard" exact=true>"Home"</A>
            <A href="/dashboard/payments">"Payments"</A>
            <A href="/dashboard/payouts">"Payouts"</A>
            <A href="/dashboard/products">"Products"</A>
            <A href="/dashboard/settings">"Settings"</A>
        </nav>
    }
}

/// The components the home page's widgets need.
pub fn home_components() -> Vec<ComponentRequest> {
    vec![
        ComponentRequest::new("notification_banner"),
        ComponentRequest::new("balances")
            .feature("standard_payouts", true)
            .feature("instant_payouts", false),
    ]
}

#[component]
pub fn DashboardPaymentsPage() -> impl IntoView {
    let components = vec![
        ComponentRequest::new("payments")
            .feature("refund_management", true)
            .feature("dispute_management", true)
            .feature("capture_payments", true),
    ];
    view! {
        <WidgetPage title="Payments" components>
            <section class="card">
                <DashboardWidget kind=WidgetKind::Payments />
            </section>
        </WidgetPage>
    }
}

#[component]
pub fn DashboardPayoutsPage() -> impl IntoView {
    let components = vec![
        ComponentRequest::new("payouts")
            .feature("standard_payouts", true)
            .feature("edit_payout_schedule", true)
            .feature("instant_payouts", false),
    ];
    view! {
        <WidgetPage title="Payouts" components>
            <section class="card">
                <DashboardWidget kind=WidgetKind::Payouts />
            </section>
        </WidgetPage>
    }
}

#[component]
pub fn DashboardSettingsPage() -> impl IntoView {
    let components = vec![
        ComponentRequest::new("payment_method_settings"),
        ComponentRequest::new("account_onboarding"),
    ];
    // Onboarding's "Exit" (Connect.js's `setOnExit`) leads back to the dashboard. The router's
    // navigate function is browser-only state: it is taken in an effect, which runs only after
    // hydration, so the server never holds (and drops on another thread) a browser closure.
    type Navigate = Box<dyn Fn(&str, NavigateOptions)>;
    let navigate = StoredValue::new_local(None::<Navigate>);
    Effect::new(move |_| {
        let router_navigate = use_navigate();
        navigate.set_value(Some(Box::new(
            move |path: &str, options: NavigateOptions| router_navigate(path, options),
        )));
    });
    let back_home_on_exit = Callback::new(move |(event, _): (String, Value)| {
        if event == "exit" {
            navigate.with_value(|navigate| {
                if let Some(navigate) = navigate {
                    navigate("/dashboard", NavigateOptions::default());
                }
            });
        }
    });
    view! {
        <WidgetPage title="Settings" components>
            <section class="card">
                <h2>"Payment methods"</h2>
                <DashboardWidget kind=WidgetKind::PaymentMethodSettings />
            </section>
            <section class="card">
                <h2>"Account details"</h2>
                <DashboardWidget kind=WidgetKind::AccountOnboarding on_event=back_home_on_exit />
            </section>
        </WidgetPage>
    }
}

/// A merchant page made of widgets: the guard, the title and navigation, and the widgets once
/// the merchant has an account they can serve.
#[component]
fn WidgetPage(
    title: &'static str,
    components: Vec<ComponentRequest>,
    children: ChildrenFn,
) -> impl IntoView {
    let components = StoredValue::new(components);
    let children = StoredValue::new(children);
    view! {
        <Title text=title />
        <RequireRole role=UserRole::Merchant let:_user>
            <DashboardNav />
            <h1>{title}</h1>
            <ConnectedOnly>
                <WidgetHost components=components.get_value()>
                    {children.read_value()()}
                </WidgetHost>
            </ConnectedOnly>
        </RequireRole>
    }
}

/// `children` when the merchant's Stripe account is connected, a way to connect one otherwise.
#[component]
pub fn ConnectedOnly(children: ChildrenFn) -> impl IntoView {
    let overview = Resource::new(|| (), |_| load_merchant_overview());
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) if overview.is_connected() => children.read_value()().into_any(),
                    Ok(_) => view! {
                        <p class="notice warning" data-testid="not-connected">
                            "Set up your Stripe account first: "
                            <A href="/dashboard">"go to the dashboard"</A> "."
                        </p>
                    }
                    .into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
