// A merchant onboards through Account Links: sign-up creates the connected account, the browser
// goes to Stripe's (the sandbox's) hosted onboarding, and the return page re-reads the account.
import { expect, test, uniqueEmail } from "../support/fixtures";
import { submitSignUp } from "../support/merchant";

async function completeStep(page) {
  await page.locator("#use_test_data").click();
}

test("a merchant signs up, completes hosted onboarding and comes back able to take payments", async ({ page }) => {
  await submitSignUp(page, uniqueEmail(), { business: "Fromagerie Alpine" });
  await page.waitForURL(/\/onboarding\/[^/]+\/business/);
  // The account was created prefilled: the business name is already there.
  await expect(page.locator("body")).toContainText("Fromagerie Alpine");
  await completeStep(page); // business
  await page.waitForURL(/\/identity$/);
  await completeStep(page);
  await page.waitForURL(/\/bank$/);
  await completeStep(page);
  await page.waitForURL(/\/review$/);
  await page.locator("#tos").check();
  await page.locator("#submit").click();

  await page.waitForURL(/\/dashboard\/onboarding\/return$/);
  await expect(page.getByTestId("onboarding-outcome")).toHaveText("You're all set: you can take payments.");
  await expect(page.getByTestId("charges-enabled")).toHaveText("Charges enabled");
  await page.getByRole("link", { name: "Go to the dashboard" }).click();
  await expect(page.getByTestId("details-submitted")).toHaveText("Details submitted");
});

test("a used onboarding link goes to refresh_url, which sends the merchant back with a new one", async ({ page }) => {
  let firstLink = "";
  page.on("request", (request) => {
    if (!firstLink && request.url().includes("/setup/s/")) firstLink = request.url();
  });
  await submitSignUp(page, uniqueEmail());
  await page.waitForURL(/\/onboarding\/[^/]+\/business/);
  const firstSession = new URL(page.url()).pathname.split("/")[2];
  expect(firstLink).not.toBe("");

  // Opening the same (single-use) link again: Stripe sends the browser to refresh_url, where
  // Comptoir mints a fresh link and redirects.
  const hops: string[] = [];
  page.on("request", (request) => hops.push(request.url()));
  await page.goto(firstLink);
  await page.waitForURL(/\/onboarding\/[^/]+\/business/);
  expect(hops.some((url) => url.endsWith("/dashboard/onboarding/refresh"))).toBe(true);
  const secondSession = new URL(page.url()).pathname.split("/")[2];
  expect(secondSession).not.toBe(firstSession);
});

test("leaving onboarding early shows what is missing and how to continue", async ({ page }) => {
  await submitSignUp(page, uniqueEmail());
  await page.waitForURL(/\/onboarding\/[^/]+\/business/);
  await page.locator("#leave").click();
  await page.waitForURL(/\/dashboard\/onboarding\/return$/);
  await expect(page.getByTestId("onboarding-outcome")).toHaveText("Your onboarding isn't finished yet.");
  await expect(page.getByTestId("charges-enabled")).toHaveText("Charges not enabled");
  await page.getByRole("link", { name: "Continue onboarding" }).click();
  await page.waitForURL(/\/onboarding\/[^/]+\/business/);
});
