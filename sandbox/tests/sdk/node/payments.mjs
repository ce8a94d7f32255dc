// stripe-node against the sandbox's payments family: a direct charge through Checkout on a
// connected account (completed by the test helper), payment intents with test tokens, card
// errors, refunds, manual capture, disputes, balance, payouts, auto-pagination.
import { Stripe, assert, check, client, done, env } from './_common.mjs';

const stripe = client();

const account = await stripe.accounts.create({
  type: 'custom',
  country: 'US',
  business_type: 'individual',
  capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
  business_profile: { mcc: '5734', url: 'https://node-shop.example' },
  individual: {
    first_name: 'Jenny', last_name: 'Rosen', email: 'jenny@example.com', phone: '0000000000',
    dob: { day: 1, month: 1, year: 1901 }, id_number: '000000000',
    address: { line1: 'address_full_match', city: 'San Francisco', state: 'CA', postal_code: '94111' },
  },
  external_account: 'btok_us_verified',
  tos_acceptance: { date: 1700000000, ip: '127.0.0.1' },
});
const opts = { stripeAccount: account.id };

/** The test helper, called the way a test would with raw HTTP (no SDK method exists). */
async function completeSession(id, form) {
  const res = await fetch(`${env.url}/v1/test_helpers/checkout/sessions/${id}/complete`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${env.key}`,
      'stripe-account': account.id,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: await res.json() };
}

await check('checkout session direct charge with an application fee', async () => {
  assert.equal(account.charges_enabled, true);
  const session = await stripe.checkout.sessions.create(
    {
      mode: 'payment',
      ui_mode: 'embedded_page',
      return_url: 'https://node-shop.example/return?session_id={CHECKOUT_SESSION_ID}',
      line_items: [
        { price_data: { currency: 'eur', unit_amount: 1250, product_data: { name: 'Croissant' } }, quantity: 2 },
      ],
      payment_intent_data: { application_fee_amount: 200, metadata: { order: '42' } },
    },
    opts,
  );
  assert.match(session.id, /^cs_test_/);
  assert.match(session.client_secret, /_secret_/);
  assert.equal(session.url, null);
  assert.equal(session.amount_total, 2500);
  const done = await completeSession(session.id, { payment_method: 'pm_card_visa' });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items', 'payment_intent'] }, opts);
  assert.equal(paid.status, 'complete');
  assert.equal(paid.payment_status, 'paid');
  assert.equal(paid.line_items.data[0].quantity, 2);
  assert.equal(paid.payment_intent.metadata.order, '42');
  const charge = await stripe.charges.retrieve(paid.payment_intent.latest_charge, { expand: ['balance_transaction'] }, opts);
  assert.equal(charge.application_fee_amount, 200);
  const feeTypes = charge.balance_transaction.fee_details.map((f) => f.type);
  assert.deepEqual(feeTypes, ['stripe_fee', 'application_fee']);
  const fee = await stripe.applicationFees.retrieve(charge.application_fee);
  assert.equal(fee.account, account.id);
  const items = await stripe.checkout.sessions.listLineItems(session.id, {}, opts);
  assert.equal(items.data.length, 1);
});

await check('card errors are StripeCardError with the payment intent', async () => {
  const err = await stripe.paymentIntents
    .create(
      { amount: 1000, currency: 'usd', payment_method_types: ['card'], payment_method: 'pm_card_chargeDeclinedInsufficientFunds', confirm: true },
      opts,
    )
    .then(() => assert.fail('should decline'), (e) => e);
  assert.ok(err instanceof Stripe.errors.StripeCardError, err.constructor.name);
  assert.equal(err.code, 'card_declined');
  assert.equal(err.decline_code, 'insufficient_funds');
  assert.equal(err.statusCode, 402);
  assert.equal(err.payment_intent.status, 'requires_payment_method');
});

await check('refunds, captures and cancels', async () => {
  const pi = await stripe.paymentIntents.create(
    { amount: 5000, currency: 'usd', payment_method_types: ['card'], payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual' },
    opts,
  );
  assert.equal(pi.status, 'requires_capture');
  const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 4000 }, opts);
  assert.equal(captured.amount_received, 4000);
  const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 1000 }, opts);
  assert.equal(refund.status, 'succeeded');
  const over = await stripe.refunds.create({ payment_intent: pi.id, amount: 5000 }, opts).then(
    () => assert.fail('should fail'),
    (e) => e,
  );
  assert.ok(over instanceof Stripe.errors.StripeInvalidRequestError);
  assert.equal(over.code, 'amount_too_large');
  const fresh = await stripe.paymentIntents.create({ amount: 700, currency: 'usd', payment_method_types: ['card'] }, opts);
  const canceled = await stripe.paymentIntents.cancel(fresh.id, {}, opts);
  assert.equal(canceled.status, 'canceled');
});

await check('disputes: submit winning evidence', async () => {
  const pi = await stripe.paymentIntents.create(
    { amount: 3000, currency: 'usd', payment_method_types: ['card'], payment_method: 'pm_card_createDispute', confirm: true },
    opts,
  );
  const disputes = await stripe.disputes.list({ payment_intent: pi.id }, opts);
  assert.equal(disputes.data.length, 1);
  const dispute = await stripe.disputes.update(
    disputes.data[0].id,
    { evidence: { uncategorized_text: 'winning_evidence' }, submit: true },
    opts,
  );
  assert.equal(dispute.status, 'under_review');
});

await check('balance, payouts and auto-pagination of balance transactions', async () => {
  await stripe.paymentIntents.create(
    { amount: 20000, currency: 'usd', payment_method_types: ['card'], payment_method: 'pm_card_bypassPending', confirm: true },
    opts,
  );
  const balance = await stripe.balance.retrieve({}, opts);
  assert.equal(balance.object, 'balance');
  const usd = balance.available.find((b) => b.currency === 'usd');
  assert.ok(usd.amount > 0, JSON.stringify(balance.available));
  const payout = await stripe.payouts.create({ amount: 1000, currency: 'usd' }, opts);
  assert.equal(payout.status, 'pending');
  const poor = await stripe.payouts.create({ amount: 100000000, currency: 'usd' }, opts).then(
    () => assert.fail('should fail'),
    (e) => e,
  );
  assert.equal(poor.code, 'balance_insufficient');
  let n = 0;
  for await (const txn of stripe.balanceTransactions.list({ limit: 2 }, opts)) {
    assert.equal(txn.object, 'balance_transaction');
    n += 1;
  }
  const all = await stripe.balanceTransactions.list({ limit: 100 }, opts);
  assert.equal(n, all.data.length);
  assert.ok(n > 4);
});

await check('customers, products and prices', async () => {
  const customer = await stripe.customers.create({ email: 'buyer@example.com', name: 'Buyer' }, opts);
  const found = await stripe.customers.search({ query: "email:'buyer@example.com'" }, opts);
  assert.equal(found.data[0].id, customer.id);
  const product = await stripe.products.create({ name: 'Box', default_price_data: { currency: 'usd', unit_amount: 999 } }, opts);
  const price = await stripe.prices.retrieve(product.default_price, {}, opts);
  assert.equal(price.unit_amount, 999);
  const deleted = await stripe.customers.del(customer.id, {}, opts);
  assert.equal(deleted.deleted, true);
});

done();
