// Starts the Comptoir server binary on a free loopback port with its own temporary data
// directory and SQLite database, and stops it afterwards.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ADMIN_EMAIL = "admin@comptoir.test";
export const ADMIN_PASSWORD = "admin password for tests";

export interface RunningServer {
  url: string;
  dataDir: string;
  stop: () => Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;

export async function startServer(extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const bin = process.env.COMPTOIR_BIN;
  if (!bin) throw new Error("COMPTOIR_BIN is not set: run the browser tests through `cargo xtask test`");
  const dataDir = mkdtempSync(join(tmpdir(), "comptoir-e2e-"));
  const logDir = resolve("test-results");
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `server-${Date.now()}.log`));

  const child = spawn(bin, ["serve"], {
    env: {
      ...process.env,
      COMPTOIR_ADDR: "127.0.0.1:0",
      COMPTOIR_DATA_DIR: dataDir,
      COMPTOIR_DATABASE_URL: `sqlite://${dataDir}/comptoir.db`,
      COMPTOIR_SITE_ROOT: process.env.COMPTOIR_SITE_ROOT ?? resolve("../target/site"),
      COMPTOIR_ADMIN_EMAIL: ADMIN_EMAIL,
      COMPTOIR_ADMIN_PASSWORD: ADMIN_PASSWORD,
      COMPTOIR_LOG: process.env.COMPTOIR_LOG ?? "info",
      COMPTOIR_SANDBOX_PERSIST: "false",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr?.pipe(log);

  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error("the server did not start within 60 s; see end2end/test-results/server-*.log")),
      STARTUP_TIMEOUT_MS,
    );
    let seen = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      log.write(chunk);
      seen += chunk.toString();
      const match = seen.match(/Comptoir is running at (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before it was ready; see end2end/test-results`));
    });
  });

  return {
    url,
    dataDir,
    stop: () => stopProcess(child, dataDir),
  };
}

async function stopProcess(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const killed = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(killed);
  }
  rmSync(dataDir, { recursive: true, force: true });
}
