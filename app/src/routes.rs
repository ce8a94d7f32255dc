//! The application's routes: which page answers which path.

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::pages::{
    ApiKeysPage, DashboardPaymentsPage, DashboardPayoutsPage, DashboardSettingsPage,
    PaymentMethodDefaultsPage,
};
use crate::{
    auth::AuthActions,
    components::layout::SiteHeader,
    i18n::Locale,
    pages::{
        AdminHomePage, CustomerPage, HomePage, LogInPage, MerchantHomePage, MerchantsPage,
        NotFoundPage, OnboardingReturnPage, OrderPage, PaymentPage, ProductsPage, RevenuePage,
        SettingsPage, SignUpPage, StorefrontPage, SyncPage, TransactionsPage,
    },
};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let locale = RwSignal::new(Locale::default());
    provide_context(locale);
    provide_context(AuthActions::new());

    // Effects run only in the browser: this attribute says the page is interactive, which
    // browser tests wait for before they click.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title formatter=|title: String| {
            if title.is_empty() { "Comptoir".to_string() } else { format!("{title} · Comptoir") }
        } />
        <Router>
            <SiteHeader />
            <main class="page">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("") view=HomePage />
                    <Route path=path!("/login") view=LogInPage />
                    <Route path=path!("/signup") view=SignUpPage />
                    // Guarded pages render whole before answering, so a refusal can set 403.
                    <Route path=path!("/admin") view=AdminHomePage ssr=SsrMode::Async />
                    <Route path=path!("/admin/settings") view=SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/merchants") view=MerchantsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/api-keys") view=ApiKeysPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/payment-methods") view=PaymentMethodDefaultsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/transactions") view=TransactionsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/transactions/:id") view=PaymentPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/customer") view=CustomerPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/revenue") view=RevenuePage ssr=SsrMode::Async />
                    <Route path=path!("/admin/sync") view=SyncPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard") view=MerchantHomePage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard/products") view=ProductsPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard/payments") view=DashboardPaymentsPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard/payouts") view=DashboardPayoutsPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard/settings") view=DashboardSettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard/onboarding/return") view=OnboardingReturnPage ssr=SsrMode::Async />
                    <Route path=path!("/shop/:slug") view=StorefrontPage />
                    <Route path=path!("/shop/:slug/orders/:order_id") view=OrderPage />
                </Routes>
            </main>
        </Router>
    }
}
