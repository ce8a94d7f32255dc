//! Log-in and sign-up pages. Both are plain forms that work before (and without) hydration.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    auth::{AuthActions, safe_next_path},
    components::FormError,
};

#[component]
pub fn LogInPage() -> impl IntoView {
    let action = expect_context::<AuthActions>().log_in;
    let query = use_query_map();
    let next = move || safe_next_path(query.read().get("next").as_deref()).unwrap_or_default();
    view! {
        <Title text="Log in" />
        <section class="card narrow">
            <h1>"Log in"</h1>
            <ActionForm action>
                <input type="hidden" name="next" value=next />
                <label for="email">"Email"</label>
                <input id="email" type="email" name="email" autocomplete="email" required />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                />
                <FormError result=action.value().into() />
                <button type="submit" class="button primary" disabled=move || action.pending().get()>
                    "Log in"
                </button>
            </ActionForm>
            <p class="muted">"New merchant? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = expect_context::<AuthActions>().sign_up;
    // With JavaScript, the next step is outside this app (Stripe): go there with a full load.
    Effect::new(move |_| {
        if let Some(Ok(next)) = action.value().get() {
            let _ = window().location().set_href(&next);
        }
    });
    view! {
        <Title text="Sign up" />
        <section class="card narrow">
            <h1>"Create a merchant account"</h1>
            <ActionForm action>
                <label for="business-name">"Business name"</label>
                <input id="business-name" name="business_name" autocomplete="organization" required minlength="2" maxlength="100" />
                <label for="website">"Website (optional)"</label>
                <input id="website" name="website" autocomplete="url" placeholder="https://shop.example.com" />
                <label for="country">"Country"</label>
                <select id="country" name="country">
                    <option value="FR">"France"</option>
                    <option value="DE">"Germany"</option>
                    <option value="BE">"Belgium"</option>
                    <option value="ES">"Spain"</option>
                    <option value="IT">"Italy"</option>
                    <option value="NL">"Netherlands"</option>
                    <option value="IE">"Ireland"</option>
                    <option value="GB">"United Kingdom"</option>
                    <option value="US">"United States"</option>
                </select>
                <label for="email">"Email"</label>
                <input id="email" type="email" name="email" autocomplete="email" required />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    type="password"
                    name="password"
                    autocomplete="new-password"
                    minlength="10"
                    required
                    aria-describedby="password-hint"
                />
                <p id="password-hint" class="hint">"At least 10 characters, hard to guess."</p>
                <fieldset>
                    <legend>"Stripe account"</legend>
                    <label class="choice">
                        <input type="radio" name="onboarding" value="new" checked />
                        "Create one for me (takes a few minutes)"
                    </label>
                    <label class="choice">
                        <input type="radio" name="onboarding" value="existing" />
                        "Connect the Stripe account I already have"
                    </label>
                </fieldset>
                <FormError result=action.value().into() />
                <button type="submit" class="button primary" disabled=move || action.pending().get()>
                    "Create account"
                </button>
            </ActionForm>
            <p class="muted">"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}
