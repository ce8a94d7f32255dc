//! The platform admin's embedding pages: API keys for host backends (created, shown once,
//! revoked) and the payment method defaults of all merchants.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    auth::UserRole,
    calendar::format_datetime,
    components::{FormError, guard::RequireRole},
    embed::{
        ApiKeyRow, CreateApiKey, MethodDefault, PaymentMethodDefaultsView, RevokeApiKey,
        SavePaymentMethodDefaults, list_api_keys, payment_method_defaults,
    },
};

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    view! {
        <Title text="API keys" />
        <RequireRole role=UserRole::Admin let:_user>
            <ApiKeys />
        </RequireRole>
    }
}

#[component]
fn ApiKeys() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let keys = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_keys(),
    );
    view! {
        <h1>"API keys"</h1>
        <p class="muted">
            "Host backends that are not Leptos create AccountSessions with "
            <span class="mono">"POST /api/v1/account_sessions"</span>
            " and a key from here in "
            <span class="mono">"Authorization: Bearer cpk_…"</span> "."
        </p>
        <section class="card">
            <h2>"New key"</h2>
            <ActionForm action=create>
                <label for="api-key-name">"Name"</label>
                <input id="api-key-name" name="name" required maxlength="80"
                    placeholder="Production host backend" autocomplete="off" />
                <FormError result=create.value().into() />
                <button type="submit" class="button primary" data-testid="create-api-key">"Create key"</button>
            </ActionForm>
            {move || create.value().get().and_then(Result::ok).map(|made| view! {
                <div class="notice success api-key-once" role="status">
                    <p>"Copy this key now: it will not be shown again."</p>
                    <p><code class="mono api-key-secret" data-testid="new-api-key">{made.secret}</code></p>
                    <p class="muted">{format!("Saved as “{}”.", made.key.name)}</p>
                </div>
            })}
        </section>
        <section class="card">
            <h2>"Keys"</h2>
            <FormError result=revoke.value().into() />
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match keys.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted" data-testid="no-api-keys">"No keys yet."</p> }.into_any(),
                        Ok(list) => view! { <KeysTable keys=list revoke /> }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn KeysTable(keys: Vec<ApiKeyRow>, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    view! {
        <table class="table" data-testid="api-keys">
            <thead><tr><th>"Name"</th><th>"Key"</th><th>"Created"</th><th>"Last used"</th><th>"Status"</th><th></th></tr></thead>
            <tbody>
                {keys.into_iter().map(|key| {
                    let id = key.id.clone();
                    view! {
                        <tr data-key-id=key.id.clone()>
                            <td>{key.name}</td>
                            <td class="mono">{format!("{}…", key.prefix)}</td>
                            <td>{format_datetime(key.created_at)}</td>
                            <td>{key.last_used_at.map(format_datetime).unwrap_or_else(|| "never".into())}</td>
                            <td>
                                {if key.revoked {
                                    view! { <span class="badge danger">"revoked"</span> }.into_any()
                                } else {
                                    view! { <span class="badge success">"active"</span> }.into_any()
                                }}
                            </td>
                            <td>
                                {(!key.revoked).then(|| view! {
                                    <ActionForm action=revoke attr:class="inline-form">
                                        <input type="hidden" name="id" value=id />
                                        <button type="submit" class="button danger" data-testid="revoke-api-key">"Revoke"</button>
                                    </ActionForm>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn PaymentMethodDefaultsPage() -> impl IntoView {
    view! {
        <Title text="Payment methods" />
        <RequireRole role=UserRole::Admin let:_user>
            <PaymentMethodDefaultsEditor />
        </RequireRole>
    }
}

/// A method's name as people read it: `sepa_debit` → `Sepa debit`.
fn method_label(method: &str) -> String {
    let spaced = method.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

const SETTINGS: [(&str, &str); 3] = [
    ("on_by_default", "On by default"),
    ("off_by_default", "Off by default"),
    ("blocked", "Blocked"),
];

#[component]
fn PaymentMethodDefaultsEditor() -> impl IntoView {
    let save = ServerAction::<SavePaymentMethodDefaults>::new();
    let defaults = Resource::new(move || save.version().get(), |_| payment_method_defaults());
    view! {
        <h1>"Payment methods for all merchants"</h1>
        <p class="muted">
            "On by default: merchants offer it unless they turn it off. Off by default: they may turn it on. "
            "Blocked: off, and merchants cannot turn it on."
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match defaults.await {
                    Ok(current) => view! { <DefaultsForm current save /> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DefaultsForm(
    current: PaymentMethodDefaultsView,
    save: ServerAction<SavePaymentMethodDefaults>,
) -> impl IntoView {
    if !current.editable {
        let url = current.dashboard_url.unwrap_or_default();
        return view! {
            <section class="card" data-testid="payment-method-defaults-readonly">
                <p>
                    "On Stripe, the payment methods your merchants offer by default are set in the Stripe Dashboard, "
                    "under Settings → Connect → Payment methods. Comptoir cannot change them."
                </p>
                <a class="button" href=url.clone() target="_blank" rel="noopener noreferrer">"Open the Stripe Dashboard"</a>
            </section>
        }
        .into_any();
    }
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    view! {
        <section class="card">
            <ActionForm action=save>
                <table class="table" data-testid="payment-method-defaults">
                    <thead><tr><th>"Method"</th><th>"Default for merchants"</th></tr></thead>
                    <tbody>
                        {current.methods.into_iter().map(|MethodDefault { method, setting }| {
                            let id = format!("pm-default-{method}");
                            view! {
                                <tr>
                                    <td><label for=id.clone()>{method_label(&method)}</label></td>
                                    <td>
                                        <select id=id name=format!("defaults[{method}]") data-method=method.clone()>
                                            {SETTINGS.iter().map(|(value, label)| view! {
                                                <option value=*value selected=setting == *value>{*label}</option>
                                            }).collect_view()}
                                        </select>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <FormError result=save.value().into() />
                {move || saved().then(|| view! { <p class="notice success" role="status">"Defaults saved."</p> })}
                <button type="submit" class="button primary" data-testid="save-payment-method-defaults">"Save defaults"</button>
            </ActionForm>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_read_as_words() {
        assert_eq!(method_label("sepa_debit"), "Sepa debit");
        assert_eq!(method_label("card"), "Card");
        assert_eq!(method_label(""), "");
    }
}
