import { ADMIN_EMAIL, ADMIN_PASSWORD } from "../support/server";
import { expect, hydrated, test, uniqueEmail } from "../support/fixtures";
import { PASSWORD, submitSignUp } from "../support/merchant";

/** Signs up (which sends the merchant on to Stripe's onboarding), then opens the dashboard. */
async function signUp(page, email: string, password = PASSWORD) {
  await submitSignUp(page, email, { password });
  await page.waitForURL((url) => !url.pathname.startsWith("/signup"));
  await page.goto("/dashboard");
  await expect(page.getByText(`Logged in as ${email}.`)).toBeVisible();
}

async function logIn(page, email: string, password: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

test("a merchant signs up, logs out and logs back in", async ({ page, context }) => {
  const email = uniqueEmail();
  await signUp(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByText(`Logged in as ${email}.`)).toBeVisible();

  const cookie = (await context.cookies()).find((c) => c.name === "comptoir_session");
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe("Lax");

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("link", { name: "Log in" }).first()).toBeVisible();
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login\?next=\/dashboard$/);

  await logIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByText(`Logged in as ${email}.`)).toBeVisible();
});

test("logging in gives a new session id", async ({ page, context }) => {
  await page.goto("/");
  await hydrated(page);
  const email = uniqueEmail();
  await signUp(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
  const before = (await context.cookies()).find((c) => c.name === "comptoir_session")?.value;
  await logIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("merchant-home")).toBeVisible();
  const after = (await context.cookies()).find((c) => c.name === "comptoir_session")?.value;
  expect(before).toBeTruthy();
  expect(after).toBeTruthy();
  expect(after).not.toBe(before);
});

test("a wrong password shows the error and logs nobody in", async ({ page }) => {
  const email = uniqueEmail();
  await signUp(page, email);
  await page.getByRole("button", { name: "Log out" }).click();
  await logIn(page, email, "not the password at all");
  await expect(page.getByRole("alert")).toHaveText("Email or password is incorrect.");
  await expect(page).toHaveURL(/\/login/);
  await logIn(page, uniqueEmail("nobody"), "not the password at all");
  await expect(page.getByRole("alert")).toHaveText("Email or password is incorrect.");
});

test("a weak password and a taken email are refused with clear errors", async ({ page }) => {
  // The browser itself stops a short password before sending it...
  await submitSignUp(page, uniqueEmail(), { password: "short" });
  const tooShort = await page.getByLabel("Password").evaluate((el: HTMLInputElement) => el.validationMessage);
  expect(tooShort).not.toBe("");
  await expect(page).toHaveURL(/\/signup$/);
  // ...and the server refuses one that is long enough but easy to guess.
  await submitSignUp(page, uniqueEmail(), { password: "password123" });
  await expect(page.getByRole("alert")).toContainText("too easy to guess");

  const email = uniqueEmail();
  await signUp(page, email);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("link", { name: "Log in" }).first()).toBeVisible();
  await submitSignUp(page, email, { password: "another long passphrase" });
  await expect(page.getByRole("alert")).toContainText("can't be used to sign up");
});

test("the admin area is for admins, the dashboard for merchants", async ({ page }) => {
  await signUp(page, uniqueEmail());
  await page.goto("/admin");
  await expect(page.getByTestId("forbidden")).toBeVisible();
  await page.getByRole("button", { name: "Log out" }).click();

  await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByTestId("admin-home")).toBeVisible();
  await expect(page.getByText(`Logged in as ${ADMIN_EMAIL}.`)).toBeVisible();
  await page.goto("/dashboard");
  await expect(page.getByTestId("forbidden")).toBeVisible();
});

test("guarded pages answer 403 to the other role and 302 to visitors", async ({ page, request }) => {
  const email = uniqueEmail();
  await signUp(page, email);
  const cookies = await page.context().cookies();
  const asMerchant = await request.get("/admin", {
    headers: { Cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; ") },
  });
  expect(asMerchant.status()).toBe(403);
  const anonymous = await request.get("/admin", {
    maxRedirects: 0,
    headers: { Accept: "text/html", Cookie: "" },
  });
  expect(anonymous.status()).toBe(302);
  expect(anonymous.headers()["location"]).toBe("/login?next=/admin");
});
