//! The header every page shows: brand, navigation for who is logged in, locale switch.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    auth::{AuthActions, UserRole, current_user},
    i18n::Locale,
};

#[component]
pub fn SiteHeader() -> impl IntoView {
    let locale = expect_context::<RwSignal<Locale>>();
    let auth = expect_context::<AuthActions>();
    let log_out = auth.log_out;
    let user = Resource::new(move || auth.version(), |_| current_user());

    view! {
        <header class="site-header">
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"◧"</span>
                "Comptoir"
            </A>
            <nav aria-label="Main">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(user)) => {
                                let home = user.role.home_path();
                                let label = match user.role {
                                    UserRole::Admin => "Admin",
                                    UserRole::Merchant => "Dashboard",
                                };
                                view! {
                                    <A href=home>{label}</A>
                                    <span class="nav-user">{user.email}</span>
                                    <ActionForm action=log_out attr:class="inline-form">
                                        <button type="submit" class="link-button">"Log out"</button>
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                            _ => {
                                view! {
                                    <A href="/login">"Log in"</A>
                                    <A href="/signup">"Sign up"</A>
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Transition>
                <button
                    type="button"
                    class="locale-switch"
                    data-testid="locale-switch"
                    on:click=move |_| locale.update(|l| *l = l.other())
                >
                    {move || locale.get().other().name()}
                </button>
            </nav>
        </header>
    }
}
