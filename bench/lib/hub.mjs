// The hub under load: the Worker bundle `wrangler deploy` would upload, run by Miniflare's workerd
// and served on 127.0.0.1 (no wrangler dev, no Node proxy in front), with in-memory D1, Durable
// Object and Queue storage that vanishes on dispose. Bindings and queue settings come from
// wrangler.jsonc, so the run uses the deployed configuration.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { stripVTControlCharacters } from "node:util";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const OUT_DIR = path.join(ROOT, ".bench");
const DIST = path.join(OUT_DIR, "dist");
const BUILD_TIMEOUT_MS = 180_000;

/** wrangler.jsonc, comments and trailing commas removed. */
export function readWranglerConfig(file = path.join(ROOT, "wrangler.jsonc")) {
  return JSON.parse(stripJsonc(readFileSync(file, "utf8")));
}

export function stripJsonc(text) {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      out += text.slice(start, i + 1);
    } else if (ch === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (ch === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2);
      if (i < 0) break;
      i++;
    } else out += ch;
  }
  return out.replace(/,(\s*[}\]])/g, "$1");
}

/** `wrangler deploy --dry-run --outdir .bench/dist`: the bundle a deploy uploads. */
export async function buildWorker() {
  rmSync(DIST, { recursive: true, force: true });
  const require = createRequire(path.join(ROOT, "package.json"));
  const cli = path.join(path.dirname(require.resolve("wrangler/package.json")), "wrangler-dist", "cli.js");
  const args = ["--no-warnings", cli, "deploy", "--dry-run", "--outdir", path.relative(ROOT, DIST)];
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        CI: "true",
        NO_COLOR: "1",
        FORCE_COLOR: "0",
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_HIDE_BANNER: "true",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
      },
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), BUILD_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`wrangler deploy --dry-run ${signal ? `was stopped by ${signal}` : `exited with ${code}`}:\n${output.trim()}`));
    });
  });
  const main = path.join(DIST, "index.js");
  readFileSync(main); // throws a clear ENOENT if wrangler wrote something else
  return main;
}

/**
 * Starts workerd through Miniflare with the bindings of wrangler.jsonc. `onLog` receives every
 * structured log line of the Worker (console.log/warn/error) and `onMiniflareLog(level, text)`
 * Miniflare's own lines (errors, and one per Queue batch with its duration), so nothing reaches
 * our stdout. `port` 0 picks a free one; `publicBaseUrl` is the PUBLIC_BASE_URL binding (empty: the
 * Worker uses each request's own origin, and the outbox knows no receive URL for status callbacks).
 * `d1Persist`: a directory for D1's SQLite files (on disk, as `wrangler dev` keeps them) instead of memory.
 * `extraWorkers`: more Workers in the same workerd process (Miniflare worker options, each with its
 * own `routes`); the hub is the first and answers every request no route claims. The hub's D1 meter
 * is on (D1_METER, see src/db/meter.ts): `readMeter()` gives its totals so far.
 */
