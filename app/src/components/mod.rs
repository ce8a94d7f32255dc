//! Components several pages share.

pub mod dashboard_widgets;
pub mod embedded_checkout;
pub mod guard;
pub mod layout;

use leptos::prelude::*;

use crate::error::AppError;

/// The error of the last submission of a form, if any, announced to screen readers.
#[component]
pub fn FormError<T>(result: Signal<Option<Result<T, AppError>>>) -> impl IntoView
where
    T: Send + Sync + Clone + 'static,
{
    move || {
        result.get().and_then(|r| r.err()).map(|e| {
            view! {
                <p class="form-error" role="alert">
                    {e.to_string()}
                </p>
            }
        })
    }
}
