//! The end customer's pages: a merchant's storefront and an order's status page (Stripe's
//! `success_url` / `return_url`).

use std::{collections::HashMap, time::Duration};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    components::embedded_checkout::{EmbeddedCheckout, EmbeddedCheckoutParams},
    merchant::ProductView,
    money::format_amount,
    shop::{
        CartLineInput, CheckoutStart, OrderView, StartCheckout, Storefront, load_order,
        load_storefront,
    },
};

/// How often the order page asks again while the payment settles.
const ORDER_POLL_INTERVAL: Duration = Duration::from_millis(1500);

#[component]
pub fn StorefrontPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let shop = Resource::new(slug, load_storefront);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the shop…"</p> }>
            {move || Suspend::new(async move {
                match shop.await {
                    Ok(shop) => view! { <Title text=shop.name.clone() /><Shop shop /> }.into_any(),
                    Err(_) => view! {
                        <section class="card narrow"><h1>"Shop not found"</h1><p>"There is no shop at this address."</p></section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Shop(shop: Storefront) -> impl IntoView {
    let query = use_query_map();
    let quantities = RwSignal::new(HashMap::<String, i64>::new());
    let email = RwSignal::new(String::new());
    let checkout = ServerAction::<StartCheckout>::new();
    let embedded = RwSignal::new(None::<EmbeddedCheckoutParams>);
    let products = StoredValue::new(shop.products.clone());
    let currency = StoredValue::new(
        shop.products
            .first()
            .map(|p| p.currency.clone())
            .unwrap_or_else(|| "eur".into()),
    );
    let total = move || {
        products.with_value(|products| {
            products
                .iter()
                .map(|p| {
                    p.unit_amount
                        .saturating_mul(*quantities.read().get(&p.id).unwrap_or(&0))
                })
                .fold(0i64, i64::saturating_add)
        })
    };
    let lines = move || {
        quantities
            .get()
            .into_iter()
            .filter(|(_, q)| *q > 0)
            .map(|(product_id, quantity)| CartLineInput {
                product_id,
                quantity,
            })
            .collect::<Vec<_>>()
    };
    let slug = StoredValue::new(shop.slug.clone());
    let pay = move |embedded_ui: bool| {
        checkout.dispatch(StartCheckout {
            slug: slug.get_value(),
            lines: lines(),
            embedded: embedded_ui,
            email: email.get(),
        });
    };
    Effect::new(move |_| {
        if let Some(Ok(start)) = checkout.value().get() {
            match start {
                CheckoutStart::Redirect { url } => {
                    let _ = window().location().set_href(&url);
                }
                CheckoutStart::Embedded {
                    client_secret,
                    publishable_key,
                    stripe_account,
                    js_url,
                    ..
                } => {
                    embedded.set(Some(EmbeddedCheckoutParams {
                        js_url,
                        publishable_key,
                        stripe_account,
                        client_secret,
                    }));
                }
            }
        }
    });
    let cancelled = move || query.read().get("cancelled").is_some();
    let accepting = shop.accepting_payments;
    view! {
        <section class="shop-header">
            <h1 data-testid="shop-name">{shop.name.clone()}</h1>
            {(!accepting).then(|| view! {
                <p class="notice warning" data-testid="shop-closed">"This shop can't take payments yet."</p>
            })}
            {move || cancelled().then(|| view! {
                <p class="notice" role="status">"Checkout cancelled. Your cart is still here."</p>
            })}
        </section>
        <Show
            when=move || embedded.get().is_none()
            fallback=move || view! {
                <section class="card">
                    <h2>"Payment"</h2>
                    {move || embedded.get().map(|params| view! { <EmbeddedCheckout params /> })}
                </section>
            }
        >
            <div class="products">
                {products.get_value().into_iter().map(|product| view! { <ProductCard product quantities /> }).collect_view()}
            </div>
            {products.with_value(|p| p.is_empty()).then(|| view! { <p class="muted">"Nothing for sale yet."</p> })}
            <section class="card checkout-bar">
                <p class="total">"Total: " <strong data-testid="cart-total">{
                    move || currency.with_value(|currency| format_amount(total(), currency))
                }</strong></p>
                <label for="customer-email">"Email for your receipt (optional)"</label>
                <input id="customer-email" type="email" autocomplete="email" prop:value=email on:input=move |e| email.set(event_target_value(&e)) />
                <div class="actions">
                    <button type="button" class="button primary" data-testid="pay-hosted"
                        disabled=move || !accepting || checkout.pending().get()
                        on:click=move |_| pay(false)>
                        "Pay on Stripe"
                    </button>
                    <button type="button" class="button" data-testid="pay-embedded"
                        disabled=move || !accepting || checkout.pending().get()
                        on:click=move |_| pay(true)>
                        "Pay here"
                    </button>
                </div>
                {move || checkout.value().get().and_then(|r| r.err()).map(|e| view! {
                    <p class="form-error" role="alert">{e.to_string()}</p>
                })}
            </section>
        </Show>
    }
}

#[component]
fn ProductCard(product: ProductView, quantities: RwSignal<HashMap<String, i64>>) -> impl IntoView {
    let id = product.id.clone();
    let input_id = format!("qty-{}", product.id);
    let quantity = {
        let id = id.clone();
        move || quantities.read().get(&id).copied().unwrap_or(0)
    };
    view! {
        <article class="card product" data-testid="product">
            <h2>{product.name.clone()}</h2>
            {(!product.description.is_empty()).then(|| view! { <p class="muted">{product.description.clone()}</p> })}
            <p class="price">{format_amount(product.unit_amount, &product.currency)}</p>
            <label for=input_id.clone()>"Quantity"</label>
            <input
                id=input_id
                type="number"
                min="0"
                max="999"
                prop:value=move || quantity().to_string()
                on:input=move |e| {
                    let value = event_target_value(&e).parse::<i64>().unwrap_or(0);
                    quantities.update(|q| { q.insert(id.clone(), value); });
                }
            />
        </article>
    }
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (
            p.get("slug").unwrap_or_default(),
            p.get("order_id").unwrap_or_default(),
        )
    };
    let refresh = RwSignal::new(0u32);
    let order = Resource::new(
        move || (key(), refresh.get()),
        |((slug, id), _)| load_order(slug, id),
    );
    // Ask again until the webhooks settle the order; the page itself never changes it.
    Effect::new(move |_| {
        if let Some(Ok(order)) = order.get()
            && !order.is_settled()
        {
            set_timeout(move || refresh.update(|n| *n += 1), ORDER_POLL_INTERVAL);
        }
    });
    view! {
        <Title text="Your order" />
        <Transition fallback=|| view! { <p class="muted">"Loading your order…"</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(order) => view! { <OrderDetails order /> }.into_any(),
                    Err(_) => view! { <section class="card narrow"><h1>"Order not found"</h1></section> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn status_text(status: &str) -> (&'static str, &'static str) {
    match status {
        "pending" => ("", "Waiting for your payment to be confirmed…"),
        "awaiting_payment" => (
            "warning",
            "Payment submitted. Your bank is confirming it; this page updates by itself.",
        ),
        "paid" | "fulfilled" => (
            "success",
            "Thank you! Your payment is confirmed and your order is on its way.",
        ),
        "failed" => (
            "danger",
            "Your payment failed. No money was taken; you can place the order again.",
        ),
        "expired" => ("warning", "This checkout expired before it was paid."),
        _ => ("", "Unknown status."),
    }
}

#[component]
fn OrderDetails(order: OrderView) -> impl IntoView {
    let (tone, text) = status_text(&order.status);
    view! {
        <section class="card narrow-wide" data-testid="order">
            <h1>{order.shop_name.clone()}</h1>
            <p class=format!("notice {tone}") role="status" data-testid="order-status" data-status=order.status.clone()>{text}</p>
            <table class="table">
                <tbody>
                    {order.lines.iter().map(|l| view! {
                        <tr><td>{l.quantity} " × " {l.name.clone()}</td><td class="num">{format_amount(l.unit_amount * l.quantity, &order.currency)}</td></tr>
                    }).collect_view()}
                    <tr class="total"><td>"Total"</td><td class="num" data-testid="order-total">{format_amount(order.amount_total, &order.currency)}</td></tr>
                </tbody>
            </table>
            {(order.amount_refunded > 0).then(|| view! {
                <p class="muted">"Refunded: " {format_amount(order.amount_refunded, &order.currency)}</p>
            })}
            <p class="muted mono">"Order " {order.id.clone()}</p>
        </section>
    }
}
