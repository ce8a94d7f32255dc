// Time from page load to the payments widget's first rows, with 10k payments mirrored.
//
// A Comptoir server runs on keys against a separate `comptoir sandbox` (exactly as it would
// against Stripe), a shop is onboarded, the sandbox seeds `WIDGET_BENCH_PAYMENTS` (10000) card
// payments on its account, and Comptoir's mirror backfills them. Then a host page on another
// origin loads the loader, the WASM and the payments widget in a fresh browser context (cold
// HTTP cache) `WIDGET_BENCH_RUNS` (7) times; each run reports, from the Performance timeline,
// when the first row was on screen and what the page had fetched by then.
import { spawn, type ChildProcess } from "node:child_process";
import { request as playwrightRequest } from "@playwright/test";
import { expect, test } from "@playwright/test";
import { adminClient, allowOrigin, createApiKey } from "../support/embed";
import { startHost } from "../support/host";
import { createShop } from "../support/merchant";
import { startServer } from "../support/server";

const PAYMENTS = Number(process.env.WIDGET_BENCH_PAYMENTS ?? 10_000);
const RUNS = Number(process.env.WIDGET_BENCH_RUNS ?? 7);

interface Sandbox {
  url: string;
  secretKey: string;
  publishableKey: string;
  clientId: string;
  process: ChildProcess;
}

async function startSandbox(): Promise<Sandbox> {
  const child = spawn(process.env.COMPTOIR_BIN!, ["sandbox", "--addr", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "inherit"] });
  let seen = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the sandbox did not start")), 30_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const url = seen.match(/listening at (http:\/\/\S+)/)?.[1];
      const secretKey = seen.match(/secret key:\s+(\S+)/)?.[1];
      const publishableKey = seen.match(/publishable key:\s+(\S+)/)?.[1];
      const clientId = seen.match(/Connect client:\s+(\S+)/)?.[1];
      if (url && secretKey && publishableKey && clientId) {
        clearTimeout(timer);
        resolve({ url, secretKey, publishableKey, clientId, process: child });
      }
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * p))];
}

test("payments widget: page load to first rows with 10k payments mirrored", async ({ browser }) => {
  const sandbox = await startSandbox();
  const server = await startServer({
    STRIPE_SECRET_KEY: sandbox.secretKey,
    STRIPE_PUBLISHABLE_KEY: sandbox.publishableKey,
    STRIPE_CLIENT_ID: sandbox.clientId,
    COMPTOIR_STRIPE_API_BASE: sandbox.url,
    COMPTOIR_STRIPE_CONNECT_BASE: sandbox.url,
    COMPTOIR_LOG: "warn",
  });
  try {
    const shop = await createShop(server.url, "Boulangerie Bench");
    const account = (await (await shop.api.post("/api/merchant/overview")).json()).stripe_account_id as string;

    const stripe = await playwrightRequest.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${sandbox.secretKey}` } });
    const seedStarted = Date.now();
    for (let seeded = 0; seeded < PAYMENTS; seeded += 5000) {
      const seed = await stripe.post(new URL("_sandbox/seed/charges", sandbox.url).href, {
        data: { account, count: Math.min(5000, PAYMENTS - seeded), customers: 500, refund_every: 10, dispute_every: 97 },
        timeout: 600_000,
      });
      expect(seed.ok(), await seed.text()).toBeTruthy();
    }
    const seedSecs = (Date.now() - seedStarted) / 1000;

    const admin = await adminClient(server.url);
    const backfillStarted = Date.now();
    const requested = await admin.post("/api/admin/sync/request", { form: { account, full: "true" } });
    expect(requested.ok(), await requested.text()).toBeTruthy();
    let mirrored = 0;
    await expect
      .poll(
        async () => {
          const status = await (await admin.post("/api/admin/sync")).json();
          const row = status.accounts.find((a) => a.account_id === account);
          mirrored = row?.counts.find(([kind]) => kind === "charges")?.[1] ?? 0;
          return !row?.running && mirrored >= PAYMENTS;
        },
        { timeout: 600_000, intervals: [1000] },
      )
      .toBe(true);
    const backfillSecs = (Date.now() - backfillStarted) / 1000;

    const apiKey = await createApiKey(admin, "bench");
    const host = await startHost(server.url, apiKey);
    await allowOrigin(admin, host.url);
    host.session = { account, components: { payments: { enabled: true, features: { refund_management: true } } } };

    const runs: Array<{ firstRows: number; wasmKb: number }> = [];
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${host.url}/plain/?tags=payments`);
      await expect(page.locator("comptoir-payments").getByTestId("payment-row").first()).toBeVisible({ timeout: 60_000 });
      // When the first row appeared, measured in the page: a MutationObserver is too late to
      // install here, so read the time the row's element reports it was rendered at.
      const timing = await page.evaluate(() => {
        const resources = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
        const wasm = resources.find((r) => r.name.endsWith(".wasm"));
        return { marks: performance.getEntriesByName("comptoir:first-rows"), wasmBytes: wasm?.encodedBodySize ?? 0 };
      });
      const mark = timing.marks[0] as PerformanceEntry | undefined;
      expect(mark, "the payments widget marks its first rows in the Performance timeline").toBeTruthy();
      runs.push({ firstRows: mark!.startTime, wasmKb: timing.wasmBytes / 1024 });
      await context.close();
    }
    const sorted = runs.map((r) => r.firstRows).sort((a, b) => a - b);
    console.log(`\nWidget first rows, ${PAYMENTS} payments mirrored (${RUNS} cold loads):`);
    console.log(`  sandbox seed: ${seedSecs.toFixed(1)} s; backfill of ${mirrored} charges and their objects: ${backfillSecs.toFixed(1)} s`);
    console.log(`  WASM transferred: ${runs[0].wasmKb.toFixed(0)} KiB (compressed)`);
    console.log(`  page load → first rows: p50 ${percentile(sorted, 0.5).toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms`);
    await host.close();
    await shop.api.dispose();
    await admin.dispose();
    await stripe.dispose();
  } finally {
    await server.stop();
    sandbox.process.kill("SIGINT");
  }
});
