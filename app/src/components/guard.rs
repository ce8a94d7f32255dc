//! Pages for one role only: others are sent to log in, or told they have no access (403).

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};

use crate::auth::{AuthActions, LoggedInUser, UserRole, current_user};

/// Renders `children` with the logged-in user when they have `role`. A visitor who is not logged
/// in is redirected to `/login?next=…`; a user of the other role sees a 403 page. The server
/// functions behind each page check the role again: this only spares people a broken page.
#[component]
pub fn RequireRole<F, V>(role: UserRole, children: F) -> impl IntoView
where
    F: Fn(LoggedInUser) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let auth = expect_context::<AuthActions>();
    let user = Resource::new(move || auth.version(), |_| current_user());
    let location = use_location();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) if user.role == role => children(user).into_any(),
                        Ok(Some(_)) => view! { <Forbidden /> }.into_any(),
                        Ok(None) => {
                            let login = format!("/login?next={}", location.pathname.get_untracked());
                            // On the server, answer a real 302; in the browser, navigate.
                            #[cfg(feature = "ssr")]
                            leptos_axum::redirect(&login);
                            view! { <Redirect path=login /> }.into_any()
                        }
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::ssr::set_status(http::StatusCode::FORBIDDEN);
    view! {
        <section class="card narrow" data-testid="forbidden">
            <h1>"No access"</h1>
            <p>"This page belongs to another kind of account. Log in with the right one to see it."</p>
        </section>
    }
}
