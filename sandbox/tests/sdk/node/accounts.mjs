// stripe-node against the sandbox: connected accounts, account links and sessions, listing with
// auto-pagination, idempotent retries, payment method configurations, error classes.
import { Stripe, assert, check, client, done, env, platform, rejects } from './_common.mjs';

const stripe = client();
const me = await platform();
let account;

await check('create a connected account with controller properties', async () => {
  account = await stripe.accounts.create({
    country: 'US',
    email: 'node-merchant@example.com',
    controller: {
      fees: { payer: 'application' },
      losses: { payments: 'application' },
      requirement_collection: 'stripe',
      stripe_dashboard: { type: 'express' },
    },
    capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
    metadata: { source: 'stripe-node' },
  });
  assert.match(account.id, /^acct_/);
  assert.equal(account.object, 'account');
  assert.equal(account.type, 'express');
  assert.equal(account.controller.stripe_dashboard.type, 'express');
  // Stripe reports the Express pricing of an application-paid Express account.
  assert.equal(account.controller.fees.payer, 'application_express');
  assert.equal(account.metadata.source, 'stripe-node');
  assert.equal(account.capabilities.card_payments, 'inactive');
  assert.equal(account.lastResponse.statusCode, 200);
  assert.match(account.lastResponse.requestId, /^req_/);
});

await check('account link', async () => {
  const link = await stripe.accountLinks.create({
    account: account.id,
    refresh_url: 'https://platform.example/refresh',
    return_url: 'https://platform.example/return',
    type: 'account_onboarding',
  });
  assert.equal(link.object, 'account_link');
  assert.ok(link.url.startsWith(env.url), link.url);
  assert.ok(link.expires_at > link.created);
  const page = await fetch(link.url);
  assert.equal(page.status, 200);
});

await check('account session with components', async () => {
  const session = await stripe.accountSessions.create({
    account: account.id,
    components: {
      account_onboarding: { enabled: true, features: { external_account_collection: true } },
      payments: { enabled: true, features: { refund_management: true, dispute_management: true } },
      notification_banner: { enabled: true },
    },
  });
  assert.equal(session.object, 'account_session');
  assert.equal(session.account, account.id);
  assert.match(session.client_secret, /^accs_secret__/);
  assert.equal(session.components.account_onboarding.enabled, true);
  assert.equal(session.components.payments.features.refund_management, true);
  assert.equal(session.components.payouts.enabled, false);
});

await check('retrieve and update an account', async () => {
  const updated = await stripe.accounts.update(account.id, {
    business_profile: { url: 'https://node-merchant.example', mcc: '5734' },
    metadata: { source: '', tier: 'gold' },
  });
  assert.equal(updated.business_profile.url, 'https://node-merchant.example');
  assert.deepEqual(updated.metadata, { tier: 'gold' });
  const got = await stripe.accounts.retrieve(account.id);
  assert.equal(got.business_profile.mcc, '5734');
  const own = await stripe.accounts.retrieve();
  assert.equal(own.id, me.account_id);
});

await check('list accounts with auto-pagination over several pages', async () => {
  const created = [];
  for (let i = 0; i < 5; i += 1) {
    created.push((await stripe.accounts.create({ type: 'custom', country: 'US', capabilities: { transfers: { requested: true } } })).id);
  }
  const seen = [];
  await stripe.accounts.list({ limit: 2 }).autoPagingEach((a) => {
    seen.push(a.id);
  });
  for (const id of [...created, account.id]) assert.ok(seen.includes(id), `${id} listed`);
  assert.equal(new Set(seen).size, seen.length, 'no duplicates');
  const page = await stripe.accounts.list({ limit: 2 });
  assert.equal(page.object, 'list');
  assert.equal(page.has_more, true);
  assert.equal(page.data.length, 2);
  assert.equal(page.data[0].id, created[4], 'newest first');
  const arr = await stripe.accounts.list({ limit: 3 }).autoPagingToArray({ limit: 100 });
  assert.equal(arr.length, seen.length);
});

await check('same idempotency key twice returns the same account', async () => {
  const key = `node-idem-${Date.now()}`;
  const params = { type: 'custom', country: 'US', capabilities: { transfers: { requested: true } } };
  const first = await stripe.accounts.create(params, { idempotencyKey: key });
  const second = await stripe.accounts.create(params, { idempotencyKey: key });
  assert.equal(second.id, first.id);
  assert.equal(second.lastResponse.idempotencyKey, key);
  const err = await rejects(() => stripe.accounts.create({ ...params, country: 'FR' }, { idempotencyKey: key }));
  assert.ok(err instanceof Stripe.errors.StripeIdempotencyError, err.type);
  // Keys the SDK generates itself are echoed back too.
  const auto = await stripe.accounts.create(params);
  assert.match(auto.lastResponse.idempotencyKey, /^stripe-node-retry-/);
});

