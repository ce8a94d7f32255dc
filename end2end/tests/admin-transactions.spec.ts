// The platform admin's view of the commerce mirror: transactions across merchants with search
// and filters, the CSV export of a filter, a customer's page, the revenue chart (drawn on the
// server, so it reads without JavaScript) and the sync status.
import { readFileSync } from "node:fs";
import { type APIRequestContext, type Page, request as playwrightRequest } from "@playwright/test";
import { expect, hydrated, test, uniqueEmail } from "../support/fixtures";
import { createShop, type Shop } from "../support/merchant";
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "../support/server";

const VISA = "4242424242424242";
const DISPUTE = "4000000000000259";

interface Purchase {
  orderId: string;
  session: string;
}

let bakery: Shop;
let florist: Shop;
let bakeryAccount: string;
let floristAccount: string;
const ann = uniqueEmail("ann");
const bob = uniqueEmail("bob");
const carl = uniqueEmail("carl");
const purchases: Record<string, Purchase> = {};

/** Buys croissants at `shop` and pays on the sandbox's hosted page by posting its form. */
async function buy(shop: Shop, quantity: number, email: string, card = VISA): Promise<Purchase> {
  const products = await (await shop.api.post("/api/merchant/products")).json();
  const croissant = products.find((p) => p.name === "Croissant");
  const started = await shop.api.post("/api/shop/checkout", {
    form: {
      slug: shop.slug,
      embedded: "false",
      email,
      "lines[0][product_id]": croissant.id,
      "lines[0][quantity]": String(quantity),
    },
  });
  expect(started.ok(), await started.text()).toBeTruthy();
  const url: string = (await started.json()).Redirect.url;
  const session = url.match(/cs_test_\w+/)![0];
  const customer = await playwrightRequest.newContext();
  const paid = await customer.post(url, {
    form: {
      email,
      method: "card",
      card_number: card,
      card_expiry: "12 / 34",
      card_cvc: "123",
      cardholder_name: "Camille Client",
      billing_country: "FR",
      action: "pay",
    },
    maxRedirects: 0,
  });
  expect(paid.status(), await paid.text()).toBe(303);
  await customer.dispose();
  const orderId = new URL(paid.headers()["location"]).pathname.split("/").pop()!;
  return { orderId, session };
}

async function adminApi(baseURL: string): Promise<APIRequestContext> {
  const api = await playwrightRequest.newContext({
    baseURL,
    extraHTTPHeaders: { Origin: baseURL, "Sec-Fetch-Site": "same-origin" },
  });
  const login = await api.post("/api/log_in", { form: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  expect(login.ok()).toBeTruthy();
  return api;
}

async function logInAsAdmin(page: Page) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("admin-home")).toBeVisible();
}

test.beforeAll(async ({ baseURL }) => {
  bakery = await createShop(baseURL!, "Boulangerie Miroir");
  florist = await createShop(baseURL!, "Fleurs Miroir");
  bakeryAccount = (await (await bakery.api.post("/api/merchant/overview")).json()).stripe_account_id;
  floristAccount = (await (await florist.api.post("/api/merchant/overview")).json()).stripe_account_id;
  purchases.annBakery = await buy(bakery, 2, ann);
  purchases.bob = await buy(bakery, 5, bob);
  purchases.annFlorist = await buy(florist, 3, ann);
  purchases.carl = await buy(florist, 1, carl, DISPUTE);
  // The webhooks fill the mirror; wait until the admin sees all four, the dispute included.
  const admin = await adminApi(baseURL!);
  await expect
    .poll(
      async () => {
        const page = await (await admin.post("/api/admin/transactions", { form: { "filter[merchant]": floristAccount } })).json();
        const bakeryPage = await (await admin.post("/api/admin/transactions", { form: { "filter[merchant]": bakeryAccount } })).json();
        return [...page.rows, ...bakeryPage.rows].map((r) => r.status).sort().join(",");
      },
      { timeout: 30_000 },
    )
    .toBe("disputed,successful,successful,successful");
  await admin.dispose();
});

test.afterAll(async () => {
  await bakery.api.dispose();
  await florist.api.dispose();
});

test("the admin finds payments by customer email and by every kind of payment id", async ({ page }) => {
  await logInAsAdmin(page);
  await page.getByRole("link", { name: "See transactions" }).click();
  await expect(page).toHaveURL(/\/admin\/transactions$/);
  await hydrated(page);

  await page.getByTestId("search").fill(ann.toUpperCase());
  await page.getByTestId("apply-filters").click();
  await expect(page).toHaveURL(/q=/);
  const rows = page.getByTestId("transaction");
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText(ann);
  await expect(page.getByTestId("transactions")).toContainText("Boulangerie Miroir");
  await expect(page.getByTestId("transactions")).toContainText("Fleurs Miroir");

  // The florist's payment, by its Checkout Session id…
  await page.getByTestId("search").fill(purchases.annFlorist.session);
  await page.getByTestId("apply-filters").click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Fleurs Miroir");
  await expect(rows.first()).toContainText("€3.60");
  const paymentId = await rows.first().getAttribute("data-id");
  expect(paymentId).toMatch(/^pi_/);

  // …its payment intent id, and the charge id its detail page shows.
  await page.getByTestId("search").fill(paymentId!);
  await page.getByTestId("apply-filters").click();
  await expect(rows).toHaveCount(1);
  await rows.first().getByRole("link", { name: paymentId! }).click();
  await expect(page.getByTestId("payment")).toContainText("Successful");
  const chargeId = (await page.getByTestId("payment-objects").locator("td.mono", { hasText: /^ch_/ }).first().textContent())!;
  expect(chargeId).toMatch(/^ch_\w+$/);
  await page.goto(`/admin/transactions?q=${chargeId}`);
  await expect(page.getByTestId("transaction")).toHaveCount(1);
  await expect(page.getByTestId("transaction").first()).toHaveAttribute("data-id", paymentId!);

  await page.goto("/admin/transactions?q=pi_doesnotexist");
  await expect(page.getByTestId("no-results")).toContainText("No payment has the id pi_doesnotexist.");
  await page.goto("/admin/transactions?q=croissant");
  await expect(page.getByRole("alert")).toContainText("Search by a payment id");
});

