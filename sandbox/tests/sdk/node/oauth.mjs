// stripe-node's Connect OAuth helpers against the sandbox: authorize URL, token exchange, refresh,
// deauthorize, and the OAuth error classes.
import { Stripe, assert, check, client, consent, done, env, platform, rejects } from './_common.mjs';

const stripe = client();
const me = await platform();
stripe.setClientId(me.client_id);

/**
 * stripe-node builds `https://<host>/oauth/authorize?…` (no port, always https) once the host is
 * overridden, so the browser step goes to the sandbox's origin with the same path and query.
 */
function toSandbox(url) {
  const u = new URL(url);
  assert.equal(u.protocol, 'https:');
  return `${env.url}${u.pathname}${u.search}`;
}

let token;

await check('authorize URL and code exchange', async () => {
  const url = stripe.oauth.authorizeUrl({
    redirect_uri: 'https://platform.example/oauth/callback',
    state: 'csrf-123',
    stripe_user: { email: 'bistro@example.com', business_name: 'Node Bistro' },
  });
  const q = new URL(url).searchParams;
  assert.equal(q.get('client_id'), me.client_id);
  assert.equal(q.get('scope'), 'read_write');
  const back = await consent(toSandbox(url));
  assert.equal(back.get('state'), 'csrf-123');
  assert.equal(back.get('scope'), 'read_write');
  const code = back.get('code');
  assert.match(code, /^ac_/);
  token = await stripe.oauth.token({ grant_type: 'authorization_code', code });
  assert.match(token.access_token, /^sk_test_/);
  assert.match(token.refresh_token, /^rt_/);
  assert.match(token.stripe_user_id, /^acct_/);
  assert.match(token.stripe_publishable_key, /^pk_test_/);
  assert.equal(token.token_type, 'bearer');
  assert.equal(token.scope, 'read_write');
  assert.equal(token.livemode, false);
});

await check('the access token and Stripe-Account reach the connected account', async () => {
  const asMerchant = client(token.access_token);
  const acct = await asMerchant.accounts.retrieve();
  assert.equal(acct.id, token.stripe_user_id);
  const viaHeader = await stripe.accounts.retrieve(token.stripe_user_id);
  assert.equal(viaHeader.id, token.stripe_user_id);
  const pmcs = await asMerchant.paymentMethodConfigurations.list();
  assert.equal(pmcs.data[0].application, me.client_id);
});

await check('refresh token', async () => {
  const refreshed = await stripe.oauth.token({ grant_type: 'refresh_token', refresh_token: token.refresh_token });
  assert.match(refreshed.access_token, /^sk_test_/);
  assert.equal(refreshed.stripe_user_id, token.stripe_user_id);
  const acct = await client(refreshed.access_token).accounts.retrieve();
  assert.equal(acct.id, token.stripe_user_id);
});

await check('OAuth errors', async () => {
  const badGrant = await rejects(() => stripe.oauth.token({ grant_type: 'authorization_code', code: 'ac_unknown' }));
  assert.ok(badGrant instanceof Stripe.errors.StripeInvalidGrantError, badGrant.type);
  const badType = await rejects(() => stripe.oauth.token({ grant_type: 'password', code: 'x' }));
  assert.ok(badType instanceof Stripe.errors.StripeOAuthError, badType.type);
  const badClient = await rejects(() => client('sk_test_bad').oauth.token({ grant_type: 'authorization_code', code: 'ac_x' }));
  assert.ok(badClient instanceof Stripe.errors.StripeOAuthError || badClient instanceof Stripe.errors.StripeAuthenticationError, badClient.type);
});

await check('a reused code fails and revokes what it issued', async () => {
  const back = await consent(toSandbox(stripe.oauth.authorizeUrl({ redirect_uri: 'https://platform.example/cb' })));
  const code = back.get('code');
  const first = await stripe.oauth.token({ grant_type: 'authorization_code', code });
  const again = await rejects(() => stripe.oauth.token({ grant_type: 'authorization_code', code }));
  assert.ok(again instanceof Stripe.errors.StripeInvalidGrantError, again.type);
  const revoked = await rejects(() => client(first.access_token).accounts.retrieve());
  assert.ok(revoked instanceof Stripe.errors.StripeAuthenticationError, revoked.type);
});

await check('deauthorize revokes the connection', async () => {
  const res = await stripe.oauth.deauthorize({ stripe_user_id: token.stripe_user_id });
  assert.equal(res.stripe_user_id, token.stripe_user_id);
  const revoked = await rejects(() => client(token.access_token).accounts.retrieve());
  assert.ok(revoked instanceof Stripe.errors.StripeAuthenticationError, revoked.type);
  const header = await rejects(() => stripe.accounts.retrieve(token.stripe_user_id));
  assert.ok(header instanceof Stripe.errors.StripePermissionError, header.type);
  const twice = await rejects(() => stripe.oauth.deauthorize({ stripe_user_id: token.stripe_user_id }));
  assert.ok(twice instanceof Stripe.errors.StripeOAuthError, twice.type);
});

await check('Express OAuth creates an express account', async () => {
  const url = stripe.oauth.authorizeUrl({ redirect_uri: 'https://platform.example/oauth/callback' }, { express: true });
  assert.ok(new URL(url).pathname.startsWith('/express/oauth/authorize'), url);
  const back = await consent(toSandbox(url));
  const express = await stripe.oauth.token({ grant_type: 'authorization_code', code: back.get('code') });
  const acct = await stripe.accounts.retrieve(express.stripe_user_id);
  assert.equal(acct.type, 'express');
});

done();
