//! The `account-onboarding` widget. When the platform collects the account's requirements
//! (`requirement_collection == "application"`), it asks for them in steps (business, person, bank
//! account, terms) and submits each step through the widget API; when Stripe collects them, it
//! explains why and sends the merchant into Stripe's hosted onboarding. Either way it ends on a
//! done state with an Exit button (the host's `setOnExit`), and reports steps to
//! `setOnStepChange`.

use std::{collections::BTreeMap, rc::Rc};

use leptos::{ev, prelude::*};
use serde::Deserialize;
use serde_json::json;

use super::{
    common::{ErrorState, Loading, report_load_error_to},
    connection::{WidgetConnection, WidgetError},
    context::use_widget,
    model::{Account, Scope},
    requirements::{
        Field, FieldKind, Problem, SUMMARY_STEP, Step, due_requirements, field_key, fields_for,
        requirements_body, steps_of,
    },
    texts::{BUSINESS_TYPES, COMMON_MCCS, Texts},
};

const COMPONENT: &str = "account_onboarding";

#[derive(Deserialize)]
struct OnboardingLink {
    url: String,
}

/// Asks the widget API for an Account Link into Stripe's hosted onboarding that comes back to
/// this page, and sends the browser there.
pub(super) async fn open_hosted_onboarding(
    connection: Rc<WidgetConnection>,
) -> Result<(), WidgetError> {
    let browser = |message: String| WidgetError {
        kind: "api_error".into(),
        code: None,
        message,
    };
    let window = web_sys::window().ok_or_else(|| browser("No browser window.".into()))?;
    let here = window
        .location()
        .href()
        .map_err(|_| browser("The page's address is unknown.".into()))?;
    let link: OnboardingLink = connection
        .post(
            "/account/onboarding_link",
            &json!({ "return_url": here, "refresh_url": here }),
        )
        .await?;
    window
        .location()
        .assign(&link.url)
        .map_err(|_| browser(format!("Could not open {}.", link.url)))
}

/// Whether the session explicitly turns `feature` of `component` off (absent means on).
fn turned_off(scope: &Option<Scope>, component: &str, feature: &str) -> bool {
    scope
        .as_ref()
        .and_then(|s| s.components.get(component))
        .and_then(|c| c.features.get(feature))
        == Some(&false)
}

fn problem_text(texts: &Texts, problem: Problem) -> &'static str {
    match problem {
        Problem::Required => texts.field_required,
        Problem::Iban => texts.invalid_iban,
        Problem::RoutingNumber => texts.invalid_routing_number,
        Problem::AccountNumber => texts.invalid_account_number,
        Problem::Date => texts.invalid_date,
    }
}

fn step_title(texts: &Texts, step: Step) -> &'static str {
    match step {
        Step::Business => texts.step_business,
        Step::Person => texts.step_person,
        Step::BankAccount => texts.step_bank_account,
        Step::Terms => texts.step_terms,
    }
}

/// The browser's autofill hint for a field.
fn autocomplete(key: &str) -> &'static str {
    let last = |suffix: &str| key.ends_with(suffix);
    if last(".first_name") {
        "given-name"
    } else if last(".last_name") {
        "family-name"
    } else if last(".email") {
        "email"
    } else if last(".phone") {
        "tel"
    } else if last(".dob") {
        "bday"
    } else if last("address.line1") {
        "address-line1"
    } else if last("address.line2") {
        "address-line2"
    } else if last("address.city") {
        "address-level2"
    } else if last("address.state") {
        "address-level1"
    } else if last("address.postal_code") {
        "postal-code"
    } else if last("address.country") {
        "country"
    } else if key == "company.name" {
        "organization"
    } else if last(".url") {
        "url"
    } else {
        "off"
    }
}

/// An id for an input's message, unique within the widget.
fn message_id(input: &str) -> String {
    format!("cpt-onboarding-{}-message", input.replace('.', "-"))
}

#[component]
pub fn AccountOnboardingWidget() -> impl IntoView {
    let ctx = use_widget();
    let reload = RwSignal::new(0u32);
    let account = RwSignal::new(None::<Result<Account, WidgetError>>);
    let loader = ctx.clone();
    Effect::new(move |_| {
        reload.track();
        account.set(None);
        let ctx = loader.clone();
        leptos::task::spawn_local(async move {
            let result = ctx.connection().get::<Account>("/account").await;
            if let Err(e) = &result {
                report_load_error_to(&ctx, e);
            }
            account.set(Some(result));
        });
    });
    view! {
        <div class="cpt-widget cpt-onboarding" part="container" data-testid="account-onboarding-widget">
            {move || match account.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorState error retry=move |_| reload.update(|n| *n += 1) /> }.into_any(),
                Some(Ok(account)) if account.requirement_collection == "application" => {
                    view! { <PlatformOnboarding account /> }.into_any()
                }
                Some(Ok(account)) => view! { <HostedOnboarding account /> }.into_any(),
            }}
        </div>
    }
}

