import { expect, hydrated, test } from "../support/fixtures";

test("the home page is rendered on the server, before any script runs", async ({ request }) => {
  const response = await request.get("/");
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(html).toContain("Payments inside your SaaS");
  expect(html).toContain("/pkg/comptoir.js");
});

test("the home page hydrates and the locale switch responds", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  const headline = page.getByTestId("headline");
  await expect(headline).toHaveText("Payments inside your SaaS");
  await page.getByTestId("locale-switch").click();
  await expect(headline).toHaveText("Les paiements dans votre SaaS");
  await page.getByTestId("locale-switch").click();
  await expect(headline).toHaveText("Payments inside your SaaS");
});

test("the WASM and the stylesheet are served compressed", async ({ request }) => {
  for (const path of ["/pkg/comptoir_bg.wasm", "/pkg/comptoir.js", "/pkg/comptoir.css"]) {
    const response = await request.get(path, { headers: { "Accept-Encoding": "br, gzip" } });
    expect(response.status(), path).toBe(200);
    expect(response.headers()["content-encoding"], path).toBe("br");
  }
});

test("the widget assets are readable and measurable from any host page", async ({ request }) => {
  for (const path of ["/embed/connect.js", "/pkg/comptoir_embed_bg.wasm", "/pkg/comptoir-widgets.css"]) {
    const response = await request.get(path, { headers: { Origin: "https://saas.example", "Accept-Encoding": "br, gzip" } });
    expect(response.status(), path).toBe(200);
    expect(response.headers()["access-control-allow-origin"], path).toBe("*");
    expect(response.headers()["timing-allow-origin"], path).toBe("*");
    expect(response.headers()["content-encoding"], path).toBe("br");
  }
});
