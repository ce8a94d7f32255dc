// Everything a widget test needs: an onboarded shop with real (sandbox) payments, a platform API
// key, and a host page on another origin that the platform allows to embed the widgets.
import { expect, type APIRequestContext, request as playwrightRequest } from "@playwright/test";
import { type Host, type SessionRequest, startHost } from "./host";
import { createShop, type Shop } from "./merchant";
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "./server";

/** An admin API client (its own cookie jar). */
export async function adminClient(baseURL: string): Promise<APIRequestContext> {
  const api = await playwrightRequest.newContext({
    baseURL,
    extraHTTPHeaders: { Origin: baseURL, "Sec-Fetch-Site": "same-origin" },
  });
  const login = await api.post("/api/log_in", { form: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  expect(login.ok()).toBeTruthy();
  return api;
}

/** A new platform API key (its secret is shown only now). */
export async function createApiKey(admin: APIRequestContext, name: string): Promise<string> {
  const created = await admin.post("/api/admin/api_keys/create", { form: { name } });
  expect(created.ok(), await created.text()).toBeTruthy();
  return (await created.json()).secret;
}

/** Adds `origin` to the origins allowed to embed the widgets, keeping the other settings. */
export async function allowOrigin(admin: APIRequestContext, origin: string) {
  const current = await (await admin.post("/api/admin/settings")).json();
  const origins = new Set<string>(current.allowed_embed_origins);
  origins.add(origin);
  const saved = await admin.post("/api/admin/settings/save", {
    form: {
      secret_key: "",
      publishable_key: current.publishable_key ?? "",
      webhook_secrets: "",
      connect_client_id: current.connect_client_id ?? "",
      fee_rules: current.fee_rules,
      allowed_embed_origins: [...origins].join("\n"),
      oauth_scope: current.oauth_scope,
      sync_mode: current.sync_mode,
    },
  });
  expect(saved.ok(), await saved.text()).toBeTruthy();
}

/** The card numbers of REFERENCE §10 the tests use. */
export const CARDS = {
  visa: "4242424242424242",
  dispute: "4000000000000259",
};

/**
 * Buys `quantity` croissants at `shop` and pays on Stripe's (the sandbox's) hosted page by
 * posting its form, as a browser would. Returns the order id once Comptoir recorded it paid.
 */
export async function buy(shop: Shop, quantity: number, card = CARDS.visa, email = "customer@example.com"): Promise<string> {
  const products = await (await shop.api.post("/api/merchant/products")).json();
  const croissant = products.find((p) => p.name === "Croissant");
  const started = await shop.api.post("/api/shop/checkout", {
    form: {
      slug: shop.slug,
      embedded: "false",
      email,
      "lines[0][product_id]": croissant.id,
      "lines[0][quantity]": String(quantity),
    },
  });
  expect(started.ok(), await started.text()).toBeTruthy();
  const url: string = (await started.json()).Redirect.url;
  const customer = await playwrightRequest.newContext();
  const paid = await customer.post(url, {
    form: {
      email,
      method: "card",
      card_number: card,
      card_expiry: "12 / 34",
      card_cvc: "123",
      cardholder_name: "Camille Client",
      billing_country: "FR",
      action: "pay",
    },
    maxRedirects: 0,
  });
  expect(paid.status(), await paid.text()).toBe(303);
  const orderId = new URL(paid.headers()["location"]).pathname.split("/").pop()!;
  await customer.dispose();
  // Stripe's lists are ordered by `created`, in whole seconds: payments bought one after the
  // other get seconds of their own, so the order tests expect is defined.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await expect
    .poll(async () => (await (await shop.api.post("/api/merchant/orders")).json()).find((o) => o.id === orderId)?.status, {
      timeout: 20_000,
    })
    .toBe("fulfilled");
  return orderId;
}

export interface EmbedSetup {
  shop: Shop;
  account: string;
  host: Host;
  admin: APIRequestContext;
  apiKey: string;
  /** What the host's backend asks for next (the account is the shop's). */
  requestSession(components: SessionRequest["components"]): void;
}

/** An onboarded shop, an API key, and a host page on an allowed origin. */
export async function setUpEmbedding(baseURL: string, shopName = "Boulangerie Widget"): Promise<EmbedSetup> {
  const shop = await createShop(baseURL, shopName);
  const overview = await (await shop.api.post("/api/merchant/overview")).json();
  const account = overview.stripe_account_id as string;
  const admin = await adminClient(baseURL);
  const apiKey = await createApiKey(admin, `tests ${Date.now()}`);
  const host = await startHost(baseURL, apiKey);
  await allowOrigin(admin, host.url);
  return {
    shop,
    account,
    host,
    admin,
    apiKey,
    requestSession(components) {
      host.session = { account, components };
    },
  };
}

export async function tearDown(setup: EmbedSetup) {
  await setup.host.close();
  await setup.shop.api.dispose();
  await setup.admin.dispose();
}
