//! Sign-up, log-in, log-out and "who am I", as server functions. Each takes its context, calls
//! one domain function and answers.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The two kinds of people who log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserRole {
    Admin,
    Merchant,
}

impl UserRole {
    /// Where this role lands after logging in.
    pub fn home_path(self) -> &'static str {
        match self {
            UserRole::Admin => "/admin",
            UserRole::Merchant => "/dashboard",
        }
    }
}

/// The logged-in user as pages see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedInUser {
    pub email: String,
    pub role: UserRole,
}

/// The actions that change who is logged in, shared so that everything showing the user
/// (header, guarded pages) refetches when one of them completes.
#[derive(Clone, Copy)]
pub struct AuthActions {
    pub log_in: ServerAction<LogIn>,
    pub sign_up: ServerAction<SignUp>,
    pub log_out: ServerAction<LogOut>,
}

impl AuthActions {
    pub fn new() -> Self {
        Self {
            log_in: ServerAction::new(),
            sign_up: ServerAction::new(),
            log_out: ServerAction::new(),
        }
    }

    /// Changes whenever a log-in, sign-up or log-out completes; read it to refetch the user.
    pub fn version(&self) -> usize {
        self.log_in.version().get() + self.sign_up.version().get() + self.log_out.version().get()
    }
}

impl Default for AuthActions {
    fn default() -> Self {
        Self::new()
    }
}

/// The longest post-login path kept; a longer one is dropped, not cut.
const MAX_NEXT_PATH_LEN: usize = 2048;

/// Keeps a post-login redirect on this site: an absolute path of visible ASCII, so that any
/// browser resolves it against this origin. Refused: `//host` and `/\host` (network paths), a
/// full URL, and every whitespace or control character, because browsers drop tabs and line
/// breaks before resolving (`/\t/evil.example` becomes `//evil.example`). Anything else a
/// path needs arrives percent-encoded.
pub fn safe_next_path(next: Option<&str>) -> Option<String> {
    let next = next?;
    let mut chars = next.chars();
    let stays_here = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && next.len() <= MAX_NEXT_PATH_LEN
        && next.chars().all(|c| c.is_ascii_graphic() && c != '\\');
    stays_here.then(|| next.to_string())
}

#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<LoggedInUser>, AppError> {
    use crate::ssr::{internal, services, session};
    let services = services()?;
    let session = session().await?;
    let Some(remembered) = domain::sessions::logged_in(&session)
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    let user = domain::auth::find_user(&services.db, &remembered.id).await?;
    Ok(user.map(|u| LoggedInUser {
        email: u.email.to_string(),
        role: u.role.into(),
    }))
}

#[server(endpoint = "log_in")]
pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::ssr::{client_address, internal, services, session};
    let services = services()?;
    let client = client_address().await;
    let user =
        domain::auth::log_in(&services.db, &services.clock, &email, &password, client).await?;
    domain::sessions::remember_login(&session().await?, &user)
        .await
        .map_err(internal)?;
    let home = UserRole::from(user.role).home_path();
    leptos_axum::redirect(&safe_next_path(next.as_deref()).unwrap_or_else(|| home.to_string()));
    Ok(())
}

/// Creates a merchant user and their merchant, then answers where to go next: into Stripe's
/// onboarding for a new account, or to Stripe's OAuth consent for an existing one.
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    password: String,
    business_name: String,
    website: String,
    country: String,
    onboarding: String,
) -> Result<String, AppError> {
    use domain::merchants::{NewMerchant, OnboardingChoice};

    use crate::ssr::{client_address, internal, navigate_document, services, session};
    let services = services()?;
    let client = client_address().await;
    let onboarding = match onboarding.as_str() {
        "existing" => OnboardingChoice::ExistingAccount,
        _ => OnboardingChoice::NewAccount,
    };
    let (user, _merchant) = domain::merchants::sign_up(
        &services,
        NewMerchant {
            email,
            password,
            business_name,
            website: Some(website),
            country,
            onboarding,
        },
        client,
    )
    .await?;
    domain::sessions::remember_login(&session().await?, &user)
        .await
        .map_err(internal)?;
    let next = match onboarding {
        OnboardingChoice::NewAccount => "/dashboard/onboarding/start",
        OnboardingChoice::ExistingAccount => "/connect/oauth/start",
    };
    navigate_document(next).await;
    Ok(next.to_string())
}

#[server(endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    use crate::ssr::{internal, session};
    domain::sessions::forget_login(&session().await?)
        .await
        .map_err(internal)?;
    leptos_axum::redirect("/");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_path_stays_on_this_site() {
        assert_eq!(safe_next_path(Some("/admin")), Some("/admin".into()));
        assert_eq!(safe_next_path(Some("//evil.example")), None);
        assert_eq!(safe_next_path(Some("https://evil.example")), None);
        assert_eq!(safe_next_path(Some("/\\evil.example")), None);
        assert_eq!(safe_next_path(None), None);
        assert_eq!(
            safe_next_path(Some("/dashboard/payments?status=paid&page=2#top")),
            Some("/dashboard/payments?status=paid&page=2#top".into())
        );
        assert_eq!(safe_next_path(Some("/")), Some("/".into()));
    }

    #[test]
    fn whitespace_and_control_characters_are_refused_anywhere() {
        for lure in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/ /evil.example",
            "/admin\u{0}",
            "/admin\u{7f}",
            "/\u{3000}/evil.example",
            "/\u{2028}/evil.example",
            "/caf\u{e9}",
            "\t//evil.example",
            " /admin",
            "",
        ] {
            assert_eq!(safe_next_path(Some(lure)), None, "{lure:?}");
        }
        assert_eq!(
            safe_next_path(Some(&format!("/{}", "a".repeat(3000)))),
            None
        );
    }

    /// Every path kept resolves, as a browser's URL parser resolves it, to this origin; checked
    /// over every two-character prefix of the characters that matter, before a host name.
    #[test]
    fn every_kept_path_resolves_to_this_origin() {
        let base = url::Url::parse("https://platform.example/login").unwrap();
        let alphabet = [
            '/', '\\', '\t', '\n', ' ', '.', '%', '?', '#', '@', ':', 'a', '\u{0}',
        ];
        let mut kept = 0;
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    let candidate = format!("{a}{b}{c}evil.example/x");
                    let Some(path) = safe_next_path(Some(&candidate)) else {
                        continue;
                    };
                    kept += 1;
                    let resolved = base.join(&path).unwrap();
                    assert_eq!(
                        resolved.origin(),
                        base.origin(),
                        "{candidate:?} -> {resolved}"
                    );
                }
            }
        }
        assert!(kept > 50, "the check saw {kept} kept paths");
    }
}
