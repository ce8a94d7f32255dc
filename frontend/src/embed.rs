//! The embed entry: what `embed/connect.js` calls. An [`EmbedInstance`] is one
//! `loadConnectAndInitialize` instance (one connection, one locale and overlay style); each
//! custom element it creates is mounted as a [`MountedWidget`] into the element's shadow root.

use std::{any::Any, rc::Rc};

use app::{
    i18n::Locale,
    widgets::{
        Overlays, SecretSource, WidgetConnection, WidgetContext, WidgetKind, WidgetProps,
        WidgetView,
    },
};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct EmbedInstance {
    connection: Rc<WidgetConnection>,
    locale: RwSignal<Locale>,
    overlays: RwSignal<Overlays>,
}

#[wasm_bindgen]
impl EmbedInstance {
    /// `api_base` is Comptoir's origin; `fetch_client_secret` the host's function; `first_secret`
    /// the promise the loader got by calling it eagerly.
    #[wasm_bindgen(constructor)]
    pub fn new(
        api_base: String,
        fetch_client_secret: js_sys::Function,
        first_secret: Option<js_sys::Promise>,
        locale: Option<String>,
        overlays: Option<String>,
    ) -> EmbedInstance {
        console_error_panic_hook::set_once();
        let connection = WidgetConnection::new(
            &api_base,
            SecretSource::Host(fetch_client_secret),
            first_secret,
        );
        EmbedInstance {
            connection,
            locale: RwSignal::new(locale.as_deref().map(Locale::from_tag).unwrap_or_default()),
            overlays: RwSignal::new(overlays.as_deref().map(Overlays::parse).unwrap_or_default()),
        }
    }

    /// `instance.update({locale, appearance: {overlays}})`: every widget follows at once.
    pub fn update(&self, locale: Option<String>, overlays: Option<String>) {
        if let Some(locale) = locale {
            self.locale.set(Locale::from_tag(&locale));
        }
        if let Some(overlays) = overlays {
            self.overlays.set(Overlays::parse(&overlays));
        }
    }

    /// `instance.logout()`: the token is revoked; widgets claim a new secret on next use.
    pub fn logout(&self) -> js_sys::Promise {
        let connection = self.connection.clone();
        wasm_bindgen_futures_promise(async move {
            connection.logout().await;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Mounts widget `tag` into `container`. `emit(event, payloadJson)` reaches the element's
    /// host callbacks.
    pub fn mount(
        &self,
        tag: &str,
        container: web_sys::HtmlElement,
        emit: js_sys::Function,
    ) -> Result<MountedWidget, JsValue> {
        let kind = WidgetKind::from_tag(tag).ok_or_else(|| {
            JsValue::from_str(&format!(
                "Comptoir does not support the \"{tag}\" component"
            ))
        })?;
        let props = WidgetProps::new();
        let emitter: app::widgets::context::HostCallback =
            Rc::new(move |event: &str, payload: serde_json::Value| {
                let _ = emit.call2(
                    &JsValue::NULL,
                    &JsValue::from_str(event),
                    &JsValue::from_str(&payload.to_string()),
                );
            });
        let context = WidgetContext::new(
            self.connection.clone(),
            self.locale.into(),
            self.overlays.into(),
            props,
            emitter,
        );
        let handle = leptos::mount::mount_to(container, move || {
            view! { <div class="cpt-root"><WidgetView kind context=context.clone() /></div> }
        });
        Ok(MountedWidget {
            props,
            handle: Some(Box::new(handle)),
        })
    }
}

/// One mounted widget. Dropping it (or `unmount`) removes it.
#[wasm_bindgen]
pub struct MountedWidget {
    props: WidgetProps,
    handle: Option<Box<dyn Any>>,
}

#[wasm_bindgen]
impl MountedWidget {
    /// A Connect.js setter with a value (`defaultFilters`, `payment`, `collectionOptions`),
    /// JSON-encoded by the loader.
    pub fn set(&self, name: &str, json: &str) {
        let value = serde_json::from_str(json).unwrap_or(serde_json::Value::Null);
        self.props.set(name, value);
    }

    pub fn unmount(&mut self) {
        self.handle.take();
    }
}

fn wasm_bindgen_futures_promise<F>(future: F) -> js_sys::Promise
where
    F: std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
{
    wasm_bindgen_futures::future_to_promise(future)
}
