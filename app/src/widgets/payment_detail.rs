//! One payment in full, with what the merchant may do to it: refund (`refund_management`),
//! capture (`capture_payments`), answer or accept a dispute (`dispute_management`). Used by the
//! `payments` widget's detail view and by the `payment-details` widget.

use leptos::prelude::*;
use serde_json::json;

use super::{
    common::{ErrorState, Loading, Overlay, StatusBadge, format_date, report_load_error_to},
    connection::WidgetError,
    context::use_widget,
    model::{Dispute, PaymentDetail},
};
use crate::money::{format_amount, parse_amount};

const DETAIL_COMPONENTS: &[&str] = &["payments", "payment_details"];

/// The detail of payment `id` in an overlay. `changed` runs after a refund, capture or dispute
/// answer so the list behind can refresh.
#[component]
pub fn PaymentDetailOverlay(
    id: String,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into, optional)] changed: Option<Callback<()>>,
) -> impl IntoView {
    let ctx = use_widget();
    let connection = ctx.connection();
    let reload = RwSignal::new(0u32);
    let detail = RwSignal::new_local(None::<Result<PaymentDetail, WidgetError>>);
    let path = format!("/payments/{id}");
    let reporter = ctx.clone();
    Effect::new(move |_| {
        reload.track();
        let connection = connection.clone();
        let path = path.clone();
        let reporter = reporter.clone();
        leptos::task::spawn_local(async move {
            let result = connection.get::<PaymentDetail>(&path).await;
            if let Err(e) = &result {
                report_load_error_to(&reporter, e);
            }
            detail.set(Some(result));
        });
    });
    let updated = Callback::new(move |fresh: PaymentDetail| {
        detail.set(Some(Ok(fresh)));
        if let Some(changed) = changed {
            changed.run(());
        }
    });
    let title = Signal::derive(move || ctx.locale.get().texts().payment.to_string());
    view! {
        <Overlay title on_close>
            {move || match detail.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorState error retry=move |_| reload.update(|n| *n += 1) /> }.into_any(),
                Some(Ok(payment)) => view! { <DetailBody payment updated /> }.into_any(),
            }}
        </Overlay>
    }
}

#[component]
fn DetailBody(payment: PaymentDetail, updated: Callback<PaymentDetail>) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let scope = ctx.connection().scope;
    let can = move |feature: &str| {
        scope.with(|s| {
            s.as_ref()
                .is_some_and(|s| s.feature(DETAIL_COMPONENTS, feature))
        })
    };
    let p = payment.payment.clone();
    let currency = p.currency.clone();
    let method = match (&p.payment_method.brand, &p.payment_method.last4) {
        (Some(brand), Some(last4)) => format!("{brand} •••• {last4}"),
        (None, Some(last4)) => format!("{} •••• {last4}", p.payment_method.kind.replace('_', " ")),
        _ => p.payment_method.kind.replace('_', " "),
    };
    let refundable = payment.refundable_amount > 0 && can("refund_management");
    let capturable = payment.capturable && can("capture_payments");
    let disputes_editable = can("dispute_management");
    view! {
        <div class="cpt-detail" data-testid="payment-detail" data-payment=p.id.clone()>
            <p class="cpt-amount" part="amount">{format_amount(p.amount, &p.currency)}</p>
            <StatusBadge status=p.status.clone() />
            <dl class="cpt-facts">
                <dt>{move || texts().payment}</dt><dd class="cpt-mono">{p.id.clone()}</dd>
                <dt>{move || texts().date}</dt><dd>{move || format_date(p.created, ctx.locale.get())}</dd>
                <dt>{move || texts().payment_method}</dt><dd>{method}</dd>
                {p.customer_email.clone().map(|email| view! { <dt>{move || texts().customer}</dt><dd>{email}</dd> })}
                {p.description.clone().map(|d| view! { <dt>{move || texts().description}</dt><dd>{d}</dd> })}
                {payment.fee.map(|fee| { let c = currency.clone(); view! { <dt>{move || texts().fee}</dt><dd>{format_amount(fee, &c)}</dd> } })}
                {payment.net.map(|net| { let c = currency.clone(); view! { <dt>{move || texts().net}</dt><dd>{format_amount(net, &c)}</dd> } })}
            </dl>
            {(!payment.refunds.is_empty()).then(|| {
                let c = currency.clone();
                view! {
                    <h3>{move || texts().refunds}</h3>
                    <ul class="cpt-list" data-testid="refunds">
                        {payment.refunds.iter().map(|r| view! {
                            <li><span>{format_amount(r.amount, &c)}</span><span class="cpt-muted">{r.status.clone().unwrap_or_default()}</span></li>
                        }).collect_view()}
                    </ul>
                }
            })}
            {capturable.then(|| view! { <CaptureForm id=p.id.clone() updated /> })}
            {refundable.then(|| view! { <RefundForm id=p.id.clone() currency=currency.clone() max=payment.refundable_amount updated /> })}
            {(!payment.disputes.is_empty()).then(|| view! {
                <h3>{move || texts().disputes}</h3>
                {payment.disputes.iter().cloned().map(|d| view! {
                    <DisputeView dispute=d currency=currency.clone() editable=disputes_editable updated />
                }).collect_view()}
            })}
        </div>
    }
}

/// Shows a mutation's failure under its form.
fn failure(error: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|e| view! { <p class="cpt-form-error" role="alert">{e}</p> })
    }
}

