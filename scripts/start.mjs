// `npm start`: local secrets, D1 migrations, a demo seed on an empty database, then `wrangler dev`
// in the foreground with everything a demo user needs printed once the hub answers /healthz.
// The Node version check runs first, before anything else is evaluated.
import "./check-node.mjs";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ensureDevVars } from "./lib/dev-vars.mjs";
import { applyLocalMigrations, queryLocal, sqlString, wranglerCommand, wranglerEnv } from "./lib/wrangler.mjs";
import { CREDENTIALS_FILE, ROOT, readDemoCredentials, seedDemo } from "./seed.mjs";

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 180_000;
const RESET_HINT = "rm -rf .wrangler/state && npm start";
const rel = (p) => path.relative(process.cwd(), p) || ".";
const say = (msg) => console.log(`• ${msg}`);

function fail(msg) {
  console.error(`\nnpm start failed: ${msg}`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { port: 8787 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let value;
    if (arg === "--port") value = argv[++i];
    else if (arg.startsWith("--port=")) value = arg.slice("--port=".length);
    else if (arg === "-h" || arg === "--help") {
      console.log("Usage: npm start [-- --port N]   (default port 8787)");
      process.exit(0);
    } else fail(`unknown option ${arg}. Usage: npm start [-- --port N]`);
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port needs a number from 1 to 65535, got ${value ?? "nothing"}`);
    opts.port = port;
  }
  return opts;
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, HOST, () => srv.close(() => resolve(true)));
  });
}

const sha256Hex = (s) => createHash("sha256").update(s).digest("hex");

/** What the local database holds, and whether the saved credentials still belong to it. */
async function inspectDatabase(saved, secretsKey) {
  const token = saved?.admin?.token ?? "";
  const accountId = saved?.accounts?.[0]?.id ?? "";
  const [rows] = await queryLocal(
    ROOT,
    `SELECT (SELECT count(*) FROM users) AS users, ` +
      `(SELECT count(*) FROM api_tokens WHERE token_hash = ${sqlString(sha256Hex(token))}) AS token_found, ` +
      `(SELECT credentials FROM channel_accounts WHERE id = ${sqlString(accountId)}) AS sealed`,
  );
  const row = rows?.[0] ?? {};
  let unsealable = null;
  if (row.sealed) {
    const { unseal } = await import(pathToFileURL(path.join(ROOT, "src/security/crypto.ts")).href);
    unsealable = await unseal(secretsKey, row.sealed).then(
      () => true,
      () => false,
    );
  }
  return { users: Number(row.users ?? 0), tokenFound: Number(row.token_found ?? 0) > 0, unsealable };
}

function banner(demo, port, notice) {
  const base = `http://${HOST}:${port}`;
  const ws = `ws://${HOST}:${port}`;
  const rule = "─".repeat(78);
  const out = [
    "",
    rule,
    ` channel-hub is running locally (wrangler dev, local D1 in .wrangler/state)`,
    "",
    `   Hub        ${base}`,
    `   Desk       ${base}/  (sign in as an agent below)`,
    `   Health     ${base}/healthz`,
    `   API docs   ${base}/api/docs`,
  ];
  if (demo) {
    const a = demo.admin;
    out.push(
      "",
      ` Admin  ${a.email}  password ${a.password}`,
      `   API token  ${a.token}`,
      `   try        curl -H "Authorization: Bearer ${a.token}" ${base}/api/v1/me`,
      "",
      ` Queue "${demo.queue.name}"  id ${demo.queue.id}`,
    );
    for (const g of demo.agents) {
      out.push(
        "",
        ` Agent  ${g.displayName} <${g.email}>  password ${g.password}  (capacity ${g.capacity})`,
        `   API token  ${g.token}`,
        `   socket     ${ws}/agent/ws?queue=${encodeURIComponent(demo.queue.id)}&access_token=${encodeURIComponent(g.token)}`,
      );
    }
    for (const acc of demo.accounts) {
      const url = `${base}/webhooks/${acc.provider}/${acc.key}`;
      const update = JSON.stringify({
        update_id: 1,
        message: {
          message_id: 1,
          date: 1700000000,
          chat: { id: 4242, type: "private", first_name: "Test" },
          from: { id: 4242, is_bot: false, first_name: "Test" },
          text: "Hello from curl",
        },
      });
      out.push(
        "",
        ` Telegram account "${acc.name}"`,
        `   receive URL   ${url}`,
        `   secret token  ${acc.secretToken}`,
        `   test message  curl -X POST ${url} \\`,
        `                   -H 'Content-Type: application/json' \\`,
        `                   -H 'X-Telegram-Bot-Api-Secret-Token: ${acc.secretToken}' \\`,
        `                   -d '${update}'`,
      );
    }
    out.push("", ` Saved in ${rel(CREDENTIALS_FILE)}.  Reset the demo: ${RESET_HINT}`);
  }
  if (notice) out.push("", ` Note: ${notice}`);
  out.push(" Ctrl-C stops the hub.", rule, "");
  return out.join("\n");
}

async function waitForHealth(port, child) {
  const url = `http://${HOST}:${port}/healthz`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (res.ok) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the hub did not answer ${url} within ${READY_TIMEOUT_MS / 1000}s; see wrangler's output above`);
}

async function main() {
  const { port } = parseArgs(process.argv.slice(2));

  // 1. Local secrets.
  const devVars = path.join(ROOT, ".dev.vars");
  const { key, created, appended } = ensureDevVars(devVars);
  if (created) say(`Created ${rel(devVars)} with a new random SECRETS_KEY (keep it: it seals the stored provider secrets).`);
  if (appended) say(`Added a new random SECRETS_KEY to ${rel(devVars)}.`);

  if (!(await portIsFree(port))) {
    fail(`port ${port} on ${HOST} is already in use (another \`npm start\`?). Stop it, or pick another port: npm start -- --port ${port + 1}`);
  }

  // 2. Schema.
  say("Applying D1 migrations to the local database…");
  const applied = await applyLocalMigrations(ROOT);
  say(applied.length ? `Applied ${applied.join(", ")}.` : "The local database schema is up to date.");

  // 3. Demo data.
  let demo = readDemoCredentials();
  let notice = null;
  const db = await inspectDatabase(demo, key);
  if (db.users === 0) {
    say("The local database is empty: seeding the demo (queue, admin, two agents, a Telegram account)…");
    demo = await seedDemo(ROOT, key);
    say(`Seeded. Demo credentials saved to ${rel(CREDENTIALS_FILE)}.`);
  } else if (!demo) {
    notice =
      `The local database already has users, but ${rel(CREDENTIALS_FILE)} is missing, so the demo ` +
      `tokens and passwords cannot be shown again. To start over with a fresh demo: ${RESET_HINT}`;
  } else if (!db.tokenFound) {
    notice =
      `${rel(CREDENTIALS_FILE)} does not match the local database (its admin token is not there), so it is not shown. ` +
      `To start over with a fresh demo: ${RESET_HINT}`;
    demo = null;
  } else if (db.unsealable === false) {
    notice =
      `the demo Telegram secrets were sealed under another SECRETS_KEY than the one in ${rel(devVars)}; ` +
      `the hub cannot read them. Restore the old key, or start over: ${RESET_HINT}`;
  }
  if (notice) say(notice);

  // 4. The web desk, served by the Worker from web/dist (wrangler.jsonc `assets`).
  say("Building the web desk (web/ → web/dist)…");
  await buildWebDesk();

  // 5. The hub.
  say(`Starting wrangler dev on http://${HOST}:${port} …`);
  const [cmd, pre] = wranglerCommand(ROOT);
  const child = spawn(
    cmd,
    // --test-scheduled: wrangler dev does not fire cron triggers itself; runCron below does, through /__scheduled.
    [...pre, "dev", "--local", "--ip", HOST, "--port", String(port), "--show-interactive-dev-session=false", "--test-scheduled"],
    // Own process group: on stop, exactly one SIGINT reaches wrangler, which shuts workerd down itself.
    { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], env: wranglerEnv(), detached: true },
  );

  let stopping = false;
  let stopCode = 0;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n• ${signal}: stopping wrangler…`);
    try {
      child.kill("SIGINT");
    } catch {}
    // Whatever is still alive after a grace period goes, the whole group.
    setTimeout(() => killGroup(child, "SIGTERM"), 10_000).unref();
    setTimeout(() => killGroup(child, "SIGKILL"), 15_000).unref();
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => stop(sig));
  // `kill <npm pid>` ends npm and its shell without signalling us: do not outlive the launcher.
  const launcher = process.ppid;
  setInterval(() => process.ppid !== launcher && stop("the launching process exited"), 1000).unref();

  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  child.on("error", (err) => fail(`could not start wrangler: ${err.message}`));
  exited.then(({ code, signal }) => {
    killGroup(child, "SIGKILL"); // leftovers of the group, if any
    if (stopping) {
      console.log("• Stopped.");
      process.exit(stopCode);
    }
    fail(`wrangler dev exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}); the hub is not running. See its output above.`);
  });

  try {
    if (await waitForHealth(port, child)) {
      if (!stopping) console.log(banner(demo, port, notice));
      if (!stopping) runCron(port);
    }
  } catch (err) {
    console.error(`\nnpm start failed: ${err.message}`);
    stopCode = 1;
    stop("timeout");
  }
}

/**
 * The cron trigger of wrangler.jsonc (`* * * * *`: the outbox sweep, which sends or settles replies
 * a crash left queued or sending) as Cloudflare runs it: once now, after a restart, then every minute.
 */
function runCron(port) {
  const tick = () => fetch(`http://${HOST}:${port}/__scheduled?cron=${encodeURIComponent("* * * * *")}`).catch(() => undefined);
  void tick();
  setInterval(tick, 60_000).unref();
}

function buildWebDesk() {
  const vite = path.join(ROOT, "node_modules", "vite", "bin", "vite.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, "build", "web", "--logLevel", "warn"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`building the web desk failed (vite exited with ${code})`))));
  });
}

function killGroup(child, signal) {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {}
}

if (!existsSync(path.join(ROOT, "node_modules"))) fail("dependencies are missing. Run `npm install` first.");
// The seed loads src/ TypeScript as it is; Node strips types by default from 22.18.
if (!process.features.typescript) {
  fail(`the demo seed needs Node >= 22.18, which strips TypeScript types (this is ${process.version}). Run it through \`npm start\` after \`npm install\`.`);
}
main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