export async function startHub({ scriptPath, secretsKey, onLog, onMiniflareLog, inspectorPort, port = 0, publicBaseUrl = "", d1Persist, extraWorkers = [] }) {
  const { Miniflare, Log, LogLevel, convertV4MiniflareOptions } = await import("miniflare");
  class CapturingLog extends Log {
    constructor() {
      super(LogLevel.INFO);
    }
    logWithLevel(level, message) {
      if (level <= this.level) onMiniflareLog(LogLevel[level] ?? String(level), stripVTControlCharacters(String(message)));
    }
  }
  const cfg = readWranglerConfig();
  const d1 = cfg.d1_databases ?? [];
  const doBindings = cfg.durable_objects?.bindings ?? [];
  const sqliteClasses = new Set((cfg.migrations ?? []).flatMap((m) => m.new_sqlite_classes ?? []));
  const producers = cfg.queues?.producers ?? [];
  const consumers = cfg.queues?.consumers ?? [];
  const ratelimits = cfg.ratelimits ?? [];

  const hub = {
    name: cfg.name,
    modules: [{ type: "ESModule", path: scriptPath }],
    modulesRoot: path.dirname(scriptPath),
    compatibilityDate: cfg.compatibility_date,
    compatibilityFlags: cfg.compatibility_flags ?? [],
    bindings: { ...(cfg.vars ?? {}), SECRETS_KEY: secretsKey, PUBLIC_BASE_URL: publicBaseUrl, D1_METER: "on" },
    d1Databases: Object.fromEntries(d1.map((d) => [d.binding, `bench-${d.database_name}`])),
    durableObjects: Object.fromEntries(
      doBindings.map((b) => [b.name, { className: b.class_name, useSQLite: sqliteClasses.has(b.class_name) }]),
    ),
    queueProducers: Object.fromEntries(producers.map((p) => [p.binding, { queueName: p.queue }])),
    ratelimits: Object.fromEntries(ratelimits.map((r) => [r.name, { namespace_id: String(r.namespace_id), simple: r.simple }])),
    queueConsumers: Object.fromEntries(
      consumers.map((c) => [
        c.queue,
        {
          maxBatchSize: c.max_batch_size,
          maxBatchTimeout: c.max_batch_timeout,
          maxRetries: c.max_retries,
          deadLetterQueue: c.dead_letter_queue,
          retryDelay: c.retry_delay,
        },
      ]),
    ),
  };
  const options = convertV4MiniflareOptions({
    host: "127.0.0.1",
    port,
    cf: false,
    logRequests: false,
    log: new CapturingLog(),
    ...(inspectorPort === undefined ? {} : { inspectorPort }),
    handleStructuredLogs: onLog,
    ...(d1Persist ? { d1Persist } : {}),
    workers: [hub, ...extraWorkers],
  });
  const mf = new Miniflare(options);
  const url = new URL((await mf.ready).href.replace(/\/$/, ""));
  const readMeter = async () => (await fetch(new URL("/__bench/d1-meter", url))).json();
  return { mf, url, config: cfg, readMeter };
}

/** Applies migrations/*.sql in name order, statement by statement, as wrangler d1 migrations would. */
export async function migrate(db) {
  const dir = path.join(ROOT, "migrations");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
  let statements = 0;
  for (const file of files) {
    const sql = readFileSync(path.join(dir, file), "utf8");
    for (const stmt of sql.split("--> statement-breakpoint").map((s) => s.trim()).filter(Boolean)) {
      await db.prepare(stmt).run();
      statements++;
    }
  }
  return { files: files.length, statements };
}

/** A fresh AES-256 key for SECRETS_KEY, base64 as the Worker expects. */
export const newSecretsKey = () => randomBytes(32).toString("base64");

/** The hub's own sealing and hashing (src/security/crypto.ts is WebCrypto only: Node loads it as it is). */
export async function hubCrypto() {
  return import(pathToFileURL(path.join(ROOT, "src/security/crypto.ts")).href);
}

const ROUTING = { strategy: "round-robin", agentRingTimeS: 20, presenceGraceS: 30 };

/**
 * One queue, K agents who can hold every ticket of the run, their API tokens and memberships,
 * and one Telegram account whose Bot API is the local stand-in. Rows as the admin API writes them.
 */
export async function seed(db, { agents, capacity, secretsKey, botApiBaseUrl, botToken, secretToken }) {
  const { seal, randomToken } = await hubCrypto();
  const queueId = "queue-bench";
  const account = { id: "acct-bench-telegram", key: `tg-${randomToken(12)}` };
  const credentials = await seal(secretsKey, JSON.stringify({ botToken, secretToken }));
  const statements = [
    db.prepare("INSERT INTO queues (id, name, routing) VALUES (?1, ?2, ?3)").bind(queueId, "Bench queue", JSON.stringify(ROUTING)),
    db
      .prepare("INSERT INTO channel_accounts (id, provider, key, name, queue_id, settings, credentials) VALUES (?1, 'telegram', ?2, ?3, ?4, ?5, ?6)")
      .bind(account.id, account.key, "Bench bot", queueId, JSON.stringify({ apiBaseUrl: botApiBaseUrl }), credentials),
  ];
  const people = await agentStatements(db, statements, { agents, capacity, queueId });
  await db.batch(statements);
  return { queueId, account, agents: people };
}

