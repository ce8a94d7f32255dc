//! The merchant's pages: the dashboard home (connection status, shop, orders), the page Stripe's
//! onboarding returns to, and product management.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    auth::UserRole,
    components::{
        FormError,
        dashboard_widgets::{DashboardWidget, WidgetHost},
        guard::RequireRole,
    },
    merchant::{
        CreateProduct, DisconnectStripe, MerchantOverview, OrderSummary, ProductView,
        SetProductActive, load_merchant_overview, my_orders, my_products,
        refresh_onboarding_status,
    },
    money::format_amount,
    pages::dashboard::{DashboardNav, home_components},
    widgets::WidgetKind,
};

/// What the `?connect=` outcome of an OAuth or onboarding round trip means.
fn connect_notice(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "connected" => ("success", "Your Stripe account is connected."),
        "denied" => (
            "warning",
            "You cancelled the connection on Stripe. Nothing was changed.",
        ),
        "expired" => (
            "warning",
            "That connection attempt expired or was already used. Start again.",
        ),
        "already" => ("warning", "A Stripe account is already connected."),
        "failed" => (
            "danger",
            "Stripe could not complete the connection. Please try again.",
        ),
        _ => return None,
    })
}

#[component]
pub fn MerchantHomePage() -> impl IntoView {
    view! {
        <Title text="Dashboard" />
        <RequireRole role=UserRole::Merchant let:_user>
            <DashboardNav />
            <MerchantHome />
        </RequireRole>
    }
}

