// The payouts and balances widgets on a foreign host page: balance cards from real sandbox
// payments, a payout of available funds (standard_payouts), the payout schedule editor
// (edit_payout_schedule), the payouts list, and what a session without those features shows.
import { expect, test } from "../support/fixtures";
import { buy, type EmbedSetup, setUpEmbedding, tearDown } from "../support/embed";

// Stripe's test card whose funds are available at once instead of pending.
const BYPASS_PENDING = "4000000000000077";
const ALL_FEATURES = { standard_payouts: true, edit_payout_schedule: true, instant_payouts: false };
const NO_FEATURES = { standard_payouts: false, edit_payout_schedule: false, instant_payouts: false };

let setup: EmbedSetup;

test.beforeAll(async ({ baseURL }) => {
  setup = await setUpEmbedding(baseURL!, "Boulangerie Payouts");
  // 4 croissants (4.80 €) available at once, 1 (1.20 €) pending.
  await buy(setup.shop, 4, BYPASS_PENDING);
  await buy(setup.shop, 1);
});

test.afterAll(async () => {
  await tearDown(setup);
});

/** "€3.91" → 391. */
function minorUnits(text: string): number {
  const match = text.replace(/,/g, "").match(/(-?)€(\d+)\.(\d\d)/);
  if (!match) throw new Error(`no euro amount in "${text}"`);
  return (match[1] ? -1 : 1) * (Number(match[2]) * 100 + Number(match[3]));
}

test("payouts shows the balance, pays out available funds and lists the payout", async ({ page }) => {
  setup.requestSession({ payouts: { enabled: true, features: ALL_FEATURES } });
  await page.goto(`${setup.host.url}/plain/?tags=payouts`);
  const widget = page.locator("comptoir-payouts");
  const available = widget.getByTestId("balance-available");
  await expect(available).toHaveAttribute("data-currency", "eur");
  const before = minorUnits(await available.locator(".cpt-amount").innerText());
  expect(before).toBeGreaterThan(100);
  await expect(widget.getByTestId("balance-pending")).toContainText("€");
  await expect(widget.getByTestId("payouts-section")).toContainText("No payouts yet.");

  const form = widget.getByTestId("payout-form");
  await form.getByLabel("Amount to pay out").fill("ten");
  await form.getByRole("button", { name: "Pay out" }).click();
  await expect(form.getByTestId("payout-error")).toHaveText("Write the amount like 12.50.");

  // More than is available: Stripe refuses, and says why.
  await form.getByLabel("Amount to pay out").fill("5000");
  await form.getByRole("button", { name: "Pay out" }).click();
  await expect(form.getByTestId("payout-error")).toContainText(/insufficient|available/i);

  await form.getByLabel("Amount to pay out").fill("1.00");
  await form.getByRole("button", { name: "Pay out" }).click();
  await expect(form.getByTestId("payout-notice")).toHaveText("Payout created. €1.00");
  await expect(form.getByTestId("payout-error")).toHaveCount(0);
  await expect.poll(async () => minorUnits(await available.locator(".cpt-amount").innerText())).toBe(before - 100);
  const row = widget.getByTestId("payout-row");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("€1.00");
  await expect(row.locator(".cpt-badge")).toHaveAttribute("data-status", /pending|in_transit|paid/);
});