#[component]
fn RefundForm(
    id: String,
    currency: String,
    max: i64,
    updated: Callback<PaymentDetail>,
) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let amount = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let connection = ctx.connection();
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let typed = amount.get();
        let body = if typed.trim().is_empty() {
            json!({})
        } else {
            match parse_amount(&typed) {
                Ok(minor) => json!({ "amount": minor }),
                Err(message) => {
                    error.set(Some(message));
                    return;
                }
            }
        };
        busy.set(true);
        error.set(None);
        let connection = connection.clone();
        let path = format!("/payments/{id}/refunds");
        leptos::task::spawn_local(async move {
            match connection.post::<_, PaymentDetail>(&path, &body).await {
                Ok(fresh) => {
                    amount.set(String::new());
                    updated.run(fresh);
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="cpt-form" on:submit=submit data-testid="refund-form">
            <h3>{move || texts().refund}</h3>
            <label>
                {move || texts().refund_amount}
                <input part="input" inputmode="decimal" prop:value=amount on:input=move |e| amount.set(event_target_value(&e))
                    placeholder=format_amount(max, &currency) />
            </label>
            <p class="cpt-hint">{move || texts().refund_full}</p>
            {failure(error)}
            <button type="submit" class="cpt-button cpt-danger" part="button" disabled=move || busy.get()>
                {move || texts().refund_submit}
            </button>
        </form>
    }
}

#[component]
fn CaptureForm(id: String, updated: Callback<PaymentDetail>) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let connection = ctx.connection();
    let capture = move |_| {
        busy.set(true);
        let connection = connection.clone();
        let path = format!("/payments/{id}/capture");
        leptos::task::spawn_local(async move {
            match connection.post::<_, PaymentDetail>(&path, &json!({})).await {
                Ok(fresh) => updated.run(fresh),
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="cpt-form">
            {failure(error)}
            <button type="button" class="cpt-button cpt-primary" part="button" disabled=move || busy.get() on:click=capture>
                {move || texts().capture_submit}
            </button>
        </div>
    }
}

#[component]
fn DisputeView(
    dispute: Dispute,
    currency: String,
    editable: bool,
    updated: Callback<PaymentDetail>,
) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let open = dispute.is_open() && editable;
    let field = |key: &str| {
        dispute
            .evidence
            .get(key)
            .cloned()
            .flatten()
            .unwrap_or_default()
    };
    let text = RwSignal::new(field("uncategorized_text"));
    let product = RwSignal::new(field("product_description"));
    let email = RwSignal::new(field("customer_email_address"));
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let connection = StoredValue::new_local(ctx.connection());
    let id = StoredValue::new(dispute.id.clone());
    let send = move |path: String, body: serde_json::Value| {
        busy.set(true);
        error.set(None);
        let connection = connection.get_value();
        leptos::task::spawn_local(async move {
            match connection.post::<_, PaymentDetail>(&path, &body).await {
                Ok(fresh) => updated.run(fresh),
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    let evidence = move |submit: bool| {
        json!({
            "evidence": {
                "uncategorized_text": text.get(),
                "product_description": product.get(),
                "customer_email_address": email.get(),
            },
            "submit": submit,
        })
    };
    view! {
        <section class="cpt-dispute" data-testid="dispute" data-status=dispute.status.clone()>
            <p>
                <strong>{format_amount(dispute.amount, &currency)}</strong>
                " · " {dispute.reason.clone().unwrap_or_default().replace('_', " ")}
                " · " <span class="cpt-muted">{dispute.status.replace('_', " ")}</span>
            </p>
            {dispute.evidence_due_by.map(|due| view! {
                <p class="cpt-hint">{move || texts().evidence_due} " " {move || format_date(due, ctx.locale.get())}</p>
            })}
            {open.then(|| view! {
                <form class="cpt-form" on:submit=move |e| { e.prevent_default(); send(format!("/disputes/{}/evidence", id.get_value()), evidence(true)); }>
                    <label>{move || texts().evidence_text}
                        <textarea part="input" rows="3" prop:value=text on:input=move |e| text.set(event_target_value(&e))></textarea>
                    </label>
                    <label>{move || texts().evidence_product}
                        <input part="input" prop:value=product on:input=move |e| product.set(event_target_value(&e)) />
                    </label>
                    <label>{move || texts().evidence_email}
                        <input part="input" type="email" prop:value=email on:input=move |e| email.set(event_target_value(&e)) />
                    </label>
                    {failure(error)}
                    <div class="cpt-actions">
                        <button type="submit" class="cpt-button cpt-primary" part="button" disabled=move || busy.get()>{move || texts().submit_evidence}</button>
                        <button type="button" class="cpt-button" part="button" disabled=move || busy.get()
                            on:click=move |_| send(format!("/disputes/{}/evidence", id.get_value()), evidence(false))>
                            {move || texts().save_evidence}
                        </button>
                        <button type="button" class="cpt-button cpt-danger" part="button" disabled=move || busy.get()
                            on:click=move |_| confirming.set(true)>
                            {move || texts().accept_dispute}
                        </button>
                    </div>
                    {move || confirming.get().then(|| view! {
                        <div class="cpt-confirm" role="alertdialog">
                            <p>{move || texts().accept_confirm}</p>
                            <button type="button" class="cpt-button cpt-danger" part="button"
                                on:click=move |_| { confirming.set(false); send(format!("/disputes/{}/accept", id.get_value()), json!({})); }>
                                {move || texts().accept_dispute}
                            </button>
                            <button type="button" class="cpt-button" part="button" on:click=move |_| confirming.set(false)>{move || texts().cancel}</button>
                        </div>
                    })}
                </form>
            })}
            {(dispute.evidence_submitted && !dispute.is_open()).then(|| view! { <p class="cpt-hint">{move || texts().evidence_sent}</p> })}
        </section>
    }
}
