//! Pieces every widget uses: dates, status badges, loading/empty/error states, and the overlay
//! (a dialog or a drawer, as `appearance.overlays` says) that detail views open in.

use leptos::{ev, prelude::*};

use super::{
    connection::WidgetError,
    context::{Overlays, WidgetContext, use_widget},
    texts::Locale,
};

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_FR: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];

/// `1763800000` → `22 Nov 2025` (UTC).
pub fn format_date(unix: i64, locale: Locale) -> String {
    let (year, month, day) = crate::calendar::civil_date(unix);
    let months = match locale {
        Locale::En => &MONTHS_EN,
        Locale::Fr => &MONTHS_FR,
    };
    let name = usize::try_from(month - 1).map_or("", |m| months[m]);
    format!("{day} {name} {year}")
}

/// The badge colour a payment status gets.
fn status_tone(status: &str) -> &'static str {
    match status {
        "successful" => "success",
        "refunded" | "partially_refunded" | "canceled" => "neutral",
        "disputed" | "failed" => "danger",
        _ => "warning",
    }
}

#[component]
pub fn StatusBadge(status: String) -> impl IntoView {
    let ctx = use_widget();
    let tone = status_tone(&status);
    let label = status.clone();
    view! {
        <span class=format!("cpt-badge cpt-badge-{tone}") part="badge" data-status=status>
            {move || ctx.locale.get().texts().status(&label)}
        </span>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    let ctx = use_widget();
    view! {
        <div class="cpt-loading" role="status" aria-live="polite">
            <span class="cpt-spinner" aria-hidden="true"></span>
            {move || ctx.locale.get().texts().loading}
        </div>
    }
}

/// A failure with a retry button. The host also hears of it through `setOnLoadError`.
#[component]
pub fn ErrorState(error: WidgetError, #[prop(into)] retry: Callback<()>) -> impl IntoView {
    let ctx = use_widget();
    view! {
        <div class="cpt-error" role="alert" part="error">
            <p>{error.message.clone()}</p>
            <button type="button" class="cpt-button" part="button" on:click=move |_| retry.run(())>
                {move || ctx.locale.get().texts().retry}
            </button>
        </div>
    }
}

/// Reports a failed load to the host (`setOnLoadError({error: {type, message}})`). It takes the
/// context explicitly: loads finish after an `.await` in a spawned task, where it can no longer
/// be looked up (`spawn_local` does not carry the reactive owner), so take it before spawning.
pub fn report_load_error_to(ctx: &WidgetContext, error: &WidgetError) {
    ctx.emit(
        "loadError",
        serde_json::json!({ "error": { "type": error.kind, "message": error.message } }),
    );
}

#[component]
pub fn Empty(#[prop(into)] text: Signal<&'static str>) -> impl IntoView {
    view! { <p class="cpt-empty" part="empty">{move || text.get()}</p> }
}

/// A modal panel: centred dialog or side drawer. Escape and the close button call `on_close`.
#[component]
pub fn Overlay(
    #[prop(into)] title: Signal<String>,
    #[prop(into)] on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let ctx = use_widget();
    let kind = move || match ctx.overlays.get() {
        Overlays::Dialog => "cpt-overlay cpt-dialog",
        Overlays::Drawer => "cpt-overlay cpt-drawer",
    };
    let on_key = move |e: ev::KeyboardEvent| {
        if e.key() == "Escape" {
            on_close.run(());
        }
    };
    let panel = NodeRef::<leptos::html::Div>::new();
    // Focus the panel so keyboard users land inside it.
    Effect::new(move |_| {
        if let Some(panel) = panel.get() {
            let _ = panel.focus();
        }
    });
    view! {
        <div class="cpt-backdrop" part="overlay-backdrop" on:click=move |_| on_close.run(())></div>
        <div
            class=kind
            part="overlay"
            role="dialog"
            aria-modal="true"
            aria-label=move || title.get()
            tabindex="-1"
            node_ref=panel
            on:keydown=on_key
        >
            <header class="cpt-overlay-header">
                <h2>{move || title.get()}</h2>
                <button type="button" class="cpt-icon-button" part="button" aria-label=move || ctx.locale.get().texts().close on:click=move |_| on_close.run(())>
                    "×"
                </button>
            </header>
            <div class="cpt-overlay-body">{children()}</div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_read_well() {
        assert_eq!(format_date(0, Locale::En), "1 Jan 1970");
        assert_eq!(format_date(1_763_800_000, Locale::En), "22 Nov 2025");
        assert_eq!(format_date(1_763_800_000, Locale::Fr), "22 nov. 2025");
    }
}
