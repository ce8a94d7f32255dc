//! The `balances` widget: the account's available and pending funds per currency, and a payout
//! of available funds when the session has `standard_payouts`. Its balance section is shared
//! with the `payouts` widget.

use leptos::prelude::*;
use serde_json::{Value, json};

use super::{
    common::{Empty, ErrorState, Loading, report_load_error_to},
    connection::WidgetError,
    context::use_widget,
    model::{Amount, Balance, Payout},
};
use crate::money::{format_amount, parse_amount};

/// The currencies of a balance, available ones first, each once.
pub fn currencies(balance: &Balance) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for funds in balance.available.iter().chain(&balance.pending) {
        if !found.contains(&funds.currency) {
            found.push(funds.currency.clone());
        }
    }
    found
}

fn amount_in(funds: &[Amount], currency: &str) -> i64 {
    funds
        .iter()
        .filter(|f| f.currency == currency)
        .map(|f| f.amount)
        .sum()
}

/// The body of `POST /payouts` for an amount typed in major units, or `None` when it is not a
/// positive amount.
pub fn payout_body(typed: &str, currency: &str) -> Option<Value> {
    parse_amount(typed)
        .ok()
        .filter(|minor| *minor > 0)
        .map(|minor| json!({ "amount": minor, "currency": currency }))
}

#[component]
pub fn BalancesWidget() -> impl IntoView {
    view! {
        <div class="cpt-widget cpt-balances" part="container" data-testid="balances-widget">
            <BalanceOverview component="balances" />
        </div>
    }
}

/// Balance cards, and the payout form when `component`'s session has `standard_payouts`.
/// `on_payout` hears of each payout made.
#[component]
pub fn BalanceOverview(
    component: &'static str,
    #[prop(optional, into)] on_payout: Option<Callback<Payout>>,
) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let reload = RwSignal::new(0u32);
    let balance = RwSignal::new(None::<Result<Balance, WidgetError>>);
    let loader = ctx.clone();
    Effect::new(move |previous: Option<u32>| {
        let round = reload.get();
        // A refresh after a payout keeps the cards in place until the new balance is in.
        if previous.is_none() || balance.with_untracked(|b| matches!(b, Some(Err(_)))) {
            balance.set(None);
        }
        let ctx = loader.clone();
        leptos::task::spawn_local(async move {
            let result = ctx.connection().get::<Balance>("/balance").await;
            if let Err(e) = &result {
                report_load_error_to(&ctx, e);
            }
            balance.set(Some(result));
        });
        round
    });
    let scope = ctx.connection().scope;
    let can_pay_out = move || {
        scope.with(|s| {
            s.as_ref()
                .is_some_and(|s| s.feature(&[component], "standard_payouts"))
        })
    };
    let listed = Memo::new(move |_| {
        balance.with(|b| match b {
            Some(Ok(balance)) => currencies(balance),
            _ => Vec::new(),
        })
    });
    let paid_out = Callback::new(move |payout: Payout| {
        reload.update(|n| *n += 1);
        if let Some(on_payout) = on_payout {
            on_payout.run(payout);
        }
    });
    view! {
        <section class="cpt-section" part="section" data-testid="balance-section">
            <h3>{move || texts().balances}</h3>
            {move || match balance.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorState error retry=move |_| reload.update(|n| *n += 1) /> }.into_any(),
                Some(Ok(balance)) if currencies(&balance).is_empty() => {
                    view! { <Empty text=Signal::derive(move || texts().no_balance) /> }.into_any()
                }
                Some(Ok(balance)) => view! { <BalanceCards balance /> }.into_any(),
            }}
            {move || (can_pay_out() && listed.with(|c| !c.is_empty())).then(|| view! {
                <PayoutForm currencies=listed paid_out />
            })}
        </section>
    }
}

