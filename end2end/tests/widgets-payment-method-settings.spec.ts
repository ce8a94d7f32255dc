// The payment-method-settings widget on a foreign host page: each method of the account's child
// payment method configuration with an accessible switch, methods the platform admin blocked
// shown locked, changes saved at once, and a refused change put back with the reason.
import { type APIRequestContext } from "@playwright/test";
import { expect, test } from "../support/fixtures";
import { type EmbedSetup, setUpEmbedding, tearDown } from "../support/embed";

let setup: EmbedSetup;
let previousDefaults: Record<string, string> = {};

async function setDefaults(admin: APIRequestContext, defaults: Record<string, string>) {
  const form: Record<string, string> = {};
  for (const [method, setting] of Object.entries(defaults)) form[`defaults[${method}]`] = setting;
  const saved = await admin.post("/api/admin/payment_methods/save", { form });
  expect(saved.ok(), await saved.text()).toBeTruthy();
}

test.beforeAll(async ({ baseURL }) => {
  setup = await setUpEmbedding(baseURL!, "Boulangerie Moyens");
  const current = await (await setup.admin.post("/api/admin/payment_methods")).json();
  for (const { method, setting } of current.methods) {
    if (["klarna", "bancontact", "sepa_debit"].includes(method)) previousDefaults[method] = setting;
  }
  await setDefaults(setup.admin, { klarna: "blocked", bancontact: "on_by_default", sepa_debit: "off_by_default" });
});

test.afterAll(async () => {
  if (Object.keys(previousDefaults).length) await setDefaults(setup.admin, previousDefaults);
  await tearDown(setup);
});

test.beforeEach(() => {
  setup.requestSession({ payment_method_settings: { enabled: true, features: {} } });
});

test("every method is listed with its name and state; blocked ones are locked", async ({ page }) => {
  await page.goto(`${setup.host.url}/plain/?tags=payment-method-settings`);
  const widget = page.locator("comptoir-payment-method-settings");
  const rows = widget.getByTestId("method-row");
  await expect(rows.first()).toHaveAttribute("data-method", "card");
  await expect(rows.first()).toContainText("Card");
  expect(await rows.count()).toBeGreaterThan(10);
  await expect(widget.locator('[data-method="sepa_debit"]')).toContainText("SEPA Direct Debit");
  await expect(widget.locator('[data-method="ideal"]')).toContainText("iDEAL");

  const klarna = widget.locator('[data-method="klarna"]');
  await expect(klarna).toContainText("Blocked by the platform");
  const locked = klarna.getByRole("switch", { name: "Klarna" });
  await expect(locked).toHaveAttribute("aria-disabled", "true");
  await expect(locked).toHaveAttribute("aria-checked", "false");
  // Focusable, so screen readers announce why, but it does nothing.
  await locked.click({ force: true });
  await expect(locked).toHaveAttribute("aria-checked", "false");
  await expect(klarna.getByRole("alert")).toHaveCount(0);

  const sepa = widget.getByRole("switch", { name: "SEPA Direct Debit" });
  await expect(sepa).toHaveAttribute("aria-checked", "false");
  await expect(sepa).not.toHaveAttribute("aria-disabled", "true");
});

test("a switch turns a method on and off, by mouse and keyboard, and the change is kept", async ({ page }) => {
  await page.goto(`${setup.host.url}/plain/?tags=payment-method-settings`);
  const widget = page.locator("comptoir-payment-method-settings");
  const sepa = widget.getByRole("switch", { name: "SEPA Direct Debit" });
  await expect(sepa).toHaveAttribute("aria-checked", "false");
  await sepa.click();
  await expect(sepa).toHaveAttribute("aria-checked", "true");
  await expect(widget.locator('[data-method="sepa_debit"]')).toHaveAttribute("data-value", "on");
  await expect(sepa).not.toHaveAttribute("aria-busy", "true");

  await page.reload();
  const reloaded = page.locator("comptoir-payment-method-settings").getByRole("switch", { name: "SEPA Direct Debit" });
  await expect(reloaded).toHaveAttribute("aria-checked", "true");

  // Keyboard: Space toggles, and the focus stays on the switch after the save.
  await reloaded.focus();
  await page.keyboard.press("Space");
  await expect(reloaded).toHaveAttribute("aria-checked", "false");
  await expect(reloaded).not.toHaveAttribute("aria-busy", "true");
  await expect(reloaded).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(reloaded).toHaveAttribute("aria-checked", "true");
  await expect(reloaded).not.toHaveAttribute("aria-busy", "true");
  await page.keyboard.press("Space");
  await expect(reloaded).toHaveAttribute("aria-checked", "false");
  await expect(reloaded).not.toHaveAttribute("aria-busy", "true");
});

test("a change the server refuses is put back, with the reason", async ({ page }) => {
  await page.goto(`${setup.host.url}/plain/?tags=payment-method-settings`);
  const widget = page.locator("comptoir-payment-method-settings");
  const bancontact = widget.getByRole("switch", { name: "Bancontact" });
  await expect(bancontact).toHaveAttribute("aria-checked", "true");
  // The platform blocks it while the merchant is looking.
  await setDefaults(setup.admin, { bancontact: "blocked" });
  await bancontact.click();
  const row = widget.locator('[data-method="bancontact"]');
  await expect(row.getByRole("alert")).toContainText("bancontact");
  await expect(bancontact).toHaveAttribute("aria-checked", "true");
  await setDefaults(setup.admin, { bancontact: "on_by_default" });
});

test("in French, with the session's component disabled the widget says so", async ({ page }) => {
  await page.goto(`${setup.host.url}/plain/?tags=payment-method-settings&locale=fr-FR`);
  const widget = page.locator("comptoir-payment-method-settings");
  await expect(widget.locator('[data-method="card"]')).toContainText("Carte");
  await expect(widget.locator('[data-method="klarna"]')).toContainText("Bloqué par la plateforme");

  setup.requestSession({ payments: { enabled: true, features: {} } });
  await page.reload();
  await expect(page.locator("comptoir-payment-method-settings").getByRole("alert")).toContainText("not enabled");
  await expect(page.locator("comptoir-payment-method-settings").getByTestId("method-row")).toHaveCount(0);
});
