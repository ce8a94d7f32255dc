// Comptoir's own merchant dashboard as a widget host: the same widgets foreign pages embed,
// mounted natively in the Leptos pages, with client secrets from the logged-in merchant's
// server function. Data comes from real sandbox payments through the mirror.
import type { Page } from "@playwright/test";
import { expect, hydrated, test } from "../support/fixtures";
import { buy, CARDS } from "../support/embed";
import { createShop, type Shop } from "../support/merchant";

let shop: Shop;

test.beforeAll(async ({ baseURL }) => {
  shop = await createShop(baseURL!, "Boulangerie Tableau");
  await buy(shop, 2, "4000000000000077");
  await buy(shop, 1, CARDS.visa);
});

test.afterAll(async () => {
  await shop.api.dispose();
});

/** The browser logged in as the shop's merchant (the API client's session cookie). */
async function logIn(page: Page) {
  await page.context().addCookies((await shop.api.storageState()).cookies);
}

test("the server renders the widgets' places, then the home page shows the banner and balances", async ({ page, request }) => {
  const html = await (
    await request.get("/dashboard", {
      headers: { Cookie: (await shop.api.storageState()).cookies.map((c) => `${c.name}=${c.value}`).join("; ") },
    })
  ).text();
  expect(html).toContain('data-widget="notification-banner"');
  expect(html).toContain('data-widget="balances"');

  await logIn(page);
  await page.goto("/dashboard");
  await hydrated(page);
  const balances = page.locator('[data-widget="balances"]');
  // 2 croissants on a card whose funds are available at once: 2.40 € less the fees.
  await expect(balances.getByTestId("balance-available")).toContainText("€");
  await expect(balances.getByTestId("balance-pending")).toContainText("€");
  await expect(balances.getByTestId("payout-form")).toBeVisible();
  // An onboarded account has nothing due: no banner, nothing in the way.
  await expect(page.locator('[data-widget="notification-banner"]').getByTestId("notification-banner")).toHaveCount(0);

  // The site's locale switch reaches the widgets.
  await expect(balances.getByTestId("balance-available")).toContainText("Available");
  await page.getByTestId("locale-switch").click();
  await expect(balances.getByTestId("balance-available")).toContainText("Disponible");
});

test("the payments page lists the shop's payments and refunds one", async ({ page }) => {
  await logIn(page);
  await page.goto("/dashboard/payments");
  await hydrated(page);
  const widget = page.locator('[data-widget="payments"]');
  const rows = widget.getByTestId("payment-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText("€1.20");
  await expect(rows.nth(1)).toContainText("€2.40");
  await rows.first().click();
  const detail = widget.getByTestId("payment-detail");
  await detail.getByRole("button", { name: "Refund payment" }).click();
  await expect(detail.locator(".cpt-badge")).toHaveText("Refunded");
});

test("the payouts page edits the schedule, and settings show methods and the finished onboarding", async ({ page }) => {
  await logIn(page);
  await page.goto("/dashboard/payouts");
  await hydrated(page);
  const payouts = page.locator('[data-widget="payouts"]');
  await expect(payouts.getByTestId("payout-schedule")).toBeVisible();
  await expect(payouts.getByTestId("edit-schedule")).toBeVisible();
  await expect(payouts.getByTestId("payouts-section")).toBeVisible();

  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/dashboard\/settings$/);
  const methods = page.locator('[data-widget="payment-method-settings"]');
  await expect(methods.locator('[data-method="card"]')).toContainText("Card");
  const sepa = methods.getByRole("switch", { name: "SEPA Direct Debit" });
  const before = await sepa.getAttribute("aria-checked");
  await sepa.click();
  await expect(sepa).not.toHaveAttribute("aria-checked", before!);
  await page.reload();
  await expect(page.locator('[data-widget="payment-method-settings"]').getByRole("switch", { name: "SEPA Direct Debit" })).not.toHaveAttribute(
    "aria-checked",
    before!,
  );

  const onboarding = page.locator('[data-widget="account-onboarding"]');
  await expect(onboarding.getByTestId("onboarding-done")).toBeVisible();
  await onboarding.getByRole("button", { name: "Exit" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
});

test("a merchant without a Stripe account is sent to set one up", async ({ page, baseURL }) => {
  const email = `nostripe-${Date.now()}@example.com`;
  const api = page.request;
  const signedUp = await api.post(`${baseURL}/api/sign_up`, {
    headers: { Origin: baseURL!, "Sec-Fetch-Site": "same-origin" },
    form: { email, password: "a long enough passphrase", business_name: "Sans Stripe", website: "", country: "FR", onboarding: "existing" },
  });
  expect(signedUp.ok()).toBeTruthy();
  await page.goto("/dashboard/payments");
  await expect(page.getByTestId("not-connected")).toBeVisible();
  await expect(page.locator('[data-widget="payments"]')).toHaveCount(0);
});
