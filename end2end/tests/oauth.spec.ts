// A merchant connects the Standard account they already have, by OAuth.
import { expect, test, uniqueEmail } from "../support/fixtures";
import { submitSignUp } from "../support/merchant";

test("a merchant connects an existing Stripe account", async ({ page }) => {
  await submitSignUp(page, uniqueEmail(), { existing: true });
  await page.waitForURL(/\/oauth\/authorize\?/);
  expect(new URL(page.url()).searchParams.get("scope")).toBe("read_only");
  await expect(page.locator("body")).toContainText("Comptoir platform (sandbox)");
  await page.locator("#approve").click();

  await page.waitForURL(/\/dashboard\?connect=connected$/);
  await expect(page.getByTestId("connect-notice")).toHaveText("Your Stripe account is connected.");
  await expect(page.getByTestId("payments-account")).toContainText("acct_");
});

test("denying the connection on Stripe changes nothing", async ({ page }) => {
  await submitSignUp(page, uniqueEmail(), { existing: true });
  await page.waitForURL(/\/oauth\/authorize\?/);
  await page.locator("#deny").click();
  await page.waitForURL(/\/dashboard\?connect=denied$/);
  await expect(page.getByTestId("connect-notice")).toHaveText("You cancelled the connection on Stripe. Nothing was changed.");
  await expect(page.getByTestId("account-state")).toContainText("No Stripe account yet.");
});
