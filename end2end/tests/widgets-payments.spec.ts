// The payments and payment-details widgets on foreign host pages: Stripe's quickstart code with
// only its import line changed, a React host using @stripe/react-connect-js, and a plain host
// with a demo panel. Data comes from real sandbox payments through Comptoir's mirror.
import { expect, test } from "../support/fixtures";
import { buy, CARDS, type EmbedSetup, setUpEmbedding, tearDown } from "../support/embed";

let setup: EmbedSetup;
let orders: string[];

const ALL_PAYMENT_FEATURES = { refund_management: true, dispute_management: true, capture_payments: true };

test.beforeAll(async ({ baseURL }) => {
  setup = await setUpEmbedding(baseURL!);
  // Three payments: 1, 2 and 3 croissants (1.20, 2.40, 3.60 €), the last one disputed.
  orders = [await buy(setup.shop, 1), await buy(setup.shop, 2), await buy(setup.shop, 3, CARDS.dispute)];
});

test.afterAll(async () => {
  await tearDown(setup);
});

test("Stripe's quickstart code renders Comptoir's payments widget with the shop's payments", async ({ page }) => {
  setup.requestSession({ payments: { enabled: true, features: ALL_PAYMENT_FEATURES } });
  await page.goto(`${setup.host.url}/quickstart/`);
  const widget = page.locator("comptoir-payments");
  const rows = widget.getByTestId("payment-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText("€3.60");
  await expect(rows.first()).toContainText("Disputed");
  await expect(rows.nth(2)).toContainText("€1.20");
  await expect(page.locator("#error")).toBeHidden();
});

test("a merchant refunds part of a payment from the detail view", async ({ page }) => {
  setup.requestSession({ payments: { enabled: true, features: ALL_PAYMENT_FEATURES } });
  await page.goto(`${setup.host.url}/quickstart/`);
  const widget = page.locator("comptoir-payments");
  const payment = widget.getByTestId("payment-row").filter({ hasText: "€2.40" });
  await payment.click();
  const detail = widget.getByTestId("payment-detail");
  await expect(detail).toContainText("€2.40");
  await expect(detail).toContainText("customer@example.com");
  await detail.getByLabel("Amount to refund").fill("1.00");
  await detail.getByRole("button", { name: "Refund payment" }).click();
  await expect(detail.getByTestId("refunds")).toContainText("€1.00");
  await expect(detail.locator(".cpt-badge")).toHaveText("Partially refunded");
  await widget.getByRole("button", { name: "Close" }).click();
  await expect(payment).toContainText("Partially refunded");
});

test("a disputed payment shows the dispute and takes evidence", async ({ page }) => {
  setup.requestSession({ payments: { enabled: true, features: ALL_PAYMENT_FEATURES } });
  await page.goto(`${setup.host.url}/quickstart/`);
  const widget = page.locator("comptoir-payments");
  await widget.getByTestId("payment-row").filter({ hasText: "Disputed" }).click();
  const dispute = widget.getByTestId("dispute");
  await expect(dispute).toHaveAttribute("data-status", "needs_response");
  await dispute.getByLabel("Your explanation").fill("The croissants were delivered and eaten.");
  await dispute.getByRole("button", { name: "Submit evidence" }).click();
  await expect(dispute).toHaveAttribute("data-status", "under_review");
});

test("a session without refund_management shows no refund form", async ({ page }) => {
  setup.requestSession({ payments: { enabled: true, features: { refund_management: false, dispute_management: false, capture_payments: false } } });
  await page.goto(`${setup.host.url}/quickstart/`);
  const widget = page.locator("comptoir-payments");
  await widget.getByTestId("payment-row").filter({ hasText: "€1.20" }).click();
  await expect(widget.getByTestId("payment-detail")).toContainText("€1.20");
  await expect(widget.getByTestId("refund-form")).toHaveCount(0);
});

test("React: ConnectPayments and ConnectPaymentDetails drive Comptoir's widgets", async ({ page }) => {
  setup.requestSession({
    payments: { enabled: true, features: ALL_PAYMENT_FEATURES },
    payment_details: { enabled: true, features: ALL_PAYMENT_FEATURES },
  });
  await page.goto(`${setup.host.url}/react/`);
  const rows = page.locator("comptoir-payments").getByTestId("payment-row");
  // defaultFilters={{status: ["successful"]}}: the disputed payment is filtered out.
  await expect(rows.first()).toBeVisible();
  await expect(rows.filter({ hasText: "Disputed" })).toHaveCount(0);
  expect(await rows.count()).toBeGreaterThan(0);

  const paymentId = await rows.first().getAttribute("data-payment");
  await page.evaluate((id) => ((window as any).__paymentId = id), paymentId);
  await page.getByTestId("open-detail").click();
  const details = page.locator("comptoir-payment-details");
  await expect(details.getByTestId("payment-detail")).toHaveAttribute("data-payment", paymentId!);
  await details.getByRole("button", { name: "Close" }).click();
  // onClose removed the component.
  await expect(page.locator("comptoir-payment-details")).toHaveCount(0);
  await expect(page.getByTestId("errors")).toBeEmpty();
});

test("the demo panel switches locale, theme and overlays live", async ({ page }) => {
  setup.requestSession({ payments: { enabled: true, features: ALL_PAYMENT_FEATURES } });
  await page.goto(`${setup.host.url}/plain/?tags=payments`);
  const widget = page.locator("comptoir-payments");
  await expect(widget.getByTestId("payment-row")).toHaveCount(3);
  await expect(widget.locator("th").first()).toHaveText("Amount");

  await page.getByLabel("Locale").selectOption("fr-FR");
  await expect(widget.locator("th").first()).toHaveText("Montant");
  await expect(widget.getByTestId("payment-row").first()).toContainText("Contesté");

  await page.getByLabel("Theme").selectOption("dark");
  await expect(widget).toHaveCSS("--cpt-color-background", "#161a23");
  const background = await widget.locator(".cpt-root").evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(background).toBe("rgb(22, 26, 35)");

  await page.getByLabel("Overlays").selectOption("drawer");
  await widget.getByTestId("payment-row").first().click();
  await expect(widget.locator(".cpt-drawer")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(widget.locator(".cpt-drawer")).toHaveCount(0);
  await expect(page.getByText("payments: loaderStart")).toBeVisible();
});

test("after logout the widget claims a fresh client secret on its next call", async ({ page }) => {
  setup.requestSession({ payments: { enabled: true, features: ALL_PAYMENT_FEATURES } });
  await page.goto(`${setup.host.url}/plain/?tags=payments`);
  const widget = page.locator("comptoir-payments");
  await expect(widget.getByTestId("payment-row")).toHaveCount(3);
  const before = setup.host.secretsIssued;
  await page.getByRole("button", { name: "Log out of the widgets" }).click();
  await expect(page.getByText("logged out")).toBeVisible();
  await widget.getByTestId("payment-row").first().click();
  await expect(widget.getByTestId("payment-detail")).toBeVisible();
  expect(setup.host.secretsIssued).toBe(before + 1);
});

test("a page on an origin the platform did not allow cannot use the widgets", async ({ page, baseURL }) => {
  const { startHost } = await import("../support/host");
  const stranger = await startHost(baseURL!, setup.apiKey);
  stranger.session = { account: setup.account, components: { payments: { enabled: true, features: ALL_PAYMENT_FEATURES } } };
  try {
    await page.goto(`${stranger.url}/plain/?tags=payments`);
    await expect(page.getByText(/payments: loadError api_connection_error/)).toBeVisible();
    await expect(page.locator("comptoir-payments").getByTestId("payment-row")).toHaveCount(0);
  } finally {
    await stranger.close();
  }
});

test("the stripe renderer hands the instance to Stripe's Connect.js", async ({ page }) => {
  setup.requestSession({ payments: { enabled: true, features: ALL_PAYMENT_FEATURES } });
  await page.goto(`${setup.host.url}/plain/?tags=payments&renderer=stripe&filter=successful`);
  await expect(page.getByText("Stripe's payments component")).toBeVisible();
  const calls = await page.evaluate(() => (window as any).__stripeConnectCalls);
  expect(calls[0]).toMatchObject({ method: "init", publishableKey: "pk_test_acme", hasFetchClientSecret: true });
  expect(calls).toContainEqual({ method: "create", tag: "payments" });
  expect(calls).toContainEqual({ method: "setDefaultFilters", filters: { status: ["successful"] } });
  await page.getByLabel("Locale").selectOption("fr-FR");
  await expect.poll(() => page.evaluate(() => (window as any).__stripeConnectCalls.at(-1))).toEqual({
    method: "update",
    options: { locale: "fr-FR" },
  });
  const secret = (await page.evaluate(() => (window as any).__stripeConnectCalls)).find((c) => c.method === "fetchClientSecret");
  expect(secret.secret).toMatch(/^accs_secret__/);
});