#[component]
fn MerchantHome() -> impl IntoView {
    let query = use_query_map();
    let disconnect = ServerAction::<DisconnectStripe>::new();
    let overview = Resource::new(
        move || disconnect.version().get(),
        |_| load_merchant_overview(),
    );
    let orders = Resource::new(|| (), |_| my_orders());
    let notice = move || query.read().get("connect").and_then(|c| connect_notice(&c));
    view! {
        {move || notice().map(|(tone, text)| view! {
            <p class=format!("notice {tone}") role="status" data-testid="connect-notice">{text}</p>
        })}
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <Overview overview disconnect /> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <section class="card">
            <h2>"Recent orders"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match orders.await {
                        Ok(orders) if orders.is_empty() => view! { <p class="muted">"No orders yet."</p> }.into_any(),
                        Ok(orders) => view! { <OrdersTable orders /> }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Overview(
    overview: MerchantOverview,
    disconnect: ServerAction<DisconnectStripe>,
) -> impl IntoView {
    let shop_url = format!("/shop/{}", overview.slug);
    view! {
        <h1 data-testid="merchant-home">{overview.business_name.clone()}</h1>
        <p class="muted">"Logged in as " {overview.email.clone()} "."</p>
        {overview.is_connected().then(|| view! {
            <WidgetHost components=home_components()>
                <DashboardWidget kind=WidgetKind::NotificationBanner />
                <section class="card" aria-label="Balance">
                    <DashboardWidget kind=WidgetKind::Balances />
                </section>
            </WidgetHost>
        })}
        <div class="grid-2">
            <section class="card" data-testid="payments-account">
                <h2>"Payments account"</h2>
                <AccountStatus overview=overview.clone() disconnect />
            </section>
            <section class="card">
                <h2>"Your shop"</h2>
                <p>"Customers buy at " <a href=shop_url.clone() data-testid="shop-link">{shop_url.clone()}</a> "."</p>
                <p><A href="/dashboard/products" attr:class="button">"Manage products"</A></p>
            </section>
        </div>
    }
}

#[component]
fn AccountStatus(
    overview: MerchantOverview,
    disconnect: ServerAction<DisconnectStripe>,
) -> impl IntoView {
    if overview.disconnected {
        return view! {
            <p data-testid="account-state">"Disconnected: this shop can't take payments."</p>
            <p><a href="/connect/oauth/start" rel="external" class="button">"Connect a Stripe account"</a></p>
        }
        .into_any();
    }
    let Some(account) = overview.stripe_account_id.clone() else {
        return view! {
            <p data-testid="account-state">"No Stripe account yet. Set one up to start selling."</p>
            <div class="actions">
                <a href="/dashboard/onboarding/start" rel="external" class="button primary">"Set up payments"</a>
                <a href="/connect/oauth/start" rel="external" class="button">"I already have a Stripe account"</a>
            </div>
        }
        .into_any();
    };
    let via_oauth = overview.connection.as_deref() == Some("oauth");
    let needs_onboarding =
        !via_oauth && (!overview.details_submitted || !overview.requirements_due.is_empty());
    view! {
        <p class="mono">{account}</p>
        <StatusBadges overview=overview.clone() />
        {(!overview.requirements_due.is_empty()).then(|| view! {
            <p class="muted">"Stripe still needs: " {overview.requirements_due.join(", ")}</p>
        })}
        {needs_onboarding.then(|| view! {
            <p><a href="/dashboard/onboarding/start" rel="external" class="button primary">"Continue onboarding"</a></p>
        })}
        {via_oauth.then(|| view! {
            <ActionForm action=disconnect>
                <button type="submit" class="button">"Disconnect Stripe"</button>
            </ActionForm>
            <FormError result=disconnect.value().into() />
        })}
    }
    .into_any()
}

#[component]
fn StatusBadges(overview: MerchantOverview) -> impl IntoView {
    let badge = |ok: bool, yes: &'static str, no: &'static str, id: &'static str| {
        let class = if ok { "badge success" } else { "badge warning" };
        view! { <span class=class data-testid=id>{if ok { yes } else { no }}</span> }
    };
    view! {
        <p class="badges" data-testid="account-state">
            {badge(overview.details_submitted, "Details submitted", "Details missing", "details-submitted")}
            {badge(overview.charges_enabled, "Charges enabled", "Charges not enabled", "charges-enabled")}
            {badge(overview.payouts_enabled, "Payouts enabled", "Payouts not enabled", "payouts-enabled")}
        </p>
    }
}

#[component]
fn OrdersTable(orders: Vec<OrderSummary>) -> impl IntoView {
    view! {
        <table class="table" data-testid="orders">
            <thead><tr><th>"Order"</th><th>"Status"</th><th>"Total"</th><th>"Platform fee"</th><th>"Customer"</th></tr></thead>
            <tbody>
                {orders.into_iter().map(|o| view! {
                    <tr>
                        <td class="mono">{o.id.clone()}</td>
                        <td><span class=format!("status status-{}", o.status)>{o.status.replace('_', " ")}</span>
                            {o.disputed.then_some(" · disputed")}
                            {(o.amount_refunded > 0).then(|| format!(" · refunded {}", format_amount(o.amount_refunded, &o.currency)))}
                        </td>
                        <td>{format_amount(o.amount_total, &o.currency)}</td>
                        <td>{format_amount(o.application_fee_amount, &o.currency)}</td>
                        <td>{o.customer_email.clone().unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Where Stripe's onboarding sends the merchant back. Reaching it proves nothing: the account is
/// read again from Stripe and the page says what is still missing.
#[component]
pub fn OnboardingReturnPage() -> impl IntoView {
    view! {
        <Title text="Onboarding" />
        <RequireRole role=UserRole::Merchant let:_user>
            <OnboardingReturn />
        </RequireRole>
    }
}

#[component]
fn OnboardingReturn() -> impl IntoView {
    let status = Resource::new(|| (), |_| refresh_onboarding_status());
    view! {
        <section class="card narrow-wide" data-testid="onboarding-return">
            <h1>"Payments account"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Checking your account with Stripe…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(overview) if overview.charges_enabled => view! {
                            <p class="notice success" data-testid="onboarding-outcome">"You're all set: you can take payments."</p>
                            <StatusBadges overview />
                            <p><A href="/dashboard" attr:class="button primary">"Go to the dashboard"</A></p>
                        }.into_any(),
                        Ok(overview) => view! {
                            <p class="notice warning" data-testid="onboarding-outcome">
                                {if overview.details_submitted {
                                    "Stripe has your details and is still checking them."
                                } else {
                                    "Your onboarding isn't finished yet."
                                }}
                            </p>
                            <StatusBadges overview=overview.clone() />
                            {(!overview.requirements_due.is_empty()).then(|| view! {
                                <p class="muted">"Still needed: " {overview.requirements_due.join(", ")}</p>
                            })}
                            <p><a href="/dashboard/onboarding/start" rel="external" class="button primary">"Continue onboarding"</a></p>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn ProductsPage() -> impl IntoView {
    view! {
        <Title text="Products" />
        <RequireRole role=UserRole::Merchant let:_user>
            <DashboardNav />
            <Products />
        </RequireRole>
    }
}

#[component]
fn Products() -> impl IntoView {
    let create = ServerAction::<CreateProduct>::new();
    let toggle = ServerAction::<SetProductActive>::new();
    let products = Resource::new(
        move || (create.version().get(), toggle.version().get()),
        |_| my_products(),
    );
    // Once a product is added the form starts blank for the next one; a refused one keeps what
    // was typed so it can be corrected.
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_)))
            && let Some(form) = form.get_untracked()
        {
            form.reset();
        }
    });
    view! {
        <h1>"Products"</h1>
        <div class="grid-2">
            <section class="card">
                <h2>"Add a product"</h2>
                <ActionForm action=create node_ref=form>
                    <label for="product-name">"Name"</label>
                    <input id="product-name" name="name" required maxlength="120" />
                    <label for="product-description">"Description"</label>
                    <input id="product-description" name="description" maxlength="500" />
                    <label for="product-price">"Price"</label>
                    <input id="product-price" name="price" inputmode="decimal" placeholder="12.50" required />
                    <label for="product-currency">"Currency"</label>
                    <select id="product-currency" name="currency">
                        <option value="eur">"EUR"</option>
                        <option value="usd">"USD"</option>
                        <option value="gbp">"GBP"</option>
                    </select>
                    <FormError result=create.value().into() />
                    <button type="submit" class="button primary">"Add product"</button>
                </ActionForm>
            </section>
            <section class="card">
                <h2>"Catalogue"</h2>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match products.await {
                            Ok(list) if list.is_empty() => view! { <p class="muted">"No products yet."</p> }.into_any(),
                            Ok(list) => view! { <ProductList products=list toggle /> }.into_any(),
                            Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}

#[component]
fn ProductList(
    products: Vec<ProductView>,
    toggle: ServerAction<SetProductActive>,
) -> impl IntoView {
    view! {
        <ul class="list" data-testid="products">
            {products.into_iter().map(|p| {
                let next_state = !p.active;
                view! {
                    <li class:inactive=!p.active>
                        <span>
                            <strong>{p.name.clone()}</strong>
                            " · " {format_amount(p.unit_amount, &p.currency)}
                            {(!p.active).then_some(" · hidden from the shop")}
                        </span>
                        <ActionForm action=toggle attr:class="inline-form">
                            <input type="hidden" name="product_id" value=p.id.clone() />
                            <input type="hidden" name="active" value=next_state.to_string() />
                            <button type="submit" class="link-button">{if p.active { "Hide" } else { "Show" }}</button>
                        </ActionForm>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
