// A SaaS vendor's web app on another origin, embedding Comptoir's widgets: it serves the host
// pages in end2end/hosts (with {{COMPTOIR}} replaced by Comptoir's URL) and plays the vendor's
// backend: `POST /account_session` asks Comptoir's REST API for an AccountSession with the
// platform API key, for the account and components the test chose, and answers
// `{client_secret}` as Stripe's quickstart server does.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve } from "node:path";
import { build } from "esbuild";

const HOSTS = resolve("hosts");
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css",
};

export interface SessionRequest {
  account: string;
  components: Record<string, { enabled: boolean; features?: Record<string, boolean> }>;
}

export interface Host {
  url: string;
  /** What the next `POST /account_session` asks Comptoir for. */
  session: SessionRequest | null;
  /** How many client secrets the host's backend handed out. */
  secretsIssued: number;
  close(): Promise<void>;
}

let reactBundle: string | null = null;

/** Bundles the React host (React, react-connect-js) once per run. */
async function reactHost(): Promise<string> {
  if (!reactBundle) {
    const result = await build({
      entryPoints: [join(HOSTS, "react/main.jsx")],
      bundle: true,
      write: false,
      format: "esm",
      jsx: "automatic",
      define: { "process.env.NODE_ENV": '"production"' },
      logLevel: "silent",
    });
    reactBundle = result.outputFiles[0].text;
  }
  return reactBundle;
}

export async function startHost(comptoirUrl: string, apiKey: string): Promise<Host> {
  const host: Host = { url: "", session: null, secretsIssued: 0, close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? "/", "http://host").pathname;
      if (req.method === "POST" && path === "/account_session") {
        if (!host.session) throw new Error("the test did not set a session request");
        const response = await fetch(`${comptoirUrl}/api/v1/account_sessions`, {
          method: "POST",
          headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
          body: JSON.stringify(host.session),
        });
        const body = await response.json();
        if (!response.ok) {
          res.writeHead(500, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ error: body.error?.message ?? "account session failed" }));
          return;
        }
        host.secretsIssued += 1;
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ client_secret: body.client_secret }));
        return;
      }
      if (path === "/react/main.js") {
        const bundle = (await reactHost()).replaceAll("{{COMPTOIR}}", comptoirUrl);
        res.writeHead(200, { "Content-Type": TYPES[".js"] });
        res.end(bundle);
        return;
      }
      const file = join(HOSTS, path.endsWith("/") ? `${path}index.html` : path);
      if (!file.startsWith(HOSTS)) throw new Error("outside the host directory");
      const text = readFileSync(file, "utf8").replaceAll("{{COMPTOIR}}", comptoirUrl);
      res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "text/plain" });
      res.end(text);
    } catch (error) {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end(String(error));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  host.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  host.close = () => new Promise((r) => server.close(() => r()));
  return host;
}
