//! Stripe's embedded Checkout inside a storefront page, mounted from a client secret.

use leptos::{html, prelude::*};

/// What the server handed over to mount the checkout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedCheckoutParams {
    pub js_url: String,
    pub publishable_key: String,
    pub stripe_account: String,
    pub client_secret: String,
}

#[component]
pub fn EmbeddedCheckout(params: EmbeddedCheckoutParams) -> impl IntoView {
    let container = NodeRef::<html::Div>::new();
    let error = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    {
        let mounted = StoredValue::new_local(None::<wasm_bindgen::JsValue>);
        Effect::new(move |_| {
            let Some(element) = container.get() else {
                return;
            };
            if mounted.with_value(|m| m.is_some()) {
                return;
            }
            let params = params.clone();
            leptos::task::spawn_local(async move {
                match bridge::mount(&params, element.into()).await {
                    Ok(checkout) => mounted.set_value(Some(checkout)),
                    Err(message) => error.set(Some(message)),
                }
            });
        });
        on_cleanup(move || {
            if let Some(checkout) = mounted.try_with_value(|m| m.clone()).flatten() {
                bridge::destroy(&checkout);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = params;
    view! {
        <div class="embedded-checkout" data-testid="embedded-checkout" node_ref=container></div>
        {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
    }
}

#[cfg(feature = "hydrate")]
mod bridge {
    use wasm_bindgen::{JsCast, prelude::*};

    use super::EmbeddedCheckoutParams;

    #[wasm_bindgen(module = "/js/embedded_checkout.js")]
    extern "C" {
        #[wasm_bindgen(js_name = mountEmbeddedCheckout)]
        fn mount_embedded_checkout(
            js_url: &str,
            publishable_key: &str,
            stripe_account: &str,
            client_secret: &str,
            element: web_sys::HtmlElement,
        ) -> js_sys::Promise;

        #[wasm_bindgen(js_name = destroyEmbeddedCheckout)]
        fn destroy_embedded_checkout(checkout: &JsValue);
    }

    pub async fn mount(
        params: &EmbeddedCheckoutParams,
        element: web_sys::HtmlElement,
    ) -> Result<JsValue, String> {
        let promise = mount_embedded_checkout(
            &params.js_url,
            &params.publishable_key,
            &params.stripe_account,
            &params.client_secret,
            element,
        );
        wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map_err(|e| {
                let message = e
                    .dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .unwrap_or_else(|| "the checkout could not be shown".into());
                format!("The payment form could not be loaded: {message}")
            })
    }

    pub fn destroy(checkout: &JsValue) {
        destroy_embedded_checkout(checkout);
    }
}
