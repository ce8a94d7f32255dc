// The `test` every spec uses: Playwright's, with `baseURL` pointing at the server that
// global-setup started, and helpers for the things many tests do.
import { expect, type Page, test as base } from "@playwright/test";

export const test = base.extend({
  baseURL: async ({}, use) => {
    const url = process.env.COMPTOIR_URL;
    if (!url) throw new Error("COMPTOIR_URL is not set; global-setup did not run");
    await use(url);
  },
});

export { expect };

/** Waits until the WASM has hydrated the page, so clicks reach reactive handlers. */
export async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** A fresh email for this test run. */
export function uniqueEmail(prefix = "merchant"): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}
