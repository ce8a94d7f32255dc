// The platform admin's settings on the embedded default.
import { expect, hydrated, test } from "../support/fixtures";
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "../support/server";

async function logInAsAdmin(page) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("admin-home")).toBeVisible();
}

test("settings are pre-filled from the sandbox and the connection test reaches it", async ({ page }) => {
  await logInAsAdmin(page);
  await page.goto("/admin/settings");
  await hydrated(page);
  await expect(page.getByTestId("stripe-mode")).toHaveText("Mode: test");
  await expect(page.getByTestId("on-sandbox")).toBeVisible();
  await expect(page.getByLabel("Secret key")).toHaveAttribute("placeholder", /^sk_test_••••••••\w{4}$/);
  await expect(page.getByLabel("Connect client id")).toHaveValue(/^ca_/);
  // No secret is ever written into the page.
  const html = await page.content();
  expect(html).not.toMatch(/sk_test_[A-Za-z0-9]{8,}/);
  expect(html).not.toMatch(/whsec_[A-Za-z0-9]{8,}/);

  await page.getByTestId("test-connection").click();
  await expect(page.getByTestId("connection-result")).toContainText(/Connected to acct_\w+ .* in test mode\./);
});

test("bad settings are refused with a clear error and good ones are kept", async ({ page }) => {
  await logInAsAdmin(page);
  await page.goto("/admin/settings");
  await hydrated(page);
  await page.getByLabel("Webhook signing secrets, one per line").fill("not-a-secret");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("alert")).toHaveText("Webhook signing secrets start with whsec_.");

  await page.getByLabel("Webhook signing secrets, one per line").fill("");
  // A made-up live-mode key (assembled so it never looks like a leaked one).
  await page.getByLabel("Secret key").fill(["sk", "live", "abcdefghijklmnop"].join("_"));
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("alert")).toContainText("same mode");

  await page.getByLabel("Secret key").fill("");
  await page.getByLabel("Application fees, one rule per line").fill("eur 2.5% + 0.25\n* 4%");
  await page.getByLabel("Origins allowed to embed the widgets, one per line").fill("https://app.example.com/");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Settings saved.")).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Application fees, one rule per line")).toHaveValue("eur 2.5% + 0.25\n* 4%");
  await expect(page.getByLabel("Origins allowed to embed the widgets, one per line")).toHaveValue("https://app.example.com");
  await expect(page.getByTestId("stripe-mode")).toHaveText("Mode: test");
});
