//! Comptoir's own merchant dashboard as a widget host. The widgets foreign pages embed through
//! the loader are mounted here natively: same components, no shadow DOM, no loader, and client
//! secrets from the [`create_account_session`] server function for the logged-in merchant.
//!
//! A page opens one [`WidgetHost`] with every component its widgets need, so it claims one
//! client secret however many widgets it shows. The server renders each widget's loading state;
//! the browser connects once hydrated.

use std::{future::Future, pin::Pin, rc::Rc};

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use serde_json::Value;

use crate::{
    embed::{ComponentRequest, create_account_session},
    i18n::Locale,
    widgets::{
        Overlays, SecretSource, WidgetConnection, WidgetContext, WidgetKind, WidgetProps,
        WidgetView, context::HostCallback,
    },
};

/// The page's connection, shared by its widgets. It exists only in the browser: the server
/// renders each widget's loading state and keeps nothing that lives on the page's thread.
#[derive(Clone, Copy)]
struct HostConnection(RwSignal<Option<SendWrapper<Rc<WidgetConnection>>>>);

/// Opens a connection whose AccountSessions enable `components`, for the widgets in `children`.
#[component]
pub fn WidgetHost(components: Vec<ComponentRequest>, children: Children) -> impl IntoView {
    let connection = RwSignal::new(None);
    // Effects run in the browser only, once hydrated.
    Effect::new(move |_| {
        let components = components.clone();
        let source = SecretSource::Native(Rc::new(move || {
            let components = components.clone();
            let secret: Pin<Box<dyn Future<Output = Result<String, String>>>> =
                Box::pin(async move {
                    create_account_session(components, None)
                        .await
                        .map_err(|e| e.to_string())
                });
            secret
        }));
        // Same origin: the widget API is under this site's own root.
        connection.set(Some(SendWrapper::new(WidgetConnection::new(
            "", source, None,
        ))));
    });
    provide_context(HostConnection(connection));
    children()
}

/// One widget of the enclosing [`WidgetHost`]. `on_event` hears what the widget tells its host
/// (`exit`, `close`, `notificationsChange`, …), as Connect.js's setters would.
#[component]
pub fn DashboardWidget(
    kind: WidgetKind,
    #[prop(optional, into)] on_event: Option<Callback<(String, Value)>>,
) -> impl IntoView {
    let HostConnection(connection) = expect_context::<HostConnection>();
    let locale = expect_context::<RwSignal<Locale>>();
    let widget = move || {
        let Some(connection) = connection.get() else {
            return view! {
                <div class="cpt-loading" role="status" aria-live="polite">
                    <span class="cpt-spinner" aria-hidden="true"></span>
                    {move || locale.get().texts().loading}
                </div>
            }
            .into_any();
        };
        let emit: HostCallback = Rc::new(move |event: &str, payload: Value| {
            if let Some(on_event) = on_event {
                on_event.run((event.to_string(), payload));
            }
        });
        let context = WidgetContext::new(
            (*connection).clone(),
            locale.into(),
            Signal::stored(Overlays::Drawer),
            WidgetProps::new(),
            emit,
        );
        view! { <WidgetView kind context /> }.into_any()
    };
    view! {
        <div class="cpt-root" data-widget=kind.tag()>
            {widget}
        </div>
    }
}