/// Nothing left to fill in: details submitted (or under review), and the Exit button.
#[component]
fn OnboardingDone(account: Account, #[prop(optional)] focus: bool) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let reviewing =
        !account.details_submitted || !account.requirements.pending_verification.is_empty();
    let exit_button = NodeRef::<leptos::html::Button>::new();
    // After the last step, keyboard users land on what comes next rather than on the page.
    Effect::new(move |_| {
        if let Some(button) = exit_button.get().filter(|_| focus) {
            let _ = button.focus();
        }
    });
    let emitter = ctx.clone();
    view! {
        <section class="cpt-done" part="done" data-testid="onboarding-done" role="status">
            <p>{move || if reviewing { texts().onboarding_review } else { texts().onboarding_done }}</p>
            <div class="cpt-actions">
                <button type="button" class="cpt-button cpt-primary" part="button" node_ref=exit_button
                    data-testid="onboarding-exit" on:click=move |_| emitter.emit("exit", json!({}))>
                    {move || texts().onboarding_exit}
                </button>
            </div>
        </section>
    }
}

/// Stripe collects the requirements: an explanation and a way into hosted onboarding.
#[component]
fn HostedOnboarding(account: Account) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let due = due_requirements(
        &account,
        ctx.props.collection_options.get_untracked().as_ref(),
    );
    if due.is_empty() && account.details_submitted {
        let emitter = ctx.clone();
        Effect::new(move |_| emitter.emit("stepChange", json!({ "step": SUMMARY_STEP })));
        return view! { <OnboardingDone account /> }.into_any();
    }
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let connection = StoredValue::new_local(ctx.connection());
    let go = move |_| {
        busy.set(true);
        failure.set(None);
        let connection = connection.get_value();
        leptos::task::spawn_local(async move {
            if let Err(e) = open_hosted_onboarding(connection).await {
                failure.set(Some(e.message));
                busy.set(false);
            }
        });
    };
    let emitter = ctx.clone();
    view! {
        <section class="cpt-hosted" part="section" data-testid="hosted-onboarding">
            <h3>{move || texts().onboarding_title}</h3>
            <p>{move || texts().onboarding_stripe_explain}</p>
            {move || failure.get().map(|e| view! { <p class="cpt-form-error" role="alert" part="error">{e}</p> })}
            <div class="cpt-actions">
                <button type="button" class="cpt-button cpt-primary" part="button" data-testid="continue-to-stripe"
                    disabled=move || busy.get() on:click=go>
                    {move || texts().onboarding_continue}
                </button>
                <button type="button" class="cpt-button" part="button" data-testid="onboarding-exit"
                    on:click=move |_| emitter.emit("exit", json!({}))>
                    {move || texts().onboarding_exit}
                </button>
            </div>
        </section>
    }
    .into_any()
}

