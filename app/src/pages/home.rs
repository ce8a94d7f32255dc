//! The public landing page.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{Locale, home_texts};

#[component]
pub fn HomePage() -> impl IntoView {
    let locale = expect_context::<RwSignal<Locale>>();
    let texts = move || home_texts(locale.get());
    view! {
        <section class="hero">
            <h1 data-testid="headline">{move || texts().headline}</h1>
            <p class="lede">{move || texts().lede}</p>
            <div class="actions">
                <A href="/signup" attr:class="button primary">{move || texts().get_started}</A>
                <A href="/login" attr:class="button">{move || texts().log_in}</A>
            </div>
        </section>
        <section class="features">
            <article class="card">
                <h2>{move || texts().for_platforms}</h2>
                <p>{move || texts().for_platforms_body}</p>
            </article>
            <article class="card">
                <h2>{move || texts().for_merchants}</h2>
                <p>{move || texts().for_merchants_body}</p>
            </article>
            <article class="card">
                <h2>{move || texts().for_customers}</h2>
                <p>{move || texts().for_customers_body}</p>
            </article>
        </section>
    }
}