await check('payment method configurations through Stripe-Account', async () => {
  const parents = await stripe.paymentMethodConfigurations.list();
  assert.equal(parents.data.length, 1);
  const parent = parents.data[0];
  assert.equal(parent.is_default, true);
  const children = await stripe.paymentMethodConfigurations.list({}, { stripeAccount: account.id });
  assert.equal(children.data.length, 1);
  const child = children.data[0];
  assert.equal(child.parent, parent.id);
  assert.equal(child.application, me.client_id);
  assert.equal(children.lastResponse.stripeAccount, account.id);
  const updated = await stripe.paymentMethodConfigurations.update(
    child.id,
    { ideal: { display_preference: { preference: 'on' } } },
    { stripeAccount: account.id },
  );
  assert.equal(updated.ideal.display_preference.preference, 'on');
  assert.equal(updated.ideal.display_preference.value, 'on');
  const filtered = await stripe.paymentMethodConfigurations.list(
    { application: me.client_id, active: true },
    { stripeAccount: account.id },
  );
  assert.equal(filtered.data[0].id, child.id);
});

await check('error classes', async () => {
  const missing = await rejects(() => stripe.webhookEndpoints.retrieve('we_doesnotexist'));
  assert.ok(missing instanceof Stripe.errors.StripeInvalidRequestError, missing.type);
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.code, 'resource_missing');
  assert.match(missing.requestId, /^req_/);
  const badParam = await rejects(() => stripe.accountLinks.create({ account: account.id, type: 'account_onboarding' }));
  assert.ok(badParam instanceof Stripe.errors.StripeInvalidRequestError, badParam.type);
  assert.equal(badParam.code, 'parameter_missing');
  const unknown = await rejects(() => stripe.accounts.create({ type: 'custom', country: 'US', teleport: 'yes' }));
  assert.equal(unknown.code, 'parameter_unknown');
  assert.equal(unknown.param, 'teleport');
  const auth = await rejects(() => client('sk_test_bad').accounts.list());
  assert.ok(auth instanceof Stripe.errors.StripeAuthenticationError, auth.type);
  assert.equal(auth.statusCode, 401);
  const foreign = await rejects(() => stripe.accounts.retrieve('acct_1NotConnected00'));
  assert.ok(foreign instanceof Stripe.errors.StripePermissionError, foreign.type);
  assert.equal(foreign.statusCode, 403);
  const header = await rejects(() => stripe.balanceTransactions.list({}, { stripeAccount: 'acct_1NotConnected00' }));
  assert.ok(header instanceof Stripe.errors.StripePermissionError, header.type);
  const declined = await rejects(() =>
    stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method_types: ['card'], payment_method: 'pm_card_visa_chargeDeclined', confirm: true }),
  );
  assert.ok(declined instanceof Stripe.errors.StripeCardError, declined.type);
  assert.equal(declined.statusCode, 402);
  assert.equal(declined.code, 'card_declined');
  assert.equal(declined.decline_code, 'generic_decline');
  assert.match(declined.payment_intent.id, /^pi_/);
});

await check('null clears a field (stripe-node sends `key=`)', async () => {
  const a = await stripe.accounts.create({ type: 'custom', country: 'US', email: 'x@example.com', capabilities: { transfers: { requested: true } } });
  const cleared = await stripe.accounts.update(a.id, { email: null, metadata: { k: 'v' } });
  assert.equal(cleared.email, null);
  const unset = await stripe.accounts.update(a.id, { metadata: { k: null } });
  assert.deepEqual(unset.metadata, {});
});

await check('injected faults map to the right error classes and are never stored', async () => {
  const setFaults = async (body) => {
    const res = await fetch(`${env.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, await res.text());
  };
  const params = { type: 'custom', country: 'US', capabilities: { transfers: { requested: true } } };
  const key = `node-fault-${Date.now()}`;
  await setFaults({ rate_500: 1, path_prefix: '/v1/accounts' });
  try {
    // stripe-node does not read the body of a response it retries, so that socket lingers until
    // the client timeout (80 s by default) and keeps the process alive: a short one here.
    const retrying = client(env.key, { maxNetworkRetries: 1, timeout: 2000 });
    const err = await rejects(() => retrying.accounts.create(params, { idempotencyKey: key }));
    assert.ok(err instanceof Stripe.errors.StripeAPIError, err.type);
    assert.equal(err.statusCode, 500);
    await setFaults({ rate_429: 1, path_prefix: '/v1/accounts' });
    const limited = await rejects(() => stripe.accounts.list());
    assert.ok(limited instanceof Stripe.errors.StripeRateLimitError, limited.type);
    assert.equal(limited.statusCode, 429);
  } finally {
    await setFaults({});
  }
  const ok = await stripe.accounts.create(params, { idempotencyKey: key });
  assert.match(ok.id, /^acct_/);
});

await check('delete an account', async () => {
  const doomed = await stripe.accounts.create({ type: 'custom', country: 'US', capabilities: { transfers: { requested: true } } });
  const deleted = await stripe.accounts.del(doomed.id);
  assert.deepEqual({ id: deleted.id, deleted: deleted.deleted }, { id: doomed.id, deleted: true });
});

done();
