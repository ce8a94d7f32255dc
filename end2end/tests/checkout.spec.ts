// End customers paying a merchant through Stripe's (the sandbox's) checkout. The order page only
// shows what the webhooks recorded: it moves to "paid" by itself once the webhook arrives.
import { expect, hydrated, test } from "../support/fixtures";
import { createShop, ordersOf, type Shop } from "../support/merchant";

const PAID = "Thank you! Your payment is confirmed and your order is on its way.";

let shop: Shop;

test.beforeAll(async ({ baseURL }) => {
  shop = await createShop(baseURL!, "Boulangerie du Coin");
});

test.afterAll(async () => {
  await shop.api.dispose();
});

/** Puts 2 croissants and a loaf (6.90 €) in the cart and starts paying. */
async function fillCart(page) {
  await page.goto(`/shop/${shop.slug}`);
  await hydrated(page);
  await expect(page.getByTestId("shop-name")).toHaveText("Boulangerie du Coin");
  await page.getByLabel("Quantity").first().fill("2");
  await page.getByLabel("Quantity").nth(1).fill("1");
  await expect(page.getByTestId("cart-total")).toHaveText("€6.90");
  await page.getByLabel("Email for your receipt (optional)").fill("customer@example.com");
}

async function payHosted(page) {
  await fillCart(page);
  await page.getByTestId("pay-hosted").click();
  await page.waitForURL(/\/c\/pay\/cs_test_/);
}

async function fillCard(target, number: string) {
  await target.locator("#card_number").fill(number);
  await target.locator("#card_expiry").fill("12 / 34");
  await target.locator("#card_cvc").fill("123");
  await target.locator("#cardholder_name").fill("Camille Client");
}

test("a customer pays by card on the hosted page and the order becomes paid from the webhook", async ({ page }) => {
  await payHosted(page);
  await expect(page.locator("body")).toContainText("€6.90");
  await fillCard(page, "4242 4242 4242 4242");
  await page.locator("#submit").click();
  await page.waitForURL(new RegExp(`/shop/${shop.slug}/orders/ord_\\w+\\?session_id=cs_test_`));
  await expect(page.getByTestId("order-status")).toHaveText(PAID);
  await expect(page.getByTestId("order-total")).toHaveText("€6.90");

  const orderId = new URL(page.url()).pathname.split("/").pop();
  const order = (await ordersOf(shop)).find((o) => o.id === orderId)!;
  expect(order.status).toBe("fulfilled");
  expect(order.application_fee_amount).toBeGreaterThan(0);
});

test("a customer pays in the embedded checkout without leaving the shop", async ({ page }) => {
  await fillCart(page);
  await page.getByTestId("pay-embedded").click();
  const checkout = page.frameLocator("[data-testid=embedded-checkout] iframe");
  await expect(checkout.locator("body")).toContainText("€6.90");
  await fillCard(checkout, "4242424242424242");
  await checkout.locator("#submit").click();
  await page.waitForURL(/\/orders\/ord_\w+\?session_id=cs_test_/);
  await expect(page.getByTestId("order-status")).toHaveText(PAID);
});

test("a declined card shows Stripe's error and leaves the order unpaid", async ({ page }) => {
  await payHosted(page);
  await fillCard(page, "4000 0000 0000 0002");
  await page.locator("#submit").click();
  await expect(page.locator("#payment-error")).toContainText("Your card was declined.");
  await expect(page).toHaveURL(/\/c\/pay\//);
  const newest = (await ordersOf(shop))[0];
  expect(newest.status).toBe("pending");
});

test("3D Secure: the customer authenticates and the payment goes through", async ({ page }) => {
  await payHosted(page);
  await fillCard(page, "4000 0027 6000 3184");
  await page.locator("#submit").click();
  await page.locator("#complete-authentication").click();
  await page.waitForURL(/\/orders\/ord_\w+/);
  await expect(page.getByTestId("order-status")).toHaveText(PAID);
});

async function payBySepa(page, iban: string) {
  await payHosted(page);
  await page.locator("#method-sepa_debit").check();
  await page.locator("#iban").fill(iban);
  await page.locator("#sepa_name").fill("Camille Client");
  await page.locator("#submit").click();
  await page.waitForURL(/\/orders\/ord_\w+/);
}

test("SEPA Direct Debit: the order waits for the bank, then is paid", async ({ page }) => {
  await payBySepa(page, "DE89 3704 0044 0532 0130 00");
  await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", /pending|awaiting_payment/);
  await expect(page.getByTestId("order-status")).toHaveText(PAID, { timeout: 30_000 });
});

test("SEPA Direct Debit that fails tells the customer no money was taken", async ({ page }) => {
  await payBySepa(page, "DE62 3704 0044 0532 0130 01");
  await expect(page.getByTestId("order-status")).toHaveText(
    "Your payment failed. No money was taken; you can place the order again.",
    { timeout: 30_000 },
  );
});