/// The platform collects the requirements: one form per step, each submitted on its own; the
/// account the API answers decides what is still asked.
#[component]
fn PlatformOnboarding(account: Account) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let scope = ctx.connection().scope;
    let options = ctx.props.collection_options;
    let account = RwSignal::new(account);
    let fields = Memo::new(move |_| {
        let options = options.get();
        let collect_bank = !scope.with(|s| turned_off(s, COMPONENT, "external_account_collection"));
        account.with(|a| {
            let mut fields =
                fields_for(&due_requirements(a, options.as_ref()), a.country.as_deref());
            if !collect_bank {
                fields.retain(|f| f.step != Step::BankAccount);
            }
            fields
        })
    });
    let steps = Memo::new(move |_| fields.with(|f| steps_of(f)));
    let position = RwSignal::new(0usize);
    let index = Memo::new(move |_| position.get().min(steps.with(Vec::len).saturating_sub(1)));
    let step = Memo::new(move |_| steps.with(|s| s.get(index.get()).copied()));
    let step_fields = Memo::new(move |_| match step.get() {
        Some(current) => fields.with(|f| {
            f.iter()
                .filter(|field| field.step == current)
                .cloned()
                .collect::<Vec<_>>()
        }),
        None => Vec::new(),
    });
    // Stripe's verification failures, shown next to the field they concern.
    let verification = Memo::new(move |_| {
        account.with(|a| {
            a.requirements
                .errors
                .iter()
                .map(|e| {
                    let reason = e
                        .reason
                        .clone()
                        .or_else(|| e.code.clone())
                        .unwrap_or_default();
                    (field_key(&e.requirement), reason)
                })
                .collect::<BTreeMap<_, _>>()
        })
    });
    let done = Memo::new(move |_| steps.with(Vec::is_empty));

    let emitter = ctx.clone();
    Effect::new(move |previous: Option<&'static str>| {
        let name = step.get().map(Step::name).unwrap_or(SUMMARY_STEP);
        if previous != Some(name) {
            emitter.emit("stepChange", json!({ "step": name }));
        }
        name
    });

    let values = RwSignal::new(BTreeMap::<String, String>::new());
    let problems = RwSignal::new(BTreeMap::<String, Problem>::new());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submitted = RwSignal::new(false);
    let heading = NodeRef::<leptos::html::H3>::new();
    let connection = StoredValue::new_local(ctx.connection());

    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let sent = step_fields.get_untracked();
        let body =
            account.with_untracked(|a| values.with_untracked(|v| requirements_body(&sent, v, a)));
        failure.set(None);
        let body = match body {
            Ok(body) => body,
            Err(found) => {
                problems.set(found);
                return;
            }
        };
        problems.set(BTreeMap::new());
        busy.set(true);
        let connection = connection.get_value();
        leptos::task::spawn_local(async move {
            let answer = connection
                .post::<_, Account>("/account/requirements", &json!({ "fields": body }))
                .await;
            busy.set(false);
            match answer {
                Ok(updated) => {
                    // Typed values (an IBAN, an id number) are not kept once Stripe has them.
                    values.update(|v| {
                        for input in sent.iter().flat_map(Field::inputs) {
                            v.remove(&input);
                        }
                    });
                    submitted.set(true);
                    account.set(updated);
                    position.set(0);
                    if let Some(heading) = heading.get_untracked() {
                        let _ = heading.focus();
                    }
                }
                Err(e) => failure.set(Some(e.message)),
            }
        });
    };
    let emitter = ctx.clone();
    let exit = move |_| emitter.emit("exit", json!({}));

    move || {
        if done.get() {
            let account = account.get_untracked();
            return view! { <OnboardingDone account focus=submitted.get_untracked() /> }.into_any();
        }
        view! {
            <ol class="cpt-steps" part="steps" aria-label=move || texts().onboarding_title>
                {move || {
                    let current = step.get();
                    steps.get().into_iter().map(|s| {
                        let is_current = Some(s) == current;
                        view! {
                            <li class:cpt-current=is_current aria-current=is_current.then_some("step") data-step=s.name()>
                                {move || step_title(texts(), s)}
                            </li>
                        }
                    }).collect_view()
                }}
            </ol>
            <form class="cpt-form cpt-step" part="form" data-testid="onboarding-form"
                data-step=move || step.get().map(Step::name) on:submit=submit novalidate=true>
                <h3 tabindex="-1" node_ref=heading>
                    {move || step.get().map(|s| step_title(texts(), s))}
                </h3>
                <p class="cpt-hint">
                    {move || format!("{} {} {} {}", texts().onboarding_step, index.get() + 1, texts().onboarding_of, steps.with(Vec::len))}
                </p>
                {move || step_fields.get().into_iter().map(|field| view! {
                    <FieldInput field values problems verification />
                }).collect_view()}
                {move || failure.get().map(|e| view! {
                    <p class="cpt-form-error" role="alert" part="error" data-testid="onboarding-error">{e}</p>
                })}
                <div class="cpt-actions">
                    <button type="submit" class="cpt-button cpt-primary" part="button" disabled=move || busy.get()>
                        {move || if index.get() + 1 == steps.with(Vec::len) { texts().onboarding_submit } else { texts().onboarding_save_continue }}
                    </button>
                    <button type="button" class="cpt-button" part="button" disabled=move || index.get() == 0
                        on:click=move |_| { position.set(index.get_untracked().saturating_sub(1)); problems.set(BTreeMap::new()); failure.set(None); }>
                        {move || texts().previous}
                    </button>
                    <button type="button" class="cpt-button" part="button" data-testid="onboarding-exit" on:click=exit.clone()>
                        {move || texts().onboarding_exit}
                    </button>
                </div>
            </form>
        }
        .into_any()
    }
}

/// The message under one input: what is wrong with the typed value, or what Stripe could not
/// verify.
fn input_message(
    input: String,
    key: String,
    problems: RwSignal<BTreeMap<String, Problem>>,
    verification: Memo<BTreeMap<String, String>>,
) -> impl IntoView {
    let ctx = use_widget();
    let id = message_id(&input);
    move || {
        let typed = problems.with(|p| p.get(&input).copied());
        let text = match typed {
            Some(problem) => Some(problem_text(ctx.locale.get().texts(), problem).to_string()),
            None => verification.with(|v| v.get(&key).cloned()),
        };
        text.map(|text| {
            view! { <span class="cpt-field-error" id=id.clone() part="field-error">{text}</span> }
        })
    }
}

