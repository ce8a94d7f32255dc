//! The platform admin's pages: home, settings (Stripe keys, webhooks, fees, embed origins,
//! OAuth scope, sync mode, a connection test) and the merchants list.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    admin::{
        MerchantRow, SavePlatformSettings, SettingsView, TestStripeConnection, all_merchants,
        platform_settings,
    },
    auth::UserRole,
    components::{FormError, guard::RequireRole},
};

#[component]
pub fn AdminHomePage() -> impl IntoView {
    view! {
        <Title text="Admin" />
        <RequireRole role=UserRole::Admin let:user>
            <h1 data-testid="admin-home">"Platform"</h1>
            <p class="muted">"Logged in as " {user.email} "."</p>
            <div class="grid-2">
                <section class="card">
                    <h2>"Settings"</h2>
                    <p>"Stripe keys, webhook secrets, application fees, embed origins."</p>
                    <A href="/admin/settings" attr:class="button">"Open settings"</A>
                </section>
                <section class="card">
                    <h2>"Merchants"</h2>
                    <p>"Every connected account and its onboarding status."</p>
                    <A href="/admin/merchants" attr:class="button">"See merchants"</A>
                </section>
                <section class="card">
                    <h2>"Embedding"</h2>
                    <p>"API keys for host backends, and the payment methods merchants offer by default."</p>
                    <A href="/admin/api-keys" attr:class="button">"API keys"</A>
                    " "
                    <A href="/admin/payment-methods" attr:class="button">"Payment methods"</A>
                </section>
                <section class="card">
                    <h2>"Transactions"</h2>
                    <p>"Every payment across merchants: search by payment id or customer email, filter, export."</p>
                    <A href="/admin/transactions" attr:class="button">"See transactions"</A>
                </section>
                <section class="card">
                    <h2>"Revenue"</h2>
                    <p>"Gross volume and application fees per day and per merchant."</p>
                    <A href="/admin/revenue" attr:class="button">"See revenue"</A>
                </section>
                <section class="card">
                    <h2>"Sync"</h2>
                    <p>"The commerce data mirrored from each connected account, and its backfill."</p>
                    <A href="/admin/sync" attr:class="button">"See sync status"</A>
                </section>
            </div>
        </RequireRole>
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings" />
        <RequireRole role=UserRole::Admin let:_user>
            <Settings />
        </RequireRole>
    }
}

