// Benchmarks in the browser (not tests: they print figures and assert only that they ran).
// `cargo xtask bench-widgets` builds the site and runs them.
import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

export default defineConfig({
  ...base,
  testDir: "./bench",
  globalSetup: undefined,
  timeout: 900_000,
  reporter: [["list"]],
  use: { ...base.use, trace: "off", screenshot: "off" },
});
