//! Accounts by API: creation, controller properties, requirements lifecycle, events, delete.

use serde_json::Value;

use crate::helpers::{assert_fixture_shape, complete_custom_individual, spawn};

fn due(account: &Value) -> Vec<String> {
    account["requirements"]["currently_due"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn express_account_starts_with_requirements() {
    let sb = spawn().await;
    let acct = sb
        .create_account(&[
            ("type", "express"),
            ("country", "US"),
            ("email", "m@example.com"),
            ("capabilities[card_payments][requested]", "true"),
            ("capabilities[transfers][requested]", "true"),
            ("metadata[order]", "42"),
        ])
        .await;
    assert_fixture_shape("account", &acct);
    assert!(
        acct["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("acct_"))
    );
    assert_eq!(acct["type"], "express");
    assert_eq!(acct["controller"]["stripe_dashboard"]["type"], "express");
    assert_eq!(acct["controller"]["fees"]["payer"], "application_express");
    assert_eq!(acct["default_currency"], "usd");
    assert_eq!(acct["charges_enabled"], false);
    assert_eq!(acct["details_submitted"], false);
    assert_eq!(acct["capabilities"]["card_payments"], "inactive");
    assert_eq!(
        acct["requirements"]["disabled_reason"],
        "requirements.past_due"
    );
    assert_eq!(acct["metadata"]["order"], "42");
    let due = due(&acct);
    for item in [
        "business_type",
        "external_account",
        "tos_acceptance.date",
        "business_profile.mcc",
    ] {
        assert!(due.contains(&item.to_owned()), "{item} in {due:?}");
    }
    assert_eq!(
        acct["livemode"],
        Value::Null,
        "accounts have no livemode field"
    );
}

#[tokio::test]
async fn controller_properties_and_exclusivity() {
    let sb = spawn().await;
    let both = sb
        .post(
            "/v1/accounts",
            &[
                ("type", "custom"),
                ("controller[fees][payer]", "application"),
            ],
        )
        .await;
    assert_eq!(both.status, 400);
    assert_eq!(both.body["error"]["code"], "parameters_exclusive");
    let custom_like = sb
        .create_account(&[
            ("controller[fees][payer]", "application"),
            ("controller[losses][payments]", "application"),
            ("controller[requirement_collection]", "application"),
            ("controller[stripe_dashboard][type]", "none"),
        ])
        .await;
    assert_eq!(custom_like["type"], "custom");
    assert_eq!(
        custom_like["controller"]["requirement_collection"],
        "application"
    );
    assert_eq!(custom_like["controller"]["is_controller"], true);
    let odd = sb
        .create_account(&[
            ("controller[fees][payer]", "application"),
            ("controller[stripe_dashboard][type]", "none"),
        ])
        .await;
    assert_eq!(odd["type"], "none");
    let invalid = sb
        .post(
            "/v1/accounts",
            &[("controller[requirement_collection]", "application")],
        )
        .await;
    assert_eq!(invalid.status, 400);
    let standard = sb.create_account(&[]).await;
    assert_eq!(standard["type"], "standard");
}

#[tokio::test]
async fn api_details_complete_a_custom_account() {
    let sb = spawn().await;
    let acct = sb.create_account(&complete_custom_individual()).await;
    assert_eq!(due(&acct), Vec::<String>::new(), "{}", acct["requirements"]);
    assert_eq!(acct["details_submitted"], true);
    assert_eq!(acct["charges_enabled"], true);
    assert_eq!(acct["payouts_enabled"], true);
    assert_eq!(acct["capabilities"]["card_payments"], "active");
    assert_eq!(acct["requirements"]["disabled_reason"], Value::Null);
    assert_eq!(acct["individual"]["object"], "person");
    assert_eq!(acct["individual"]["id_number_provided"], true);
    assert_eq!(acct["individual"]["verification"]["status"], "verified");
    assert_fixture_shape("person", &acct["individual"]);
    assert_fixture_shape("bank_account", &acct["external_accounts"]["data"][0]);
    assert!(
        acct["individual"].get("id_number").is_none(),
        "sensitive values are never rendered"
    );
}

#[tokio::test]
async fn updates_remove_requirements_and_emit_account_updated() {
    let sb = spawn().await;
    let acct = sb
        .create_account(&[
            ("type", "custom"),
            ("capabilities[card_payments][requested]", "true"),
        ])
        .await;
    let id = acct["id"].as_str().unwrap_or_default().to_owned();
    let path = format!("/v1/accounts/{id}");
    let r = sb
        .post(
            &path,
            &[
                ("business_type", "individual"),
                ("business_profile[mcc]", "5734"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let due_now = due(&r.body);
    assert!(!due_now.contains(&"business_type".to_owned()));
    assert!(!due_now.contains(&"business_profile.mcc".to_owned()));
    assert!(due_now.contains(&"individual.first_name".to_owned()));

    let events = sb.handle.events();
    let updated = events
        .iter()
        .rev()
        .find(|e| e["type"] == "account.updated")
        .expect("account.updated");
    assert_eq!(updated["account"], id.as_str());
    assert_eq!(updated["data"]["object"]["id"], id.as_str());
    assert_eq!(
        updated["data"]["previous_attributes"]["business_type"],
        Value::Null
    );
    assert!(updated["data"]["previous_attributes"]["requirements"].is_object());
    assert!(
        updated["request"]["id"]
            .as_str()
            .is_some_and(|r| r.starts_with("req_"))
    );

    let unset = sb.post(&path, &[("business_profile[mcc]", "")]).await;
    assert!(
        due(&unset.body).contains(&"business_profile.mcc".to_owned()),
        "empty string unsets"
    );

    let bad = sb
        .post(
            &path,
            &[
                ("individual[address][line1]", "address_no_match"),
                ("individual[first_name]", "J"),
            ],
        )
        .await;
    let errors = bad.body["requirements"]["errors"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(errors[0]["code"], "verification_failed_address_match");
    assert_eq!(errors[0]["requirement"], "individual.address.line1");
}

#[tokio::test]
async fn retrieve_list_own_and_delete() {
    let sb = spawn().await;
    let a = sb.create_account(&[("type", "express")]).await;
    let b = sb.create_account(&[("type", "custom")]).await;
    let (a, b) = (
        a["id"].as_str().unwrap_or_default().to_owned(),
        b["id"].as_str().unwrap_or_default().to_owned(),
    );
    let list = sb.get("/v1/accounts", &[]).await;
    let ids: Vec<&str> = list.body["data"]
        .as_array()
        .map(|d| d.iter().filter_map(|v| v["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, [b.as_str(), a.as_str()]);
    let own = sb
        .request(
            reqwest::Method::GET,
            "/v1/account",
            sb.key(),
            Some(&a),
            &[],
            &[],
        )
        .await;
    assert_eq!(own.id(), a);
    let platform = sb.get("/v1/account", &[]).await;
    assert_eq!(platform.id(), sb.keys.account_id);
    assert_eq!(platform.body["charges_enabled"], true);

    let deleted = sb
        .request(
            reqwest::Method::DELETE,
            &format!("/v1/accounts/{a}"),
            sb.key(),
            None,
            &[],
            &[],
        )
        .await;
    assert_eq!(deleted.status, 200);
    assert_eq!(
        deleted.body,
        serde_json::json!({"id": a, "object": "account", "deleted": true})
    );
    let gone = sb.get(&format!("/v1/accounts/{a}"), &[]).await;
    assert_eq!(gone.status, 403);
    let header = sb
        .request(
            reqwest::Method::GET,
            "/v1/account",
            sb.key(),
            Some(&a),
            &[],
            &[],
        )
        .await;
    assert_eq!(header.status, 403);
    let list = sb.get("/v1/accounts", &[]).await;
    assert_eq!(list.body["data"].as_array().map(Vec::len), Some(1));
}
