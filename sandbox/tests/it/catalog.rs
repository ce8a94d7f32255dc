//! Products, prices and customers, plus the payments family through async-stripe's typed client.

use stripe::StripeRequest;

use crate::helpers::assert_fixture_shape;
use crate::pay::{count, merchant, s, typed};

#[tokio::test]
async fn products_and_prices() {
    let m = merchant().await;
    let product = m
        .post(
            "/v1/products",
            &[
                ("name", "T-shirt"),
                ("description", "Grey cotton"),
                ("images[0]", "https://img.example/t.png"),
                ("metadata[sku]", "T1"),
                ("default_price_data[currency]", "EUR"),
                ("default_price_data[unit_amount]", "2000"),
            ],
        )
        .await;
    assert_eq!(product.status, 200, "{}", product.body);
    assert!(s(&product.body["default_price"]).starts_with("price_"));
    assert_fixture_shape("product", &product.body);
    typed::<stripe_shared::Product>(&product.body);
    let price = m
        .fetch(&format!("/v1/prices/{}", s(&product.body["default_price"])))
        .await;
    assert_eq!(price["currency"], "eur");
    assert_eq!(price["unit_amount"], 2000);
    assert_eq!(price["unit_amount_decimal"], "2000");
    assert_eq!(price["type"], "one_time");
    assert_fixture_shape("price", &price);
    typed::<stripe_shared::Price>(&price);

    let second = m
        .post(
            "/v1/prices",
            &[
                ("currency", "usd"),
                ("unit_amount", "2500"),
                ("product", &product.id()),
                ("lookup_key", "tshirt_usd"),
                ("nickname", "US"),
            ],
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.body);
    let clash = m
        .post(
            "/v1/prices",
            &[
                ("currency", "usd"),
                ("unit_amount", "2600"),
                ("product", &product.id()),
                ("lookup_key", "tshirt_usd"),
            ],
        )
        .await;
    assert_eq!(clash.status, 400);
    let moved = m
        .post(
            "/v1/prices",
            &[
                ("currency", "usd"),
                ("unit_amount", "2600"),
                ("product", &product.id()),
                ("lookup_key", "tshirt_usd"),
                ("transfer_lookup_key", "true"),
            ],
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let by_key = m
        .get("/v1/prices", &[("lookup_keys[]", "tshirt_usd")])
        .await;
    assert_eq!(count(&by_key.body), 1);
    assert_eq!(by_key.body["data"][0]["id"], moved.body["id"]);
    let by_product = m
        .get(
            "/v1/prices",
            &[("product", &product.id()), ("currency", "usd")],
        )
        .await;
    assert_eq!(count(&by_product.body), 2);
    let expanded = m
        .get(
            &format!("/v1/prices/{}", moved.id()),
            &[("expand[]", "product")],
        )
        .await;
    assert_eq!(expanded.body["product"]["name"], "T-shirt");
    let off = m
        .post(
            &format!("/v1/prices/{}", second.id()),
            &[("active", "false")],
        )
        .await;
    assert_eq!(off.body["active"], false);
    let active = m.get("/v1/prices", &[("active", "true")]).await;
    assert_eq!(count(&active.body), 2);

    let renamed = m
        .post(
            &format!("/v1/products/{}", product.id()),
            &[
                ("name", "Tee"),
                ("default_price", &moved.id()),
                ("metadata[sku]", ""),
            ],
        )
        .await;
    assert_eq!(renamed.body["name"], "Tee");
    assert_eq!(renamed.body["default_price"], moved.body["id"]);
    assert_eq!(renamed.body["metadata"], serde_json::json!({}));
    let updated = m.get("/v1/events", &[("type", "product.updated")]).await;
    assert_eq!(
        updated.body["data"][0]["data"]["previous_attributes"]["name"],
        "T-shirt"
    );
    let blocked =
        m.sb.request(
            reqwest::Method::DELETE,
            &format!("/v1/products/{}", product.id()),
            m.sb.key(),
            Some(&m.acct),
            &[],
            &[],
        )
        .await;
    assert_eq!(blocked.status, 400);
    let lonely = m
        .post(
            "/v1/products",
            &[("name", "Sticker"), ("id", "prod_sticker")],
        )
        .await;
    assert_eq!(lonely.id(), "prod_sticker");
    let dup = m
        .post(
            "/v1/products",
            &[("name", "Sticker"), ("id", "prod_sticker")],
        )
        .await;
    assert_eq!(dup.body["error"]["code"], "resource_already_exists");
    let deleted =
        m.sb.request(
            reqwest::Method::DELETE,
            "/v1/products/prod_sticker",
            m.sb.key(),
            Some(&m.acct),
            &[],
            &[],
        )
        .await;
    assert_eq!(deleted.body["deleted"], true);
    assert_eq!(m.get("/v1/products/prod_sticker", &[]).await.status, 404);
    let list = m.get("/v1/products", &[("active", "true")]).await;
    assert_eq!(count(&list.body), 1, "{}", list.body);
    let inline = m
        .post("/v1/prices", &[("currency", "eur"), ("unit_amount", "300")])
        .await;
    assert_eq!(inline.status, 400);
    let types = m.event_types().await;
    for t in [
        "product.created",
        "price.created",
        "price.updated",
        "product.deleted",
    ] {
        assert!(types.iter().any(|x| x == t), "{t} in {types:?}");
    }
}

#[tokio::test]
async fn customers() {
    let m = merchant().await;
    let c = m
        .post(
            "/v1/customers",
            &[
                ("email", "jenny@example.com"),
                ("name", "Jenny Rosen"),
                ("metadata[tier]", "gold"),
                ("address[country]", "FR"),
            ],
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert!(c.id().starts_with("cus_"));
    assert_eq!(c.body["address"]["country"], "FR");
    assert_fixture_shape("customer", &c.body);
    typed::<stripe_shared::Customer>(&c.body);
    m.post(
        "/v1/customers",
        &[("email", "other@example.com"), ("name", "Other")],
    )
    .await;
    let by_email = m
        .get("/v1/customers", &[("email", "jenny@example.com")])
        .await;
    assert_eq!(count(&by_email.body), 1);
    let search = m
        .get(
            "/v1/customers/search",
            &[("query", "email:'jenny@example.com'")],
        )
        .await;
    assert_eq!(search.body["object"], "search_result");
    assert_eq!(count(&search.body), 1);
    let search = m
        .get(
            "/v1/customers/search",
            &[("query", "metadata['tier']:'gold' AND name~'jen'")],
        )
        .await;
    assert_eq!(count(&search.body), 1, "{}", search.body);
    let updated = m
        .post(
            &format!("/v1/customers/{}", c.id()),
            &[("name", "Jenny R."), ("phone", "+33100000000")],
        )
        .await;
    assert_eq!(updated.body["name"], "Jenny R.");
    let ev = m.get("/v1/events", &[("type", "customer.updated")]).await;
    assert_eq!(
        ev.body["data"][0]["data"]["previous_attributes"]["name"],
        "Jenny Rosen"
    );

    // A customer's payments and charges are filterable.
    let paid = m.pay(1200, "pm_card_visa", &[("customer", &c.id())]).await;
    assert_eq!(paid.body["customer"], c.id().as_str());
    assert_eq!(
        count(
            &m.get("/v1/payment_intents", &[("customer", &c.id())])
                .await
                .body
        ),
        1
    );
    assert_eq!(
        count(&m.get("/v1/charges", &[("customer", &c.id())]).await.body),
        1
    );
    let unknown = m
        .pay(1200, "pm_card_visa", &[("customer", "cus_nope")])
        .await;
    assert_eq!(unknown.body["error"]["param"], "customer");

    let deleted =
        m.sb.request(
            reqwest::Method::DELETE,
            &format!("/v1/customers/{}", c.id()),
            m.sb.key(),
            Some(&m.acct),
            &[],
            &[],
        )
        .await;
    assert_eq!(
        deleted.body,
        serde_json::json!({ "id": c.id(), "object": "customer", "deleted": true })
    );
    let tomb = m.fetch(&format!("/v1/customers/{}", c.id())).await;
    assert_eq!(tomb["deleted"], true);
    assert_eq!(count(&m.get("/v1/customers", &[]).await.body), 1);
    let types = m.event_types().await;
    for t in ["customer.created", "customer.updated", "customer.deleted"] {
        assert!(types.iter().any(|x| x == t), "{t}");
    }
}

#[tokio::test]
async fn typed_async_stripe_client_end_to_end() {
    use stripe_checkout::checkout_session::{
        CreateCheckoutSession, CreateCheckoutSessionLineItems,
        CreateCheckoutSessionLineItemsPriceData, CreateCheckoutSessionPaymentIntentData,
        ProductData, RetrieveCheckoutSession,
    };
    use stripe_checkout::{CheckoutSessionMode, CheckoutSessionUiMode};
    use stripe_core::balance::RetrieveForMyAccountBalance;
    use stripe_core::balance_transaction::ListBalanceTransaction;
    use stripe_core::charge::ListCharge;
    use stripe_core::payment_intent::RetrievePaymentIntent;
    use stripe_core::refund::CreateRefund;

    let m = merchant().await;
    let client = stripe::ClientBuilder::new(m.sb.key())
        .url(m.sb.handle.url())
        .account_id(m.acct.as_str().into())
        .build()
        .expect("client");
    let mut price_data = CreateCheckoutSessionLineItemsPriceData::new(stripe_types::Currency::EUR);
    price_data.unit_amount = Some(1250);
    price_data.product_data = Some(ProductData::new("Croissant x12"));
    let mut li = CreateCheckoutSessionLineItems::new();
    li.price_data = Some(price_data);
    li.quantity = Some(2);
    let mut pid = CreateCheckoutSessionPaymentIntentData::new();
    pid.application_fee_amount = Some(125);
    let session = CreateCheckoutSession::new()
        .mode(CheckoutSessionMode::Payment)
        .ui_mode(CheckoutSessionUiMode::EmbeddedPage)
        .return_url("https://comptoir.example/return?cs={CHECKOUT_SESSION_ID}")
        .line_items(vec![li])
        .payment_intent_data(pid)
        .client_reference_id("order_42")
        .send(&client)
        .await
        .expect("session");
    assert_eq!(session.amount_total, Some(2500));
    assert!(session.client_secret.is_some());
    let done = m
        .complete(
            &serde_json::json!({ "id": session.id.as_str() }),
            &[("payment_method", "pm_card_visa")],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let session = RetrieveCheckoutSession::new(session.id.clone())
        .expand(vec!["line_items".to_owned()])
        .send(&client)
        .await
        .expect("retrieve");
    let pi_id = session
        .payment_intent
        .as_ref()
        .map(|p| p.id().as_str().to_owned())
        .unwrap_or_default();
    assert_eq!(session.line_items.as_ref().map(|l| l.data.len()), Some(1));
    let pi = RetrievePaymentIntent::new(pi_id.as_str())
        .send(&client)
        .await
        .expect("pi");
    assert_eq!(pi.amount_received, 2500);
    let charges = ListCharge::new()
        .payment_intent(pi_id.as_str())
        .send(&client)
        .await
        .expect("charges");
    assert_eq!(charges.data.len(), 1);
    let refund = CreateRefund::new()
        .payment_intent(pi_id.as_str())
        .amount(500)
        .send(&client)
        .await
        .expect("refund");
    assert_eq!(refund.amount, 500);
    let balance = RetrieveForMyAccountBalance::new()
        .send(&client)
        .await
        .expect("balance");
    assert_eq!(balance.available.len(), 1);
    let txns = ListBalanceTransaction::new()
        .limit(100)
        .send(&client)
        .await
        .expect("txns");
    assert_eq!(txns.data.len(), 2);
    let over = CreateRefund::new()
        .payment_intent(pi_id.as_str())
        .amount(5000)
        .customize()
        .send(&client)
        .await;
    match over {
        Err(stripe::StripeError::Stripe(e, status)) => {
            assert_eq!(status, 400);
            assert!(
                e.message
                    .unwrap_or_default()
                    .contains("greater than unrefunded")
            );
        }
        other => panic!("expected a 400, got {other:?}"),
    }
}
