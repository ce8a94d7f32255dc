//! AccountSessions: resolved defaults, validation of components and features.

use serde_json::Value;

use crate::helpers::{assert_fixture_shape, spawn};

#[tokio::test]
async fn echoes_every_component_with_defaults() {
    let sb = spawn().await;
    let acct = sb.create_account(&[("type", "express")]).await;
    let id = acct["id"].as_str().unwrap_or_default();
    let r = sb
        .post(
            "/v1/account_sessions",
            &[
                ("account", id),
                ("components[account_onboarding][enabled]", "true"),
                ("components[payments][enabled]", "true"),
                ("components[payments][features][refund_management]", "false"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_fixture_shape("account_session", &r.body);
    let c = &r.body["components"];
    let fixture = crate::helpers::fixture("account_session");
    for name in fixture["components"]
        .as_object()
        .map(|m| m.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        assert!(c.get(&name).is_some(), "component {name}");
        for feature in fixture["components"][&name]["features"]
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            assert!(
                c[&name]["features"].get(&feature).is_some(),
                "{name}.{feature}"
            );
        }
    }
    assert_eq!(c["payment_method_settings"]["enabled"], false);
    assert_eq!(c["account_onboarding"]["enabled"], true);
    assert_eq!(
        c["account_onboarding"]["features"]["external_account_collection"],
        true
    );
    assert_eq!(
        c["account_onboarding"]["features"]["disable_stripe_user_authentication"],
        false
    );
    assert_eq!(c["payments"]["features"]["refund_management"], false);
    assert_eq!(
        c["payments"]["features"]["destination_on_behalf_of_charge_management"],
        false
    );
    assert_eq!(
        c["payouts"]["features"]["standard_payouts"], false,
        "express: the platform bears losses"
    );
    assert_eq!(r.body["livemode"], false);
    let secret = r.body["client_secret"].as_str().unwrap_or_default();
    assert!(secret.starts_with("accs_secret__"));
    let stored = sb
        .handle
        .sandbox()
        .account_session(secret)
        .expect("kept server-side");
    assert_eq!(stored.account, id);
    assert!(sb.handle.sandbox().claim_account_session(secret).is_some());
    assert!(
        sb.handle.sandbox().claim_account_session(secret).is_none(),
        "single claim"
    );
}

#[tokio::test]
async fn platform_collected_accounts_may_disable_stripe_auth() {
    let sb = spawn().await;
    let acct = sb.create_account(&[("type", "custom")]).await;
    let id = acct["id"].as_str().unwrap_or_default();
    let r = sb
        .post(
            "/v1/account_sessions",
            &[
                ("account", id),
                ("components[account_onboarding][enabled]", "true"),
                (
                    "components[account_onboarding][features][external_account_collection]",
                    "false",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let f = &r.body["components"]["account_onboarding"]["features"];
    assert_eq!(f["disable_stripe_user_authentication"], true);
    assert_eq!(f["external_account_collection"], false);
}

#[tokio::test]
async fn validation_errors() {
    let sb = spawn().await;
    let acct = sb.create_account(&[("type", "express")]).await;
    let id = acct["id"].as_str().unwrap_or_default();
    let unknown = sb
        .post(
            "/v1/account_sessions",
            &[
                ("account", id),
                ("components[fancy_widget][enabled]", "true"),
            ],
        )
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.body["error"]["code"], "parameter_unknown");
    assert_eq!(unknown.body["error"]["param"], "components[fancy_widget]");
    let feature = sb
        .post(
            "/v1/account_sessions",
            &[
                ("account", id),
                ("components[payments][enabled]", "true"),
                ("components[payments][features][teleport]", "true"),
            ],
        )
        .await;
    assert_eq!(
        feature.body["error"]["param"],
        "components[payments][features][teleport]"
    );
    let enabled = sb
        .post(
            "/v1/account_sessions",
            &[
                ("account", id),
                ("components[payments][features][refund_management]", "true"),
            ],
        )
        .await;
    assert_eq!(
        enabled.body["error"]["message"],
        "Missing required param: components[payments][enabled]."
    );
    let not_allowed = sb
        .post(
            "/v1/account_sessions",
            &[
                ("account", id),
                ("components[account_onboarding][enabled]", "true"),
                (
                    "components[account_onboarding][features][disable_stripe_user_authentication]",
                    "true",
                ),
            ],
        )
        .await;
    assert_eq!(not_allowed.status, 400);
    let platform = sb
        .post(
            "/v1/account_sessions",
            &[
                ("account", sb.keys.account_id.as_str()),
                ("components[payments][enabled]", "true"),
            ],
        )
        .await;
    assert_eq!(platform.status, 400);
    let foreign = sb
        .post(
            "/v1/account_sessions",
            &[
                ("account", "acct_unknown"),
                ("components[payments][enabled]", "true"),
            ],
        )
        .await;
    assert_eq!(foreign.status, 403);
    assert_eq!(foreign.body["error"]["param"], Value::from("account"));
}

#[tokio::test]
async fn login_links_for_express_accounts() {
    let sb = spawn().await;
    let custom = sb
        .create_account(&crate::helpers::complete_custom_individual())
        .await;
    let r = sb
        .post(
            &format!(
                "/v1/accounts/{}/login_links",
                custom["id"].as_str().unwrap_or_default()
            ),
            &[],
        )
        .await;
    assert_eq!(r.status, 400, "custom accounts have no Express dashboard");
    let express = sb.create_account(&[("type", "express")]).await;
    let id = express["id"].as_str().unwrap_or_default();
    let early = sb
        .post(&format!("/v1/accounts/{id}/login_links"), &[])
        .await;
    assert_eq!(early.status, 400, "onboarding not completed");
}