#[component]
fn Settings() -> impl IntoView {
    let save = ServerAction::<SavePlatformSettings>::new();
    let test = ServerAction::<TestStripeConnection>::new();
    let settings = Resource::new(move || save.version().get(), |_| platform_settings());
    view! {
        <h1>"Platform settings"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(current) => view! { <SettingsForm current save test /> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SettingsForm(
    current: SettingsView,
    save: ServerAction<SavePlatformSettings>,
    test: ServerAction<TestStripeConnection>,
) -> impl IntoView {
    let mode = current
        .mode
        .clone()
        .unwrap_or_else(|| "not configured".into());
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    view! {
        <div class="grid-2">
            <section class="card">
                <h2>"Stripe"</h2>
                <p>
                    <span class=format!("badge {}", if current.mode.as_deref() == Some("live") { "danger" } else { "success" }) data-testid="stripe-mode">
                        {format!("Mode: {mode}")}
                    </span>
                    {current.on_sandbox.then(|| view! { " " <span class="badge" data-testid="on-sandbox">"Embedded sandbox"</span> })}
                </p>
                <p class="muted mono">{current.api_base.clone()}</p>
                <ActionForm action=test>
                    <button type="submit" class="button" data-testid="test-connection">"Test connection"</button>
                </ActionForm>
                {move || test.value().get().map(|result| match result {
                    Ok(check) => view! {
                        <p class="notice success" role="status" data-testid="connection-result">
                            "Connected to " <span class="mono">{check.account_id}</span>
                            {check.name.map(|n| format!(" ({n})"))} " in " {check.mode} " mode."
                        </p>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert" data-testid="connection-result">{e.to_string()}</p> }.into_any(),
                })}
            </section>
            <section class="card">
                <h2>"Keys and secrets"</h2>
                <ActionForm action=save>
                    <label for="secret-key">"Secret key"</label>
                    <input id="secret-key" name="secret_key" type="password" autocomplete="off"
                        placeholder=current.secret_key_masked.clone().unwrap_or_else(|| "sk_test_…".into()) />
                    <p class="hint">"Shown masked. Leave empty to keep the saved key."</p>
                    <label for="publishable-key">"Publishable key"</label>
                    <input id="publishable-key" name="publishable_key" value=current.publishable_key.clone().unwrap_or_default() />
                    <label for="webhook-secrets">"Webhook signing secrets, one per line"</label>
                    <textarea id="webhook-secrets" name="webhook_secrets" rows="2" autocomplete="off"
                        placeholder=current.webhook_secrets_masked.join("\n")></textarea>
                    <p class="hint">{format!("{} saved. Leave empty to keep them.", current.webhook_secrets_masked.len())}</p>
                    <label for="client-id">"Connect client id"</label>
                    <input id="client-id" name="connect_client_id" value=current.connect_client_id.clone().unwrap_or_default() placeholder="ca_…" />
                    <label for="fee-rules">"Application fees, one rule per line"</label>
                    <textarea id="fee-rules" name="fee_rules" rows="3">{current.fee_rules.clone()}</textarea>
                    <p class="hint">"Like \"eur 2.5% + 0.25\"; \"*\" applies to every other currency."</p>
                    <label for="origins">"Origins allowed to embed the widgets, one per line"</label>
                    <textarea id="origins" name="allowed_embed_origins" rows="3">{current.allowed_embed_origins.join("\n")}</textarea>
                    <label for="oauth-scope">"OAuth scope for existing accounts"</label>
                    <select id="oauth-scope" name="oauth_scope">
                        <option value="read_only" selected=current.oauth_scope == "read_only">"read_only"</option>
                        <option value="read_write" selected=current.oauth_scope == "read_write">"read_write"</option>
                    </select>
                    <label for="sync-mode">"Commerce data sync"</label>
                    <select id="sync-mode" name="sync_mode">
                        <option value="one_off" selected=current.sync_mode == "one_off">"Once, when an account connects"</option>
                        <option value="continuous" selected=current.sync_mode == "continuous">"Continuously"</option>
                    </select>
                    <FormError result=save.value().into() />
                    {move || saved().then(|| view! { <p class="notice success" role="status">"Settings saved."</p> })}
                    <button type="submit" class="button primary">"Save settings"</button>
                </ActionForm>
            </section>
        </div>
    }
}

#[component]
pub fn MerchantsPage() -> impl IntoView {
    let merchants = Resource::new(|| (), |_| all_merchants());
    view! {
        <Title text="Merchants" />
        <RequireRole role=UserRole::Admin let:_user>
            <h1>"Merchants"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match merchants.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No merchants yet."</p> }.into_any(),
                        Ok(list) => view! { <MerchantsTable merchants=list /> }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </RequireRole>
    }
}

#[component]
fn MerchantsTable(merchants: Vec<MerchantRow>) -> impl IntoView {
    view! {
        <table class="table" data-testid="merchants">
            <thead><tr><th>"Business"</th><th>"Email"</th><th>"Stripe account"</th><th>"Status"</th></tr></thead>
            <tbody>
                {merchants.into_iter().map(|m| {
                    let status = if m.disconnected {
                        "disconnected"
                    } else if m.charges_enabled {
                        "charges enabled"
                    } else if m.details_submitted {
                        "under review"
                    } else if m.stripe_account_id.is_some() {
                        "onboarding"
                    } else {
                        "no account"
                    };
                    view! {
                        <tr>
                            <td><a href=format!("/shop/{}", m.slug)>{m.business_name}</a></td>
                            <td>{m.email}</td>
                            <td class="mono">{m.stripe_account_id.unwrap_or_default()} " " {m.connection.map(|c| format!("({c})"))}</td>
                            <td>{status}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
