// stripe-node: payment method configurations decide what a Checkout Session on a connected account
// offers. The platform's parent defaults (sandbox endpoint: Dashboard-only on Stripe), the
// account's child preferences (API), blocked methods, and `payment_method_configuration`.
import { Stripe, assert, check, client, done, env, platform, rejects } from './_common.mjs';

const stripe = client();
const me = await platform();

async function setDefaults(body) {
  const res = await fetch(`${env.url}/_sandbox/payment_method_configurations/defaults`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

const account = await stripe.accounts.create({
  type: 'custom',
  country: 'FR',
  business_type: 'individual',
  capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
  business_profile: { mcc: '5812', url: 'https://boulangerie.example' },
  individual: {
    first_name: 'Camille', last_name: 'Martin', email: 'camille@example.com', phone: '0000000000',
    dob: { day: 1, month: 1, year: 1901 }, id_number: '000000000',
    address: { line1: 'address_full_match', city: 'Paris', postal_code: '75001' },
  },
  external_account: { object: 'bank_account', country: 'FR', currency: 'eur', account_number: 'FR1420041010050500013M02606' },
  tos_acceptance: { date: 1700000000, ip: '127.0.0.1' },
});
const opts = { stripeAccount: account.id };

const session = (extra = {}) =>
  stripe.checkout.sessions.create(
    {
      mode: 'payment',
      success_url: 'https://boulangerie.example/ok',
      line_items: [{ price_data: { currency: 'eur', unit_amount: 450, product_data: { name: 'Baguette' } }, quantity: 2 }],
      ...extra,
    },
    opts,
  );

let child;
let parent;

await check('the account starts with the fixture defaults (card only)', async () => {
  assert.equal(account.charges_enabled, true, JSON.stringify(account.requirements));
  parent = (await stripe.paymentMethodConfigurations.list()).data[0];
  child = (await stripe.paymentMethodConfigurations.list({}, opts)).data[0];
  assert.equal(child.parent, parent.id);
  assert.equal(child.card.available, true);
  assert.equal(child.sepa_debit.display_preference.value, 'off');
  const cs = await session();
  assert.deepEqual(cs.payment_method_types, ['card']);
  assert.deepEqual(cs.payment_method_configuration_details, { id: child.id, parent: parent.id });
});

await check('parent defaults flow into new sessions', async () => {
  await setDefaults({ sepa_debit: 'on_by_default', ideal: 'off_by_default', klarna: 'blocked' });
  const c = await stripe.paymentMethodConfigurations.retrieve(child.id, {}, opts);
  assert.deepEqual(c.sepa_debit.display_preference, { overridable: true, preference: 'none', value: 'on' });
  assert.deepEqual(c.klarna.display_preference, { overridable: false, preference: 'none', value: 'off' });
  const cs = await session();
  assert.deepEqual(cs.payment_method_types, ['card', 'sepa_debit']);
  // A USD session leaves the euro-only methods out.
  const usd = await stripe.checkout.sessions.create(
    {
      mode: 'payment',
      success_url: 'https://boulangerie.example/ok',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 450, product_data: { name: 'Bagel' } }, quantity: 1 }],
    },
    opts,
  );
  assert.deepEqual(usd.payment_method_types, ['card']);
});

await check('the account turns methods on and off within what is allowed', async () => {
  const updated = await stripe.paymentMethodConfigurations.update(
    child.id,
    { sepa_debit: { display_preference: { preference: 'off' } }, ideal: { display_preference: { preference: 'on' } } },
    opts,
  );
  assert.equal(updated.sepa_debit.display_preference.value, 'off');
  assert.equal(updated.ideal.available, true);
  const cs = await session();
  assert.deepEqual(cs.payment_method_types, ['card', 'ideal']);
  const blocked = await rejects(() =>
    stripe.paymentMethodConfigurations.update(child.id, { klarna: { display_preference: { preference: 'on' } } }, opts),
  );
  assert.ok(blocked instanceof Stripe.errors.StripeInvalidRequestError, blocked.type);
  assert.equal(blocked.param, 'klarna[display_preference][preference]');
});

await check('payment_method_configuration: a parent id resolves to the account child', async () => {
  const cs = await session({ payment_method_configuration: parent.id });
  assert.deepEqual(cs.payment_method_configuration_details, { id: child.id, parent: parent.id });
  assert.deepEqual(cs.payment_method_types, ['card', 'ideal']);
  const unknown = await rejects(() => session({ payment_method_configuration: 'pmc_unknown' }));
  assert.ok(unknown instanceof Stripe.errors.StripeInvalidRequestError, unknown.type);
  // Explicit types bypass configurations.
  const explicit = await session({ payment_method_types: ['card', 'sepa_debit'] });
  assert.deepEqual(explicit.payment_method_types, ['card', 'sepa_debit']);
  assert.equal(explicit.payment_method_configuration_details, null);
});

await check('another platform does not see this child', async () => {
  const other = await (await fetch(`${env.url}/_sandbox/platforms`, { method: 'POST', body: '{"name":"Other"}' })).json();
  const theirs = client(other.secret_key);
  const err = await rejects(() => theirs.paymentMethodConfigurations.retrieve(child.id));
  assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError, err.type);
  assert.equal(err.statusCode, 404);
  assert.notEqual((await theirs.paymentMethodConfigurations.list()).data[0].id, parent.id);
  assert.notEqual(me.client_id, other.client_id);
});

done();
