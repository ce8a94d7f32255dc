//! The WASM entry points. With `hydrate`, Comptoir's server-rendered pages become interactive;
//! with `embed`, foreign host pages get the widgets through the loader (`embed/connect.js`).

// The widgets' views are deeply nested types (see the same limit in `app`).
#![recursion_limit = "256"]

#[cfg(feature = "embed")]
mod embed;

/// Called by the hydration script Leptos puts in every page's head.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
