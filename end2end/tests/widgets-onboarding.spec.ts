// The account-onboarding and notification-banner widgets on a foreign host page, for an account
// whose requirements Stripe collects (Comptoir's merchants): a merchant who has not finished
// onboarding sees what is due and goes into Stripe's hosted onboarding; an onboarded one sees
// the done state, exits, and gets no banner.
import { type APIRequestContext, request as playwrightRequest, type Page } from "@playwright/test";
import { expect, test, uniqueEmail } from "../support/fixtures";
import { type EmbedSetup, setUpEmbedding, tearDown } from "../support/embed";
import { PASSWORD } from "../support/merchant";

let setup: EmbedSetup;
let unfinished: { api: APIRequestContext; account: string };

/** A merchant who signed up and was sent to onboarding, but never filled it in. */
async function merchantWithoutOnboarding(baseURL: string): Promise<{ api: APIRequestContext; account: string }> {
  const api = await playwrightRequest.newContext({
    baseURL,
    extraHTTPHeaders: { Origin: baseURL, "Sec-Fetch-Site": "same-origin" },
  });
  const signedUp = await api.post("/api/sign_up", {
    form: { email: uniqueEmail("unfinished"), password: PASSWORD, business_name: "Fromagerie Pas Finie", website: "", country: "FR", onboarding: "new" },
  });
  expect(signedUp.ok(), await signedUp.text()).toBeTruthy();
  const start = await api.get("/dashboard/onboarding/start", { maxRedirects: 0 });
  expect(start.status()).toBeGreaterThanOrEqual(300);
  const overview = await (await api.post("/api/merchant/overview")).json();
  expect(overview.stripe_account_id).toMatch(/^acct_/);
  return { api, account: overview.stripe_account_id };
}

/** Records the widgets' `stepChange` events in `window.__steps` (the demo host does not log them). */
async function recordSteps(page: Page) {
  await page.addInitScript(() => {
    (window as any).__steps = [];
    const define = customElements.define.bind(customElements);
    customElements.define = (name: string, constructor: CustomElementConstructor, options?: ElementDefinitionOptions) => {
      const connected = constructor.prototype.connectedCallback;
      constructor.prototype.connectedCallback = function (this: any) {
        if (!this.__recording && typeof this.setOnStepChange === "function") {
          this.__recording = true;
          this.setOnStepChange((event: { step: string }) => (window as any).__steps.push(event.step));
        }
        return connected?.call(this);
      };
      return define(name, constructor, options);
    };
  });
}

test.beforeAll(async ({ baseURL }) => {
  setup = await setUpEmbedding(baseURL!, "Boulangerie Onboardée");
  unfinished = await merchantWithoutOnboarding(baseURL!);
});

test.afterAll(async () => {
  await unfinished.api.dispose();
  await tearDown(setup);
});

const ONBOARDING = { account_onboarding: { enabled: true, features: { external_account_collection: true } } };
const BANNER = { notification_banner: { enabled: true, features: { external_account_collection: true } } };

test("an unfinished account gets an urgent banner, and its action leads to Stripe's onboarding", async ({ page }) => {
  setup.host.session = { account: unfinished.account, components: BANNER };
  await page.goto(`${setup.host.url}/plain/?tags=notification-banner`);
  const banner = page.locator("comptoir-notification-banner").getByTestId("notification-banner");
  await expect(banner).toBeVisible();
  // The sandbox reports what is due as past due, and the account as restricted.
  await expect(banner).toHaveAttribute("data-urgent", "true");
  await expect(banner).toHaveAttribute("role", "alert");
  await expect(banner).toContainText("Action required");
  await expect(banner).toContainText("Needed:");
  await expect(banner).toContainText("Industry");
  const counts = page.getByText(/^notification-banner: notifications \d+ \d+$/);
  await expect(counts).toBeVisible();
  const [, total, actionRequired] = (await counts.innerText()).match(/notifications (\d+) (\d+)/)!;
  expect(Number(total)).toBeGreaterThan(3);
  expect(actionRequired).toBe(total);

  await banner.getByRole("button", { name: "Provide information" }).click();
  await page.waitForURL((url) => !url.href.startsWith(setup.host.url), { timeout: 15_000 });
  expect(page.url()).toMatch(/\/(setup|onboarding)\//);
});

test("the banner is in French when the host asks for it", async ({ page }) => {
  setup.host.session = { account: unfinished.account, components: BANNER };
  await page.goto(`${setup.host.url}/plain/?tags=notification-banner&locale=fr-FR`);
  const banner = page.locator("comptoir-notification-banner").getByTestId("notification-banner");
  await expect(banner).toContainText("Action requise");
  await expect(banner.getByRole("button", { name: "Fournir les informations" })).toBeVisible();
});

test("an onboarded account gets no banner, but the host still hears the counts", async ({ page }) => {
  setup.requestSession(BANNER);
  await page.goto(`${setup.host.url}/plain/?tags=notification-banner`);
  await expect(page.getByText("notification-banner: notifications 0 0")).toBeVisible();
  const widget = page.locator("comptoir-notification-banner");
  await expect(widget.getByTestId("notification-banner-widget")).toBeAttached();
  await expect(widget.getByTestId("notification-banner")).toHaveCount(0);
  await expect(widget.locator(".cpt-loading")).toHaveCount(0);
});

test("onboarding explains Stripe's part and continues there with the keyboard", async ({ page }) => {
  setup.host.session = { account: unfinished.account, components: ONBOARDING };
  await page.goto(`${setup.host.url}/plain/?tags=account-onboarding`);
  const widget = page.locator("comptoir-account-onboarding");
  const hosted = widget.getByTestId("hosted-onboarding");
  await expect(hosted).toContainText("Stripe, our payments partner");
  const go = hosted.getByRole("button", { name: "Continue to Stripe" });
  await go.focus();
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => !url.href.startsWith(setup.host.url), { timeout: 15_000 });
  expect(page.url()).toMatch(/\/(setup|onboarding)\//);
});

test("an onboarded account sees the done state and exits through the host's callback", async ({ page }) => {
  await recordSteps(page);
  setup.requestSession(ONBOARDING);
  await page.goto(`${setup.host.url}/plain/?tags=account-onboarding`);
  const widget = page.locator("comptoir-account-onboarding");
  const done = widget.getByTestId("onboarding-done");
  await expect(done).toContainText("Your account is set up.");
  await done.getByRole("button", { name: "Exit" }).click();
  await expect(page.getByText("account-onboarding: exit")).toBeVisible();
  expect(await page.evaluate(() => (window as any).__steps)).toEqual(["summary"]);
});

test("an onboarding link the server refuses is explained in the widget", async ({ page }) => {
  // Onboarding links return to the host page, so they need the host's origin to be allowed; a
  // session of another component cannot ask for one at all.
  setup.host.session = { account: unfinished.account, components: ONBOARDING };
  await page.route("**/widget/v1/account/onboarding_link", async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    const body = route.request().postDataJSON();
    // The widget asks to come back to this very page.
    expect(body.return_url).toBe(page.url());
    expect(body.refresh_url).toBe(page.url());
    await route.continue({ postData: JSON.stringify({ return_url: "https://elsewhere.example/", refresh_url: body.refresh_url }) });
  });
  await page.goto(`${setup.host.url}/plain/?tags=account-onboarding`);
  const hosted = page.locator("comptoir-account-onboarding").getByTestId("hosted-onboarding");
  await hosted.getByRole("button", { name: "Continue to Stripe" }).click();
  await expect(hosted.getByRole("alert")).toBeVisible();
  expect(page.url()).toContain(setup.host.url);
});
