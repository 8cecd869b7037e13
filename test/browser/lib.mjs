// What the browser tests share: building web/, a Telegram Bot API stand-in, `wrangler dev` on a free
// port with its own throwaway local state seeded with the demo, a customer writing through signed
// webhooks, and Debian's Chromium through playwright-core.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { ensureDevVars } from "../../scripts/lib/dev-vars.mjs";
import { runWrangler, wranglerCommand, wranglerEnv } from "../../scripts/lib/wrangler.mjs";
import { ROOT, buildDemoSeed } from "../../scripts/seed.mjs";

export { ROOT };
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SHOTS = path.join(ROOT, "docs", "screenshots");
export const HOST = "127.0.0.1";
export const STEP_TIMEOUT_MS = 15_000;

const started = Date.now();
export const log = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

const cleanups = [];
export const onCleanup = (f) => cleanups.push(f);
async function cleanup() {
  for (const f of cleanups.reverse()) await f().catch(() => undefined);
}

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** Runs a test's main: exits non-zero on the first failure, after stopping everything it started. */
export async function runTest(main) {
  let code = 0;
  try {
    await main();
    log(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(`\nbrowser test failed: ${err instanceof Error ? err.stack : err}`);
    code = 1;
  } finally {
    await cleanup();
  }
  process.exit(code);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(" ")} exited with ${code}`))));
  });
}

// WEB_OUT_DIR builds the app elsewhere than web/dist and serves it from there, so that two test runs
// in one checkout do not serve each other's builds.
const WEB_OUT_DIR = process.env.WEB_OUT_DIR ? path.resolve(process.env.WEB_OUT_DIR) : null;

export function buildWeb() {
  const out = WEB_OUT_DIR ? ["--outDir", WEB_OUT_DIR, "--emptyOutDir"] : [];
  return run(process.execPath, [path.join(ROOT, "node_modules/vite/bin/vite.js"), "build", "web", "--logLevel", "warn", ...out]);
}

/**
 * The Telegram Bot API as the hub calls it: records every request, answers sendMessage as Telegram
 * does. `refuse.push({ status, description })` has it refuse the next request that way (a 400 is a
 * permanent failure to the hub).
 */
export async function startBotApi() {
  const requests = [];
  const refuse = [];
  let nextId = 100;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ method: req.method, url: req.url, contentType: req.headers["content-type"], body });
      const payload = JSON.parse(body || "{}");
      const refusal = refuse.shift();
      if (refusal) {
        res.writeHead(refusal.status, { "content-type": "application/json" });
        return res.end(JSON.stringify({ ok: false, error_code: refusal.status, description: refusal.description }));
      }
      const result = { message_id: nextId++, date: Math.floor(Date.now() / 1000), chat: { id: payload.chat_id, type: "private" }, text: payload.text };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, result }));
    });
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return { baseUrl: `http://${HOST}:${server.address().port}`, requests, refuse };
}

async function startHub(port, persistTo) {
  const [cmd, pre] = wranglerCommand(ROOT);
  const args = [...pre, "dev", "--local", "--ip", HOST, "--port", String(port), "--persist-to", persistTo, "--show-interactive-dev-session=false"];
  if (WEB_OUT_DIR) args.push("--assets", WEB_OUT_DIR);
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: wranglerEnv({ CI: "true", NO_COLOR: "1" }), detached: true });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  onCleanup(async () => {
    try {
      process.kill(-child.pid, "SIGINT");
    } catch {}
    await new Promise((r) => setTimeout(r, 1500));
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
    const ok = await fetch(`http://${HOST}:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return () => output;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the hub did not answer /healthz within 120 s:\n${output}`);
}

/**
 * The Worker with the demo seeded into a throwaway local D1, its Telegram account's Bot API pointed
 * at the stand-in and `extraSql` run after the seed. Returns the base URL, the demo's credentials,
 * the stand-in and `customerWrites(text)`, a signed webhook from the same customer each time.
 */
export async function startStack({ extraSql = "" } = {}) {
  const botApi = await startBotApi();
  const { key } = ensureDevVars(path.join(ROOT, ".dev.vars"));
  const state = mkdtempSync(path.join(tmpdir(), "channel-hub-browser-"));
  onCleanup(async () => rmSync(state, { recursive: true, force: true }));

  log("migrating and seeding a throwaway local D1");
  await runWrangler(ROOT, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state]);
  const { sql, demo } = await buildDemoSeed(key);
  const seedFile = path.join(state, "seed.sql");
  writeFileSync(seedFile, sql.replace(/https:\/\/api\.telegram\.org/g, botApi.baseUrl) + extraSql);
  await runWrangler(ROOT, ["d1", "execute", "DB", "--local", "--persist-to", state, "--file", seedFile]);

  const port = await freePort();
  log(`starting wrangler dev on ${port}`);
  const hubLog = await startHub(port, state);
  const base = `http://${HOST}:${port}`;
  const account = demo.accounts[0];
  let updateId = 1;
  let customerMessageId = 1;
  const customerWrites = async (text) => {
    const res = await fetch(`${base}/webhooks/telegram/${account.key}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": account.secretToken },
      body: JSON.stringify({
        update_id: updateId++,
        message: {
          message_id: customerMessageId++,
          date: Math.floor(Date.now() / 1000),
          chat: { id: 777001, type: "private", first_name: "Maria" },
          from: { id: 777001, is_bot: false, first_name: "Maria", last_name: "Garcia" },
          text,
        },
      }),
    });
    assert(res.ok, `webhook answered ${res.status}: ${await res.text()}`);
  };
  return { base, demo, botApi, customerWrites, hubLog };
}

export async function launchChromium() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set CHROMIUM_PATH)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  onCleanup(() => browser.close());
  return browser;
}

/** Controls on the page without an accessible name (outerHTML heads). */
export function unnamedControls(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("button, input, select, textarea, [role=button]")]
      .filter((el) => !(el.getAttribute("aria-label") || el.labels?.length || el.textContent.trim() || el.getAttribute("aria-labelledby")))
      .map((el) => el.outerHTML.slice(0, 80)),
  );
}
