// Shared helpers for the stripe-node scripts. Each script is run by `tests/it/sdk.rs` with:
//   SANDBOX_URL         http://127.0.0.1:PORT (the sandbox)
//   SANDBOX_SECRET_KEY  a platform's sk_test_ key
//   NODE_PATH           end2end/node_modules (where the `stripe` package is installed)
// ESM `import` ignores NODE_PATH, so the package is loaded through a CommonJS require.
import { createRequire } from 'node:module';
import http from 'node:http';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
export const Stripe = require('stripe');
export { assert };

const base = new URL(process.env.SANDBOX_URL ?? '');
export const env = {
  url: base.origin,
  host: base.hostname,
  port: Number(base.port),
  key: process.env.SANDBOX_SECRET_KEY ?? '',
};
assert.ok(env.port > 0 && env.key.startsWith('sk_test_'), 'SANDBOX_URL and SANDBOX_SECRET_KEY must be set');

/** A client configured the way a user points stripe-node at another host. */
export function client(key = env.key, extra = {}) {
  return new Stripe(key, {
    host: env.host,
    port: env.port,
    protocol: 'http',
    telemetry: false,
    maxNetworkRetries: 0,
    ...extra,
  });
}

/** The platform behind SANDBOX_SECRET_KEY (sandbox-only endpoint): account id and client id. */
export async function platform() {
  const res = await fetch(`${env.url}/_sandbox/platform`, {
    headers: { authorization: `Bearer ${env.key}` },
  });
  assert.equal(res.status, 200);
  return res.json();
}

/** Calls `fn` and returns the error it throws (fails if it does not throw). */
export async function rejects(fn) {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected the call to fail');
}

let failures = 0;
/** Runs one named check, printing its outcome; failures are counted, not fatal. */
export async function check(name, fn) {
  // SDK_ONLY=<text> runs only the checks whose name contains it (debugging).
  if (process.env.SDK_ONLY && !name.includes(process.env.SDK_ONLY)) return;
  const started = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    failures += 1;
    console.log(`FAIL ${name}`);
    console.log(err?.stack ?? err);
    if (err?.raw) console.log('raw:', JSON.stringify(err.raw));
  }
}

/** Exits non-zero when a check failed. */
export function done() {
  if (failures > 0) {
    console.log(`${failures} check(s) failed`);
    process.exit(1);
  }
  console.log('all checks passed');
}

/**
 * What the merchant's browser does between the platform's authorize URL and its redirect_uri:
 * opens the consent page, approves, and follows the redirect. Returns the query of the redirect.
 */
export async function consent(authorizeUrl) {
  const page = await fetch(authorizeUrl);
  assert.equal(page.status, 200, `consent page: ${page.status}`);
  const html = await page.text();
  const request = /name="request" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(request, 'consent page has a request id');
  const res = await fetch(`${env.url}/oauth/authorize/decision`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      request,
      decision: 'approve',
      account: 'new',
      business_name: 'Node Bistro',
      email: 'bistro@example.com',
      country: 'FR',
    }),
  });
  const location = res.headers.get('location');
  assert.ok(location, `decision redirects (status ${res.status})`);
  return new URL(location).searchParams;
}

/** A webhook receiver on 127.0.0.1:0 keeping raw bodies and headers. */
export async function receiver() {
  const hits = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      hits.push({ body: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"received":true}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    hits,
    async waitFor(predicate, what, timeoutMs = 10000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = hits.find(predicate);
        if (hit) return hit;
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