test("the payout schedule is edited from the widget and kept", async ({ page }) => {
  setup.requestSession({ payouts: { enabled: true, features: ALL_FEATURES } });
  await page.goto(`${setup.host.url}/plain/?tags=payouts`);
  const widget = page.locator("comptoir-payouts");
  const schedule = widget.getByTestId("payout-schedule");
  await expect(schedule).toBeVisible();

  // Keyboard only: open the form, choose weekly on Friday, save.
  await widget.getByTestId("edit-schedule").focus();
  await page.keyboard.press("Enter");
  const form = widget.getByTestId("schedule-form");
  await expect(form.getByLabel("Payout schedule")).toBeFocused();
  await form.getByLabel("Payout schedule").selectOption("weekly");
  await form.getByLabel("Day of the week").selectOption("friday");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(schedule).toHaveAttribute("data-interval", "weekly");
  await expect(schedule).toContainText("Weekly · Friday");
  await expect(widget.getByText("Payout schedule saved.")).toBeVisible();
  await expect(widget.getByTestId("edit-schedule")).toBeFocused();

  await page.reload();
  await expect(page.locator("comptoir-payouts").getByTestId("payout-schedule")).toContainText("Weekly · Friday");

  // Monthly, then back to daily; Escape leaves the form unsaved.
  const reloaded = page.locator("comptoir-payouts");
  await reloaded.getByTestId("edit-schedule").click();
  await reloaded.getByLabel("Payout schedule").selectOption("monthly");
  await reloaded.getByLabel("Day of the month").selectOption("15");
  await reloaded.getByRole("button", { name: "Save" }).click();
  await expect(reloaded.getByTestId("payout-schedule")).toContainText("Monthly · day 15");
  await reloaded.getByTestId("edit-schedule").click();
  await reloaded.getByLabel("Payout schedule").selectOption("daily");
  await reloaded.getByLabel("Payout schedule").press("Escape");
  await expect(reloaded.getByTestId("schedule-form")).toHaveCount(0);
  await expect(reloaded.getByTestId("payout-schedule")).toContainText("Monthly · day 15");
  await reloaded.getByTestId("edit-schedule").click();
  await reloaded.getByLabel("Payout schedule").selectOption("daily");
  await reloaded.getByRole("button", { name: "Save" }).click();
  await expect(reloaded.getByTestId("payout-schedule")).toHaveAttribute("data-interval", "daily");
});

test("without standard_payouts and edit_payout_schedule there is nothing to change", async ({ page }) => {
  setup.requestSession({ payouts: { enabled: true, features: NO_FEATURES } });
  await page.goto(`${setup.host.url}/plain/?tags=payouts`);
  const widget = page.locator("comptoir-payouts");
  await expect(widget.getByTestId("balance-available")).toBeVisible();
  await expect(widget.getByTestId("payout-schedule")).toBeVisible();
  await expect(widget.getByTestId("payouts-section")).toBeVisible();
  await expect(widget.getByTestId("payout-form")).toHaveCount(0);
  await expect(widget.getByTestId("edit-schedule")).toHaveCount(0);
});

test("balances shows the cards and the payout button, in French too", async ({ page }) => {
  setup.requestSession({ balances: { enabled: true, features: ALL_FEATURES } });
  await page.goto(`${setup.host.url}/plain/?tags=balances&locale=fr-FR`);
  const widget = page.locator("comptoir-balances");
  await expect(widget.getByTestId("balance-available")).toContainText("Disponible");
  await expect(widget.getByTestId("balance-pending")).toContainText("En attente");
  await expect(widget.getByTestId("payout-form").getByRole("button", { name: "Virer" })).toBeVisible();
  // Only the balance: no schedule, no list.
  await expect(widget.getByTestId("schedule-section")).toHaveCount(0);
  await expect(widget.getByTestId("payouts-section")).toHaveCount(0);

  setup.requestSession({ balances: { enabled: true, features: NO_FEATURES } });
  await page.reload();
  await expect(page.locator("comptoir-balances").getByTestId("balance-available")).toBeVisible();
  await expect(page.locator("comptoir-balances").getByTestId("payout-form")).toHaveCount(0);
});

test("a failed load shows an error with a retry, and the host hears of it", async ({ page }) => {
  setup.requestSession({ payouts: { enabled: true, features: ALL_FEATURES } });
  // The schedule endpoint fails once (as a Stripe outage would make it), then works again.
  let failures = 0;
  await page.route("**/widget/v1/payout_schedule", async (route) => {
    if (route.request().method() === "GET" && failures++ === 0) {
      await route.fulfill({
        status: 503,
        contentType: "application/json",
        headers: { "Access-Control-Allow-Origin": "*" },
        body: JSON.stringify({ error: { type: "api_error", code: null, message: "Stripe is unavailable." } }),
      });
    } else {
      await route.continue();
    }
  });
  await page.goto(`${setup.host.url}/plain/?tags=payouts`);
  const widget = page.locator("comptoir-payouts");
  const section = widget.getByTestId("schedule-section");
  await expect(section.getByRole("alert")).toContainText("Stripe is unavailable.");
  await expect(page.getByText("payouts: loadError api_error: Stripe is unavailable.")).toBeVisible();
  // The rest of the widget still works.
  await expect(widget.getByTestId("balance-available")).toBeVisible();
  await section.getByRole("button", { name: "Try again" }).click();
  await expect(section.getByTestId("payout-schedule")).toBeVisible();
});
