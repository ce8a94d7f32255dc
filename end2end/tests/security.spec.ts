import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "../support/server";
import { expect, test } from "../support/fixtures";

// A page on another site (localhost vs 127.0.0.1) that posts a login form to Comptoir: the
// browser marks it `Sec-Fetch-Site: cross-site`, and Comptoir must refuse it.
function serveForgery(target: string): Promise<Server> {
  const html = `<!doctype html><form id="f" method="post" action="${target}/api/log_in">
    <input name="email" value="${ADMIN_EMAIL}"><input name="password" value="${ADMIN_PASSWORD}">
    <button type="submit">Win a prize</button></form>`;
  const server = createServer((_, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(html);
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r(server)));
}

test("a cross-site form post is refused and logs nobody in", async ({ page, baseURL }) => {
  const forgery = await serveForgery(baseURL!);
  try {
    const port = (forgery.address() as AddressInfo).port;
    await page.goto(`http://localhost:${port}/`);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().includes("/api/log_in")),
      page.getByRole("button", { name: "Win a prize" }).click(),
    ]);
    expect(response.status()).toBe(403);
    await expect(page.locator("body")).toContainText("Cross-site request refused.");
    const cookies = await page.context().cookies(baseURL!);
    expect(cookies.find((c) => c.name === "comptoir_session")).toBeUndefined();
  } finally {
    forgery.close();
  }
});

test("a same-site login through the API works, so the refusal above is about the origin", async ({
  request,
  baseURL,
}) => {
  const response = await request.post("/api/log_in", {
    form: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    headers: { Origin: baseURL!, "Sec-Fetch-Site": "same-origin" },
    maxRedirects: 0,
  });
  expect([200, 302, 303]).toContain(response.status());
  expect(response.headers()["set-cookie"]).toContain("comptoir_session=");
});
