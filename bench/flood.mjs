// `node bench/flood.mjs`: what a flood of forged webhooks does to a legitimate one. The hub runs in
// workerd (Miniflare, the bundle `wrangler deploy` would upload, bindings and rate limits from
// wrangler.jsonc). One Telegram account receives authentic updates at a steady pace, measured
// alone (idle) and then while forged requests arrive at --rate per second: half with a wrong secret
// token on the real receive URL, half on unknown keys. Two floods: from the legitimate sender's own
// address (as in a local run, where everything comes from 127.0.0.1), and from a new address per
// request (CF-Connecting-IP, which Miniflare keeps when the client sets it). Last, a
// body sent one byte a second is shown cut off with 408 while /healthz keeps answering.
// Prints a summary to stderr and one JSON line to stdout. Options: --rate N (default 200),
// --legit N (authentic updates per phase, default 100), --pace N (authentic per second, default 10),
// --costs (only the CPU per request), --no-slow-body, --disk (D1 in SQLite files on disk, as
// `wrangler dev` keeps it, rather than in memory).
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { cpuReading, findWorkerdPid } from "./lib/cpu.mjs";
import { buildWorker, hubCrypto, migrate, newSecretsKey, seed, startHub } from "./lib/hub.mjs";
import { telegramUpdate } from "./lib/load.mjs";
import { summarize } from "./lib/stats.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RATE = arg("rate", 200);
const LEGIT = arg("legit", 100);
const PACE = arg("pace", 10);
const SECRET = "bench-Secret_token-0123456789";
const LEGIT_SOURCE = "198.51.100.7";
const say = (msg) => process.stderr.write(`flood: ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function send(agent, url, { method = "POST", path, headers = {}, body }) {
  return new Promise((resolve) => {
    const start = performance.now();
    const bytes = body === undefined ? undefined : Buffer.from(body);
    const req = http.request(
      { agent, host: url.hostname, port: url.port, method, path, headers: bytes ? { ...headers, "content-type": "application/json", "content-length": bytes.byteLength } : headers },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ ms: performance.now() - start, status: res.statusCode }));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
    req.on("error", (err) => resolve({ ms: performance.now() - start, status: 0, error: err.code ?? err.message }));
    req.end(bytes);
  });
}

/** `count` authentic updates, `pace` per second, each timed. */
async function legitimate(url, key, from, count, pace) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const pending = [];
  for (let i = 0; i < count; i++) {
    pending.push(send(agent, url, { path: `/webhooks/telegram/${key}`, headers: { "x-telegram-bot-api-secret-token": SECRET, "cf-connecting-ip": LEGIT_SOURCE }, body: JSON.stringify(telegramUpdate(from + i)) }));
    await sleep(1000 / pace);
  }
  const done = await Promise.all(pending);
  agent.destroy();
  return { ...summarize(done.map((r) => r.ms)), statuses: tally(done) };
}

/** Forged requests at `rate` per second until `stop()`; `source(i)` is each one's address. */
function forgedFlood(url, key, rate, source) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const results = [];
  let i = 0;
  let running = true;
  const started = performance.now();
  const loop = (async () => {
    while (running) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; i < due; i++) {
        const n = i;
        const path = n % 2 ? `/webhooks/telegram/unknown-${n.toString(36)}` : `/webhooks/telegram/${key}`;
        const headers = { "x-telegram-bot-api-secret-token": `forged-${n}`, "cf-connecting-ip": source(n) };
        results.push(send(agent, url, { path, headers, body: JSON.stringify(telegramUpdate(9_000_000 + n)) }));
      }
      await sleep(5);
    }
  })();
  return async () => {
    running = false;
    await loop;
    const done = await Promise.all(results);
    agent.destroy();
    return { sent: done.length, perSecond: Math.round(done.length / ((performance.now() - started) / 1000)), ...summarize(done.map((r) => r.ms)), statuses: tally(done) };
  };
}

function tally(results) {
  const t = {};
  for (const r of results) t[r.status || r.error] = (t[r.status || r.error] ?? 0) + 1;
  return t;
}

/**
 * workerd CPU ms per request of each kind, `count` of them 16 at a time: a number that does not
 * depend on what else the machine is doing. The forged ones come from an address already over its
 * limit (the state a flood is in after its first 30 refusals), or each from an address of its own.
 */
async function costs(url, key, workerdPid, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const kinds = {
    authentic: (i) => ({ path: `/webhooks/telegram/${key}`, headers: { "x-telegram-bot-api-secret-token": SECRET, "cf-connecting-ip": LEGIT_SOURCE }, body: JSON.stringify(telegramUpdate(5_000_000 + i)) }),
    wrongSecret: (i) => ({ path: `/webhooks/telegram/${key}`, headers: { "x-telegram-bot-api-secret-token": `forged-${i}`, "cf-connecting-ip": LEGIT_SOURCE }, body: JSON.stringify(telegramUpdate(6_000_000 + i)) }),
    unknownKey: (i) => ({ path: `/webhooks/telegram/unknown-c${i}`, headers: { "cf-connecting-ip": LEGIT_SOURCE }, body: JSON.stringify(telegramUpdate(7_000_000 + i)) }),
    wrongSecretNewSource: (i) => ({ path: `/webhooks/telegram/${key}`, headers: { "x-telegram-bot-api-secret-token": `forged-${i}`, "cf-connecting-ip": `2001:db8:c0::${i.toString(16)}` }, body: JSON.stringify(telegramUpdate(6_500_000 + i)) }),
    unknownKeyNewSource: (i) => ({ path: `/webhooks/telegram/unknown-d${i}`, headers: { "cf-connecting-ip": `2001:db8:d0::${i.toString(16)}` }, body: JSON.stringify(telegramUpdate(7_500_000 + i)) }),
    healthz: () => ({ method: "GET", path: "/healthz" }),
  };
  const out = {};
  for (const [name, make] of Object.entries(kinds)) {
    const before = cpuReading(workerdPid);
    let next = 0;
    const statuses = [];
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < count) statuses.push((await send(agent, url, make(next++))).status);
    }));
    const used = cpuReading(workerdPid).since(before);
    out[name] = { workerdCpuMsPerRequest: used.workerd === null ? null : Math.round((used.workerd * 1000 * 100) / count) / 100, statuses: tally(statuses.map((status) => ({ status }))) };
  }
  agent.destroy();
  return out;
}

/** A webhook body sent one byte a second, and /healthz polled meanwhile. */
async function trickle(url, key) {
  const start = performance.now();
  const slow = new Promise((resolve) => {
    const req = http.request({ host: url.hostname, port: url.port, method: "POST", path: `/webhooks/telegram/${key}`, headers: { "x-telegram-bot-api-secret-token": SECRET, "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, s: Math.round((performance.now() - start) / 100) / 10 }));
    });
    req.on("error", (err) => resolve({ status: 0, error: err.code }));
    const body = JSON.stringify(telegramUpdate(8_000_000));
    let at = 0;
    const timer = setInterval(() => {
      if (at >= body.length || req.destroyed) return clearInterval(timer);
      req.write(body[at++]);
    }, 1000);
    req.on("close", () => clearInterval(timer));
  });
  const agent = new http.Agent({ keepAlive: true });
  const health = [];
  let answered = false;
  slow.then(() => (answered = true));
  while (!answered) {
    health.push(await send(agent, url, { method: "GET", path: "/healthz" }));
    await sleep(100);
  }
  agent.destroy();
  return { body: await slow, healthz: { ...summarize(health.map((r) => r.ms)), statuses: tally(health) } };
}

async function main() {
  say("building the Worker bundle");
  const scriptPath = await buildWorker();
  const secretsKey = newSecretsKey();
  let errors = 0;
  const shown = (text) => errors++ < 3 && say(`worker error: ${text.slice(0, 400)}`);
  const d1Persist = process.argv.includes("--disk") ? mkdtempSync(path.join(tmpdir(), "flood-d1-")) : undefined;
  const hub = await startHub({ scriptPath, secretsKey, d1Persist, onLog: (log) => log.level === "error" && shown(log.message), onMiniflareLog: (level, text) => level === "ERROR" && shown(text) });
  try {
    const db = await hub.mf.getD1Database("DB");
    await migrate(db);
    const { account } = await seed(db, { agents: 0, capacity: 1, secretsKey, botApiBaseUrl: "http://127.0.0.1:9", botToken: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", secretToken: SECRET });
    const url = hub.url;
    await legitimate(url, account.key, 0, 20, 20); // warm-up
    if (process.argv.includes("--costs")) {
      const cpu = await costs(url, account.key, findWorkerdPid(), 400);
      say(`workerd CPU ms per request: ${Object.entries(cpu).map(([k, v]) => `${k} ${v.workerdCpuMsPerRequest} ${JSON.stringify(v.statuses)}`).join("; ")}`);
      return;
    }
    say(`idle: ${LEGIT} authentic updates at ${PACE}/s`);
    const idle = await legitimate(url, account.key, 1_000, LEGIT, PACE);

    say(`flood from the sender's own address at ${RATE}/s`);
    const stopOne = forgedFlood(url, account.key, RATE, () => LEGIT_SOURCE);
    await sleep(1000);
    const duringOne = await legitimate(url, account.key, 2_000, LEGIT, PACE);
    const floodOne = await stopOne();

    say(`flood from a new address per request at ${RATE}/s`);
    const stopMany = forgedFlood(url, account.key, RATE, (n) => `2001:db8:${(n >> 16).toString(16)}:${(n & 0xffff).toString(16)}::1`);
    await sleep(1000);
    const duringMany = await legitimate(url, account.key, 3_000, LEGIT, PACE);
    const floodMany = await stopMany();

    say("workerd CPU per request");
    const cpu = await costs(url, account.key, findWorkerdPid(), 400);

    const ratio = (p) => Math.round((p.p95 / idle.p95) * 100) / 100;
    say(`legit p95 idle ${idle.p95} ms; flood from one address ${duringOne.p95} ms (${ratio(duringOne)}x); from many ${duringMany.p95} ms (${ratio(duringMany)}x)`);

    say("a body sent one byte a second");
    const slow = process.argv.includes("--no-slow-body") ? null : await trickle(url, account.key);

    const report = { rate: RATE, idle, oneSource: { legit: duringOne, forged: floodOne, p95VsIdle: ratio(duringOne) }, manySources: { legit: duringMany, forged: floodMany, p95VsIdle: ratio(duringMany) }, cpu, slowBody: slow };
    say(`forged answers, one address: ${JSON.stringify(floodOne.statuses)}; many: ${JSON.stringify(floodMany.statuses)}`);
    say(`workerd CPU ms per request: ${Object.entries(cpu).map(([k, v]) => `${k} ${v.workerdCpuMsPerRequest} ${JSON.stringify(v.statuses)}`).join("; ")}`);
    if (slow) say(`slow body: ${JSON.stringify(slow.body)}; /healthz meanwhile p95 ${slow.healthz.p95} ms`);
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await hub.mf.dispose();
    if (d1Persist) rmSync(d1Persist, { recursive: true, force: true });
  }
}

await hubCrypto(); // fails early and clearly if the crypto module cannot load
await main();
