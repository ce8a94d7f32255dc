// Making merchants and shops for browser tests. The parts a test is not about (signing up,
// onboarding, adding products) go through HTTP, the way a browser would send them, so each test
// clicks only through what it checks.
import { expect, type APIRequestContext, type Page, request as playwrightRequest } from "@playwright/test";
import { hydrated, uniqueEmail } from "./fixtures";

export const PASSWORD = "a long enough passphrase";

export interface Shop {
  email: string;
  slug: string;
  api: APIRequestContext;
}

/** Fills and sends the sign-up form in the browser. */
export async function submitSignUp(
  page: Page,
  email: string,
  { password = PASSWORD, business = "Boulangerie Test", existing = false } = {},
) {
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel("Business name").fill(business);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  if (existing) await page.getByLabel("Connect the Stripe account I already have").check();
  await page.getByRole("button", { name: "Create account" }).click();
}

/** A logged-in API client for this server (its own cookie jar). */
async function apiClient(baseURL: string): Promise<APIRequestContext> {
  return playwrightRequest.newContext({
    baseURL,
    extraHTTPHeaders: { Origin: baseURL, "Sec-Fetch-Site": "same-origin" },
  });
}

/** Completes the sandbox's hosted onboarding behind `link` with its test data. */
export async function completeOnboardingOverHttp(link: string): Promise<string> {
  const browser = await playwrightRequest.newContext();
  const landed = await browser.get(link, { maxRedirects: 0 });
  expect(landed.status()).toBe(303);
  const base = link.split("/setup/")[0];
  const sid = landed.headers()["location"].replace("/onboarding/", "").split("/")[0];
  for (const step of ["business", "identity", "bank"]) {
    const saved = await browser.post(`${base}/onboarding/${sid}/${step}`, { form: { action: "test_data" }, maxRedirects: 0 });
    expect(saved.status()).toBe(303);
  }
  const submitted = await browser.post(`${base}/onboarding/${sid}/review`, {
    form: { action: "submit", tos: "on" },
    maxRedirects: 0,
  });
  expect(submitted.status()).toBe(303);
  await browser.dispose();
  return submitted.headers()["location"];
}

/** A merchant who can take payments, with a croissant (1.20 €) and a loaf (4.50 €) for sale. */
export async function createShop(baseURL: string, name = "Boulangerie Test"): Promise<Shop> {
  const api = await apiClient(baseURL);
  const email = uniqueEmail("shop");
  const signedUp = await api.post("/api/sign_up", {
    form: { email, password: PASSWORD, business_name: name, website: "", country: "FR", onboarding: "new" },
  });
  expect(signedUp.ok()).toBeTruthy();
  const start = await api.get("/dashboard/onboarding/start", { maxRedirects: 0 });
  await completeOnboardingOverHttp(start.headers()["location"]);
  const status = await (await api.post("/api/merchant/refresh_status")).json();
  expect(status.charges_enabled).toBe(true);
  for (const [product, price] of [["Croissant", "1.20"], ["Pain au levain", "4.50"]]) {
    const created = await api.post("/api/merchant/products/create", {
      form: { name: product, description: "Baked this morning", price, currency: "eur" },
    });
    expect(created.ok()).toBeTruthy();
  }
  return { email, slug: status.slug, api };
}

/** The shop's orders as its merchant sees them, newest first. */
export async function ordersOf(shop: Shop): Promise<Array<{ id: string; status: string; application_fee_amount: number }>> {
  return (await shop.api.post("/api/merchant/orders")).json();
}