#[component]
fn BalanceCards(balance: Balance) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    view! {
        <div class="cpt-cards" part="cards">
            {currencies(&balance).into_iter().map(|currency| {
                let available = amount_in(&balance.available, &currency);
                let pending = amount_in(&balance.pending, &currency);
                view! {
                    <div class="cpt-card" part="card" data-testid="balance-available" data-currency=currency.clone()>
                        <p class="cpt-muted">{move || texts().available}</p>
                        <p class="cpt-amount" part="amount">{format_amount(available, &currency)}</p>
                    </div>
                    <div class="cpt-card" part="card" data-testid="balance-pending" data-currency=currency.clone()>
                        <p class="cpt-muted">{move || texts().pending}</p>
                        <p class="cpt-amount" part="amount">{format_amount(pending, &currency)}</p>
                    </div>
                }
            }).collect_view()}
        </div>
    }
}

#[component]
fn PayoutForm(currencies: Memo<Vec<String>>, paid_out: Callback<Payout>) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let amount = RwSignal::new(String::new());
    let currency = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // The chosen currency, or the first one while none was chosen.
    let chosen = move || {
        let picked = currency.get();
        currencies.with(|list| {
            if list.contains(&picked) {
                picked
            } else {
                list.first().cloned().unwrap_or_default()
            }
        })
    };
    let connection = StoredValue::new_local(ctx.connection());
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        if busy.get_untracked() {
            return;
        }
        notice.set(None);
        let currency = untrack(chosen);
        let Some(body) = payout_body(&amount.get_untracked(), &currency) else {
            failure.set(Some(texts().invalid_amount.to_string()));
            return;
        };
        failure.set(None);
        busy.set(true);
        let connection = connection.get_value();
        leptos::task::spawn_local(async move {
            match connection.post::<_, Payout>("/payouts", &body).await {
                Ok(payout) => {
                    amount.set(String::new());
                    notice.set(Some(format_amount(payout.amount, &payout.currency)));
                    paid_out.run(payout);
                }
                Err(e) => failure.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="cpt-form cpt-payout-form" part="form" data-testid="payout-form" on:submit=submit novalidate=true>
            <h3>{move || texts().pay_out}</h3>
            <div class="cpt-form-row">
                <label part="field">
                    <span>{move || texts().pay_out_amount}</span>
                    <input part="input" name="amount" inputmode="decimal" autocomplete="off"
                        prop:value=amount on:input=move |e| amount.set(event_target_value(&e)) />
                </label>
                {move || (currencies.with(Vec::len) > 1).then(|| view! {
                    <label part="field">
                        <span>{move || texts().pay_out_currency}</span>
                        <select part="input" name="currency" prop:value=chosen
                            on:change=move |e| currency.set(event_target_value(&e))>
                            {move || currencies.get().into_iter().map(|c| view! {
                                <option value=c.clone()>{c.to_ascii_uppercase()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                })}
            </div>
            {move || failure.get().map(|e| view! { <p class="cpt-form-error" role="alert" part="error" data-testid="payout-error">{e}</p> })}
            {move || notice.get().map(|paid| view! {
                <p class="cpt-success" role="status" data-testid="payout-notice">{move || texts().payout_created} " " {paid.clone()}</p>
            })}
            <div class="cpt-actions">
                <button type="submit" class="cpt-button cpt-primary" part="button" disabled=move || busy.get()>
                    {move || texts().pay_out}
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn funds(amount: i64, currency: &str) -> Amount {
        Amount {
            amount,
            currency: currency.into(),
        }
    }

    #[test]
    fn currencies_are_listed_once_available_first() {
        let balance = Balance {
            available: vec![funds(1000, "eur")],
            pending: vec![funds(500, "usd"), funds(200, "eur")],
        };
        assert_eq!(currencies(&balance), ["eur", "usd"]);
        assert_eq!(amount_in(&balance.pending, "eur"), 200);
        assert_eq!(amount_in(&balance.available, "usd"), 0);
        assert!(currencies(&Balance::default()).is_empty());
    }

    #[test]
    fn payouts_are_typed_in_major_units() {
        assert_eq!(
            payout_body("12,50", "eur"),
            Some(json!({ "amount": 1250, "currency": "eur" }))
        );
        assert_eq!(payout_body("0", "eur"), None);
        assert_eq!(payout_body("ten", "eur"), None);
        assert_eq!(payout_body("", "eur"), None);
    }
}