/**
 * `--floor`'s inbound-only phase: a second queue and a second Telegram account routed to it, with
 * K agents of its own (members of that queue only, as the full cycle's are of theirs), or with the
 * full cycle's agents when `shared` (`--shared-agents`: every agent then in two queues, each offer
 * granted by the agent's ledger). Its agents only take offers, so its ring and presence timers are
 * the longest the hub allows: nothing there fires again during the rest of the run.
 */
export async function seedInboundQueue(db, { agents, shared, capacity, secretsKey, botApiBaseUrl, botToken, secretToken }) {
  const { seal, randomToken } = await hubCrypto();
  const queueId = "queue-bench-inbound";
  const account = { id: "acct-bench-inbound", key: `tg-${randomToken(12)}` };
  const credentials = await seal(secretsKey, JSON.stringify({ botToken, secretToken }));
  const statements = [
    db.prepare("INSERT INTO queues (id, name, routing) VALUES (?1, ?2, ?3)").bind(queueId, "Bench inbound queue", JSON.stringify({ ...ROUTING, agentRingTimeS: 600, presenceGraceS: 600 })),
    db
      .prepare("INSERT INTO channel_accounts (id, provider, key, name, queue_id, settings, credentials) VALUES (?1, 'telegram', ?2, ?3, ?4, ?5, ?6)")
      .bind(account.id, account.key, "Bench inbound bot", queueId, JSON.stringify({ apiBaseUrl: botApiBaseUrl }), credentials),
  ];
  let people = agents;
  if (shared) statements.push(...agents.map((a) => db.prepare("INSERT INTO queue_members (queue_id, user_id) VALUES (?1, ?2)").bind(queueId, a.id)));
  else people = await agentStatements(db, statements, { agents: agents.length, capacity, queueId, prefix: "inbound-agent" });
  for (let i = 0; i < statements.length; i += 50) await db.batch(statements.slice(i, i + 50));
  return { queueId, account, agents: people };
}

/**
 * The mixed mode's seed: the same queue and agents, and one account per entry of `accounts`
 * (`{ provider, id, name, settings, credentials }`), every one active, its credentials sealed with
 * the hub's own `seal`. Returns each account with its receive-URL key.
 */
export async function seedAccounts(db, { agents, capacity, secretsKey, accounts }) {
  const { seal, randomToken } = await hubCrypto();
  const queueId = "queue-bench";
  const statements = [db.prepare("INSERT INTO queues (id, name, routing) VALUES (?1, ?2, ?3)").bind(queueId, "Bench queue", JSON.stringify(ROUTING))];
  const seeded = [];
  for (const a of accounts) {
    const key = `${a.provider.slice(0, 2)}-${randomToken(12)}`;
    statements.push(
      db
        .prepare("INSERT INTO channel_accounts (id, provider, key, name, queue_id, settings, credentials, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active')")
        .bind(a.id, a.provider, key, a.name, queueId, JSON.stringify(a.settings), await seal(secretsKey, JSON.stringify(a.credentials))),
    );
    seeded.push({ ...a, key });
  }
  const people = await agentStatements(db, statements, { agents, capacity, queueId });
  await db.batch(statements);
  return { queueId, accounts: seeded, agents: people };
}

/** K agents, their API tokens and memberships of the queue: statements appended to `statements`. */
async function agentStatements(db, statements, { agents, capacity, queueId, prefix = "agent" }) {
  const { sha256Hex, randomToken } = await hubCrypto();
  const people = [];
  for (let i = 1; i <= agents; i++) {
    const id = `${prefix}-${i}`;
    const token = `bench-${randomToken(24)}`;
    people.push({ id, token, name: `Agent ${i}` });
    statements.push(
      db
        .prepare("INSERT INTO users (id, email, display_name, role, capacity) VALUES (?1, ?2, ?3, 'agent', ?4)")
        .bind(id, `${id}@bench.invalid`, `Agent ${i}`, capacity),
      db.prepare("INSERT INTO api_tokens (id, user_id, token_hash, label) VALUES (?1, ?2, ?3, 'bench')").bind(`tok-${id}`, id, await sha256Hex(token)),
      db.prepare("INSERT INTO queue_members (queue_id, user_id) VALUES (?1, ?2)").bind(queueId, id),
    );
  }
  return people;
}
