// stripe-node's webhook helpers against deliveries the sandbox signs: a receiver on 127.0.0.1, a
// Connect endpoint, an account update, and `stripe.webhooks.constructEvent` on the raw body.
import { Stripe, assert, check, client, done, receiver, rejects } from './_common.mjs';

const stripe = client();
const hook = await receiver();
let endpoint;
let account;
let delivery;

await check('register a Connect webhook endpoint', async () => {
  endpoint = await stripe.webhookEndpoints.create({
    url: hook.url,
    enabled_events: ['account.updated', 'account.application.deauthorized'],
    connect: true,
    description: 'stripe-node test',
  });
  assert.match(endpoint.id, /^we_/);
  assert.match(endpoint.secret, /^whsec_/);
  assert.equal(endpoint.status, 'enabled');
  const listed = await stripe.webhookEndpoints.list();
  assert.ok(listed.data.some((e) => e.id === endpoint.id));
  const got = await stripe.webhookEndpoints.retrieve(endpoint.id);
  assert.equal(got.secret, undefined, 'the secret is only shown at creation');
});

await check('an account update is delivered, signed, and verifies with constructEvent', async () => {
  account = await stripe.accounts.create({ type: 'custom', country: 'US', capabilities: { transfers: { requested: true } } });
  await stripe.accounts.update(account.id, { metadata: { plan: 'pro' } });
  delivery = await hook.waitFor((h) => {
    const body = JSON.parse(h.body.toString('utf8'));
    return body.type === 'account.updated' && body.account === account.id;
  }, 'account.updated delivery');
  const header = delivery.headers['stripe-signature'];
  assert.match(header, /^t=\d+,v1=[0-9a-f]{64}/);
  const event = stripe.webhooks.constructEvent(delivery.body, header, endpoint.secret);
  assert.equal(event.type, 'account.updated');
  assert.equal(event.account, account.id);
  assert.equal(event.data.object.id, account.id);
  assert.equal(event.data.object.metadata.plan, 'pro');
  assert.deepEqual(event.data.previous_attributes.metadata, { plan: null });
  assert.equal(event.livemode, false);
  const asString = await stripe.webhooks.constructEventAsync(delivery.body.toString('utf8'), header, endpoint.secret);
  assert.equal(asString.id, event.id);
  // The event can be fetched back on the connected account.
  const fetched = await stripe.events.retrieve(event.id, {}, { stripeAccount: account.id });
  assert.equal(fetched.type, 'account.updated');
  const listed = await stripe.events.list({ type: 'account.updated' }, { stripeAccount: account.id });
  assert.ok(listed.data.some((e) => e.id === event.id));
});

await check('tampered payloads and wrong secrets are rejected', async () => {
  const header = delivery.headers['stripe-signature'];
  const tampered = delivery.body.toString('utf8').replace('"pro"', '"free"');
  const bad = await rejects(async () => stripe.webhooks.constructEvent(tampered, header, endpoint.secret));
  assert.ok(bad instanceof Stripe.errors.StripeSignatureVerificationError, bad.type);
  const wrong = await rejects(async () => stripe.webhooks.constructEvent(delivery.body, header, 'whsec_wrong'));
  assert.ok(wrong instanceof Stripe.errors.StripeSignatureVerificationError, wrong.type);
  // A header the SDK generates for the same secret verifies too (same scheme as the sandbox's).
  const own = stripe.webhooks.generateTestHeaderString({ payload: tampered, secret: endpoint.secret });
  assert.equal(stripe.webhooks.constructEvent(tampered, own, endpoint.secret).type, 'account.updated');
});

await check('update and delete the endpoint', async () => {
  const disabled = await stripe.webhookEndpoints.update(endpoint.id, { disabled: true });
  assert.equal(disabled.status, 'disabled');
  const deleted = await stripe.webhookEndpoints.del(endpoint.id);
  assert.equal(deleted.deleted, true);
  assert.equal(deleted.id, endpoint.id);
});

await hook.close();
done();
