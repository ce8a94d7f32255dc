//! Pieces every widget uses: dates, status badges, loading/empty/error states, and the overlay
//! (a dialog or a drawer, as `appearance.overlays` says) that detail views open in.

use leptos::{ev, prelude::*};

use super::{
    connection::WidgetError,
    context::{Overlays, WidgetContext, use_widget},
    texts::WidgetLocale,
};

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_FR: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];

/// Days since 1970-01-01 → (year, month 1-12, day), for any date after 1970 (Howard Hinnant's
/// civil-from-days). Done by hand so the server and the browser format dates identically.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `1763800000` → `22 Nov 2025` (UTC).
pub fn format_date(unix: i64, locale: WidgetLocale) -> String {
    let (year, month, day) = civil_from_days(unix.div_euclid(86_400));
    let name = match locale {
        WidgetLocale::En => MONTHS_EN[(month - 1) as usize],
        WidgetLocale::Fr => MONTHS_FR[(month - 1) as usize],
    };
    format!("{day} {name} {year}")
}

/// An `<input type=date>` value (`2025-11-22`) → the unix time of that day's start (UTC).
pub fn parse_date_input(value: &str) -> Option<i64> {
    let mut parts = value.split('-');
    let year = parts.next()?.parse().ok()?;
    let month = parts
        .next()?
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    let day = parts
        .next()?
        .parse()
        .ok()
        .filter(|d| (1..=31).contains(d))?;
    Some(days_from_civil(year, month, day) * 86_400)
}

/// A unix time → an `<input type=date>` value.
pub fn date_input_value(unix: i64) -> String {
    let (year, month, day) = civil_from_days(unix.div_euclid(86_400));
    format!("{year:04}-{month:02}-{day:02}")
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
        assert_eq!(format_date(0, WidgetLocale::En), "1 Jan 1970");
        assert_eq!(format_date(1_763_800_000, WidgetLocale::En), "22 Nov 2025");
        assert_eq!(format_date(1_763_800_000, WidgetLocale::Fr), "22 nov. 2025");
        assert_eq!(parse_date_input("2025-11-22"), Some(1_763_769_600));
        assert_eq!(date_input_value(1_763_800_000), "2025-11-22");
        assert_eq!(
            parse_date_input("2024-02-29").map(date_input_value),
            Some("2024-02-29".into())
        );
        assert_eq!(parse_date_input("2025-13-01"), None);
        assert_eq!(parse_date_input("nope"), None);
    }
}
