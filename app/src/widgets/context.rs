//! What every widget reads from its surroundings: the connection, the locale and overlay style
//! the host chose, the properties the host set with Connect.js's setters, and a way to tell the
//! host something happened (its `setOnClose`, `setOnExit`, … callbacks).

use std::rc::Rc;

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use serde_json::Value;

use super::{connection::WidgetConnection, texts::Locale};

/// How detail views open: Connect.js's `appearance.overlays`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overlays {
    #[default]
    Dialog,
    Drawer,
}

impl Overlays {
    pub fn parse(value: &str) -> Self {
        if value == "drawer" {
            Overlays::Drawer
        } else {
            Overlays::Dialog
        }
    }
}

/// Values the host sets on one widget element (`setDefaultFilters`, `setPayment`,
/// `setCollectionOptions`).
#[derive(Clone, Copy)]
pub struct WidgetProps {
    pub default_filters: RwSignal<Option<Value>, LocalStorage>,
    pub payment: RwSignal<Option<String>, LocalStorage>,
    pub collection_options: RwSignal<Option<Value>, LocalStorage>,
}

impl WidgetProps {
    pub fn new() -> Self {
        Self {
            default_filters: RwSignal::new_local(None),
            payment: RwSignal::new_local(None),
            collection_options: RwSignal::new_local(None),
        }
    }

    /// Applies a setter call from the host (`setPayment("pi_…")` → `("payment", "pi_…")`).
    pub fn set(&self, name: &str, value: Value) {
        let value = Some(value).filter(|v| !v.is_null());
        match name {
            "defaultFilters" => self.default_filters.set(value),
            "payment" => self
                .payment
                .set(value.and_then(|v| v.as_str().map(str::to_string))),
            "collectionOptions" => self.collection_options.set(value),
            _ => {}
        }
    }
}

impl Default for WidgetProps {
    fn default() -> Self {
        Self::new()
    }
}

/// The host's callback for what happens in a widget: `(event, payload)`.
pub type HostCallback = Rc<dyn Fn(&str, Value)>;

/// Tells the host page about something that happened in a widget.
pub type Emitter = SendWrapper<HostCallback>;

#[derive(Clone)]
pub struct WidgetContext {
    pub connection: SendWrapper<Rc<WidgetConnection>>,
    pub locale: Signal<Locale>,
    pub overlays: Signal<Overlays>,
    pub props: WidgetProps,
    emit: Emitter,
}

impl WidgetContext {
    pub fn new(
        connection: Rc<WidgetConnection>,
        locale: Signal<Locale>,
        overlays: Signal<Overlays>,
        props: WidgetProps,
        emit: HostCallback,
    ) -> Self {
        Self {
            connection: SendWrapper::new(connection),
            locale,
            overlays,
            props,
            emit: SendWrapper::new(emit),
        }
    }

    pub fn connection(&self) -> Rc<WidgetConnection> {
        (*self.connection).clone()
    }

    /// Calls the host's callback for `event` (e.g. `close`, `exit`, `stepChange`,
    /// `notificationsChange`, `loadError`, `loaderStart`) with `payload`.
    pub fn emit(&self, event: &str, payload: Value) {
        (self.emit)(event, payload);
    }
}

pub fn use_widget() -> WidgetContext {
    expect_context::<WidgetContext>()
}