#[component]
fn FieldInput(
    field: Field,
    values: RwSignal<BTreeMap<String, String>>,
    problems: RwSignal<BTreeMap<String, Problem>>,
    verification: Memo<BTreeMap<String, String>>,
) -> impl IntoView {
    let ctx = use_widget();
    let texts = move || ctx.locale.get().texts();
    let label_of = move |input: String| {
        move || {
            texts()
                .requirement_label(&input)
                .map(str::to_string)
                .unwrap_or_else(|| input.clone())
        }
    };
    let value_of =
        move |input: String| move || values.with(|v| v.get(&input).cloned().unwrap_or_default());
    let set = move |input: String| {
        move |e: ev::Event| {
            let value = event_target_value(&e);
            values.update(|v| {
                v.insert(input.clone(), value);
            });
        }
    };
    let invalid = move |input: String, key: String| {
        move || {
            problems.with(|p| p.contains_key(&input)) || verification.with(|v| v.contains_key(&key))
        }
    };
    let text_input =
        move |input: String, key: String, kind: &'static str, mode: Option<&'static str>| {
            let (name, described, completes) =
                (input.clone(), message_id(&input), autocomplete(&input));
            let is_invalid = invalid(input.clone(), key.clone());
            view! {
                <label part="field">
                    <span>{label_of(input.clone())}</span>
                    <input part="input" name=name type=kind inputmode=mode
                        autocomplete=completes spellcheck=(kind == "text").then_some("false")
                        aria-invalid=move || is_invalid().then_some("true")
                        aria-describedby=described
                        prop:value=value_of(input.clone()) on:input=set(input.clone()) />
                    {input_message(input, key, problems, verification)}
                </label>
            }
            .into_any()
        };
    let key = field.key.clone();
    match field.kind {
        FieldKind::Text => text_input(key.clone(), key, "text", None),
        FieldKind::Email => text_input(key.clone(), key, "email", None),
        FieldKind::Phone => text_input(key.clone(), key, "tel", None),
        FieldKind::Url => text_input(key.clone(), key, "url", None),
        FieldKind::Digits => text_input(key.clone(), key, "text", Some("numeric")),
        FieldKind::Date => text_input(key.clone(), key, "date", None),
        FieldKind::Iban => text_input(key.clone(), key, "text", None),
        FieldKind::UsBank => {
            let routing = format!("{key}.routing_number");
            let number = format!("{key}.account_number");
            view! {
                {text_input(routing, key.clone(), "text", Some("numeric"))}
                {text_input(number, key, "text", Some("numeric"))}
            }
            .into_any()
        }
        FieldKind::BusinessType | FieldKind::Mcc => {
            let is_mcc = field.kind == FieldKind::Mcc;
            let options: &'static [&'static str] =
                if is_mcc { COMMON_MCCS } else { BUSINESS_TYPES };
            let (name, described) = (key.clone(), message_id(&key));
            let is_invalid = invalid(key.clone(), key.clone());
            view! {
                <label part="field">
                    <span>{label_of(key.clone())}</span>
                    <select part="input" name=name aria-describedby=described
                        aria-invalid=move || is_invalid().then_some("true")
                        prop:value=value_of(key.clone()) on:change=set(key.clone())>
                        <option value="">{move || texts().onboarding_choose}</option>
                        {options.iter().map(|option| view! {
                            <option value=*option>
                                {move || if is_mcc { texts().mcc(option) } else { texts().business_type(option) }}
                            </option>
                        }).collect_view()}
                    </select>
                    {input_message(key.clone(), key, problems, verification)}
                </label>
            }
            .into_any()
        }
        FieldKind::Confirm | FieldKind::Terms => {
            let (name, described, checked_key, change_key) =
                (key.clone(), message_id(&key), key.clone(), key.clone());
            view! {
                <label class="cpt-check" part="field">
                    <input part="input" type="checkbox" name=name aria-describedby=described
                        prop:checked=move || values.with(|v| v.get(&checked_key).is_some_and(|v| v == "true"))
                        on:change=move |e| {
                            let checked = if event_target_checked(&e) { "true" } else { "" };
                            values.update(|v| { v.insert(change_key.clone(), checked.to_string()); });
                        } />
                    <span>{label_of(key.clone())}</span>
                </label>
                {input_message(key.clone(), key, problems, verification)}
            }
            .into_any()
        }
    }
}