test("filters by merchant and status, and the CSV export follows the filter", async ({ page }) => {
  await logInAsAdmin(page);
  await page.goto("/admin/transactions");
  await hydrated(page);
  await page.getByTestId("merchant-filter").selectOption({ label: "Fleurs Miroir" });
  await page.getByTestId("status-filter").selectOption("disputed");
  await page.getByTestId("apply-filters").click();
  const rows = page.getByTestId("transaction");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-status", "disputed");
  await expect(rows.first()).toContainText(carl);
  await expect(page.getByTestId("merchant-filter")).toHaveValue(floristAccount);

  const download = page.waitForEvent("download");
  await page.getByTestId("export-csv").click();
  const file = await download;
  const csv = readFileSync((await file.path())!, "utf8").trim().split("\r\n");
  expect(csv[0]).toContain("payment_id");
  expect(csv).toHaveLength(2);
  expect(csv[1]).toContain(carl);
  expect(csv[1]).toContain(",disputed,card");

  // Today, in the date range: the bakery has two payments; before 2020, none.
  const today = new Date().toISOString().slice(0, 10);
  await page.goto(`/admin/transactions?merchant=${bakeryAccount}&from=${today}&to=${today}`);
  await expect(rows).toHaveCount(2);
  await page.goto(`/admin/transactions?merchant=${bakeryAccount}&to=2020-01-01`);
  await expect(page.getByTestId("no-results")).toBeVisible();
});

test("a customer's page lists their payments across merchants", async ({ page }) => {
  await logInAsAdmin(page);
  await page.goto(`/admin/transactions?q=${encodeURIComponent(ann)}`);
  await hydrated(page);
  await page.getByTestId("transaction").first().getByRole("link", { name: ann }).click();
  await expect(page).toHaveURL(/\/admin\/customer\?email=/);
  const customer = page.getByTestId("customer");
  await expect(customer).toContainText(ann);
  await expect(customer).toContainText("Paid 2 merchants");
  // 2 and 3 croissants at 1.20 €.
  await expect(page.getByTestId("customer-spent")).toContainText("€6.00");
  await expect(page.getByTestId("transaction")).toHaveCount(2);
});

test("the revenue chart is drawn on the server and reads without JavaScript", async ({ page, browser, baseURL }) => {
  await logInAsAdmin(page);
  const noScript = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const plain = await noScript.newPage();
  const today = new Date().toISOString().slice(0, 10);
  await plain.goto(`${baseURL}/admin/revenue?merchant=${floristAccount}`);
  const chart = plain.getByTestId("revenue-chart");
  await expect(chart).toBeVisible();
  // 30 days by default; today's bar holds the florist's 3 + 1 croissants.
  await expect(chart.locator("g.day")).toHaveCount(30);
  const day = chart.locator(`g.day[data-day="${today}"]`);
  await expect(day).toHaveAttribute("data-gross", "480");
  await expect(day.locator("title")).toHaveText(/: €4\.80 gross volume, €0\.\d\d application fees, 2 payments$/);
  await expect(plain.getByTestId("total-gross")).toContainText("€4.80");
  await expect(plain.getByTestId("merchant-revenue")).toContainText("Fleurs Miroir");
  // The range form is a plain GET form.
  await plain.getByTestId("from").fill(today);
  await plain.getByTestId("to").fill(today);
  await plain.getByTestId("apply-range").click();
  await expect(plain.getByTestId("revenue-chart").locator("g.day")).toHaveCount(1);
  await noScript.close();

  // With JavaScript, across merchants: both shops, largest first.
  await page.goto(`/admin/revenue?from=${today}&to=${today}`);
  await hydrated(page);
  const merchants = page.getByTestId("merchant-revenue");
  await expect(merchants).toContainText("Boulangerie Miroir");
  await expect(merchants).toContainText("Fleurs Miroir");
});

test("the sync page lists every account with its backfill", async ({ page }) => {
  await logInAsAdmin(page);
  await page.goto("/admin/sync");
  await hydrated(page);
  const bakeryRow = page.locator(`[data-testid=sync-account][data-account="${bakeryAccount}"]`);
  await expect(bakeryRow).toContainText("Boulangerie Miroir");
  await expect(bakeryRow).toHaveAttribute("data-status", "done", { timeout: 20_000 });
  await expect(bakeryRow).toContainText(/\d+ charges/);
  await expect(page.locator(`[data-testid=sync-account][data-account="platform"]`)).toBeVisible();
  await bakeryRow.getByRole("button", { name: "Backfill again" }).click();
  // The backfill waits for the worker, runs, and the page follows it to the end.
  await expect(bakeryRow).not.toHaveAttribute("data-status", "done");
  await expect(bakeryRow).toHaveAttribute("data-status", "done", { timeout: 30_000 });
});
