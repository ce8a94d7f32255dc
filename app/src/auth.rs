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

/// Keeps a post-login redirect on this site: a path, never `//host` or a full URL.
pub fn safe_next_path(next: Option<&str>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .map(str::to_string)
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
    }
}
