// `npm run bench`: the hub in workerd (Miniflare, no wrangler dev), K agent sockets that accept every
// offer and reply, N authentic Telegram updates posted over loopback at a fixed concurrency, and a
// local stand-in for the Bot API. Prints a human summary to stderr and one JSON line, last, to stdout.
// `--mixed`: the same, with the N updates spread over one account of each of the six providers.
import { performance } from "node:perf_hooks";
import { AgentPool } from "./lib/agents.mjs";
import { cpuReading, findWorkerdPid } from "./lib/cpu.mjs";
import { parseArgs, UsageError } from "./lib/args.mjs";
import { buildWorker, migrate, newSecretsKey, OUT_DIR, startHub } from "./lib/hub.mjs";
import { runLoad } from "./lib/load.mjs";
import { selfTimeByFile, startProfiles } from "./lib/profile.mjs";
import { freePort, mixedScenario, telegramScenario } from "./lib/scenarios.mjs";
import { round1, summarize } from "./lib/stats.mjs";

const REPLY_TEXT = "Teşekkürler! Kargonuz yolda, yarın teslim 🚚";
/** Building and starting the hub may take this long before the measured part begins. */
const SETUP_BUDGET_MS = 240_000;
/** GET /healthz requests sent before the baseline to warm the isolate, not measured. */
const WARMUP_REQUESTS = 200;
/** Cleanup may take this long after the wait ends. */
const TEARDOWN_BUDGET_MS = 30_000;

const say = (msg) => process.stderr.write(`bench: ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (parsed.help) {
    process.stderr.write(`${parsed.help}\n`);
    return 0;
  }
  const opts = parsed.opts;
  const N = opts.updates;
  const runStarted = performance.now();
  // Whatever happens, the process ends: setup, the measured part and teardown are each bounded.
  const hardStop = setTimeout(
    () => {
      say(`gave up: the run exceeded ${Math.round((SETUP_BUDGET_MS + opts.deadline * 1000 + TEARDOWN_BUDGET_MS) / 1000)} s`);
      process.exit(1);
    },
    SETUP_BUDGET_MS + opts.deadline * 1000 + TEARDOWN_BUDGET_MS,
  );
  hardStop.unref();

  const workerLogs = { counts: {}, samples: [] };
  const onLog = (log) => {
    workerLogs.counts[log.level] = (workerLogs.counts[log.level] ?? 0) + 1;
    if (opts.verbose) process.stderr.write(`worker ${log.level}: ${log.message}\n`);
    else if ((log.level === "error" || log.level === "warn") && workerLogs.samples.length < 10) workerLogs.samples.push(`${log.level}: ${log.message}`.slice(0, 500));
  };

  const queueBatches = { count: 0, messages: 0, acked: 0, ms: [], byQueue: {} };
  const mfLogs = { counts: {}, samples: [] };
  const onMiniflareLog = (level, text) => {
    const batch = /QUEUE (\S+) (\d+)\/(\d+)(?: \((\d+)ms\))?/.exec(text);
    if (batch) {
      queueBatches.count++;
      queueBatches.byQueue[batch[1]] = (queueBatches.byQueue[batch[1]] ?? 0) + 1;
      queueBatches.acked += Number(batch[2]);
      queueBatches.messages += Number(batch[3]);
      if (batch[4] !== undefined) queueBatches.ms.push(Number(batch[4]));
      return;
    }
    mfLogs.counts[level] = (mfLogs.counts[level] ?? 0) + 1;
    if (opts.verbose) process.stderr.write(`miniflare ${level}: ${text}\n`);
    else if ((level === "ERROR" || level === "WARN") && mfLogs.samples.length < 10) mfLogs.samples.push(`${level}: ${text}`.slice(0, 500));
  };

  say(`${opts.mixed ? "mode=mixed " : ""}updates=${N} concurrency=${opts.concurrency} agents=${opts.agents} deadline=${opts.deadline}s`);
  say("building the Worker (wrangler deploy --dry-run)…");
  const scriptPath = await buildWorker();

  const secretsKey = newSecretsKey();
  const scenario = opts.mixed ? await mixedScenario() : await telegramScenario();
  const bot = scenario.standIn;
  let hub;
  let pool;
  try {
    say("starting workerd…");
    const inspectorPort = opts.profile ? await freePort() : undefined;
    hub = await startHub({ scriptPath, secretsKey, onLog, onMiniflareLog, inspectorPort, ...(await scenario.hubOptions()) });
    const db = await hub.mf.getD1Database("DB");
    await migrate(db);
    const seeded = await scenario.seed(db, { agents: opts.agents, capacity: Math.max(1000, N), secretsKey });
    say(scenario.describe(hub.url));

    pool = new AgentPool({ baseUrl: hub.url, queueId: seeded.queueId, agents: seeded.agents, replyText: REPLY_TEXT, identify: scenario.identify });
    await pool.connect();
    say(`${opts.agents} agent sockets connected`);

    const measureStarted = performance.now();
    const deadline = measureStarted + opts.deadline * 1000;

    // Warm-up (not measured): the first requests of a fresh isolate run cold code.
    await runLoad({ baseUrl: hub.url, count: Math.min(N, WARMUP_REQUESTS), concurrency: opts.concurrency, deadline, make: () => ({ method: "GET", path: "/healthz" }) });
    const workerdPid = findWorkerdPid();
    const cpuAtStart = cpuReading(workerdPid);

    // Baseline: the trivial route, same count and concurrency, same process, just before the ingest.
    const baseline = await runLoad({
      baseUrl: hub.url,
      count: N,
      concurrency: opts.concurrency,
      deadline,
      make: () => ({ method: "GET", path: "/healthz" }),
    });
    say(`baseline GET /healthz: ${round1(baseline.perSecond)}/s (${baseline.ok}/${N} ok)`);

    const profiles = opts.profile
      ? await startProfiles({ inspectorPort, targets: [`core:user:${hub.config.name}`, "d1:db"], outDir: OUT_DIR })
      : null;
    const cpuAfterBaseline = cpuReading(workerdPid);
    const requests = scenario.prepare(N);
    const ingest = await runLoad({ baseUrl: hub.url, count: N, concurrency: opts.concurrency, deadline, make: requests.make });
    say(`ingest POST ${requests.label}: ${round1(ingest.perSecond)}/s (${ingest.ok}/${N} ok, statuses ${JSON.stringify(ingest.statuses)})`);

    const cpuAfterIngest = cpuReading(workerdPid);
    const profiled = profiles ? await profiles.stop() : [];
    // Wait (bounded) for every offer, every reply at the stand-in and every 'sent' status.
    const sentCount = () => scenario.sentCount(db);
    let sent = await sentCount();
    let lastProgress = performance.now();
    let lastSeen = "";
    let stopReason = "complete";
    for (;;) {
      const seen = `${pool.offers.size}/${pool.replies.size}/${bot.arrivals.size}/${sent}`;
      if (seen !== lastSeen) {
        lastSeen = seen;
        lastProgress = performance.now();
      }
      const everyOffered = pool.offers.size >= ingest.attempted;
      const everyReplyArrived = bot.arrivals.size >= pool.replies.size && pool.replies.size >= pool.offers.size;
      if (everyOffered && everyReplyArrived && sent >= bot.arrivals.size) break;
      if (performance.now() >= deadline) {
        stopReason = `deadline (${opts.deadline} s)`;
        break;
      }
      if (performance.now() - lastProgress >= opts.stall * 1000) {
        stopReason = `no progress for ${opts.stall} s`;
        break;
      }
      await sleep(100);
      // D1 is read only once the sockets and the stand-in saw everything: polling it sooner would add load.
      if (everyOffered && everyReplyArrived) sent = await sentCount();
    }
    const waitEnded = performance.now();
    const cpuAtEnd = cpuReading(workerdPid);

    // What the hub stored, by update.
    const stored = await scenario.storedIndexes(db, N);
    const outbound = await scenario.outbound(db);

    const offerMs = [];
    const replyMs = [];
    let lost = 0;
    const lostSamples = [];
    for (let i = 0; i < N; i++) {
      const posted = ingest.results[i];
      const offeredAt = pool.offers.get(i);
      if (posted && offeredAt !== undefined) offerMs.push(offeredAt - posted.start);
      const repliedAt = pool.replies.get(i);
      const arrivedAt = bot.arrivals.get(i);
      if (repliedAt !== undefined && arrivedAt !== undefined) replyMs.push(arrivedAt - repliedAt);
      if (!stored.has(i) || offeredAt === undefined) {
        lost++;
        if (lostSamples.length < 5) {
          lostSamples.push({ update: i, posted: posted ? posted.status || posted.error : "not sent", stored: stored.has(i), offered: offeredAt !== undefined, body: posted?.body });
        }
      }
    }

    const result = {
      ingest_per_s: round1(ingest.perSecond),
      baseline_per_s: round1(baseline.perSecond),
      ratio: baseline.perSecond > 0 ? Math.round((ingest.perSecond / baseline.perSecond) * 1000) / 1000 : 0,
      offer_ms: summarize(offerMs),
      reply_ms: summarize(replyMs),
      sent: await sentCount(),
      stored: stored.size,
      offered: pool.offers.size,
      replied: bot.arrivals.size,
      lost,
    };

    // The human summary, on stderr.
    const webhookMs = summarize(ingest.results.filter(Boolean).map((r) => r.end - r.start));
    const healthMs = summarize(baseline.results.filter(Boolean).map((r) => r.end - r.start));
    say(`waited ${round1((waitEnded - ingest.finished) / 1000)} s after the last POST: ${stopReason}`);
    say(`webhook response ms p50/p95/p99: ${webhookMs.p50}/${webhookMs.p95}/${webhookMs.p99}; /healthz: ${healthMs.p50}/${healthMs.p95}/${healthMs.p99}`);
    say(`offer ms (webhook sent → offer at agent) p50/p95/p99: ${result.offer_ms.p50}/${result.offer_ms.p95}/${result.offer_ms.p99}`);
    say(`reply ms (reply sent → at ${scenario.standInName}) p50/p95/p99: ${result.reply_ms.p50}/${result.reply_ms.p95}/${result.reply_ms.p99}`);
    say(`stored ${result.stored}, offered ${result.offered}, replies sent by agents ${pool.replies.size}, at stand-in ${result.replied}, marked sent ${result.sent}, lost ${lost}`);
    say(`outbound rows by status: ${JSON.stringify(outbound)}`);
    say(`agent frames: ${JSON.stringify(pool.counters)}; stand-in: ${scenario.standInSummary()}`);
    if (scenario.kinds) await describeByProvider(scenario, { N, concurrency: opts.concurrency, ingest, offerMs: pool.offers, replies: pool.replies, arrivals: bot.arrivals, stored, db });
    const arrivals = [...bot.arrivals.values()].sort((a, b) => a - b);
    if (arrivals.length > 1) {
      const during = arrivals.filter((t) => t <= ingest.finished).length;
      const repliedDuring = [...pool.replies.values()].filter((t) => t <= ingest.finished).length;
      say(
        `delivery: ${round1(arrivals.length / ((arrivals.at(-1) - arrivals[0]) / 1000))} replies/s at the stand-in (first to last arrival); ` +
          `${during} of ${repliedDuring} replies sent during the ingest phase had arrived when it ended`,
      );
    }
    const batchMs = summarize(queueBatches.ms);
    say(
      `queue batches: ${queueBatches.count} (${JSON.stringify(queueBatches.byQueue)}), ${queueBatches.acked}/${queueBatches.messages} messages acked, ` +
        `${round1(queueBatches.messages / Math.max(1, queueBatches.count))} per batch, consumer ms per batch p50/p95/p99: ${batchMs.p50}/${batchMs.p95}/${batchMs.p99}`,
    );
    const phases = [
      ["baseline", cpuAfterBaseline.since(cpuAtStart), baseline.finished - baseline.started],
      ["ingest", cpuAfterIngest.since(cpuAfterBaseline), ingest.finished - ingest.started],
      ["drain", cpuAtEnd.since(cpuAfterIngest), waitEnded - ingest.finished],
    ];
    say(
      `CPU seconds (workerd / bench process) per wall second: ` +
        phases.map(([name, c, ms]) => `${name} ${c.workerd === null ? "?" : ((c.workerd * 1000) / ms).toFixed(2)} / ${((c.bench * 1000) / ms).toFixed(2)}`).join(", "),
    );
    say(`worker log lines by level: ${JSON.stringify(workerLogs.counts)}; other Miniflare lines: ${JSON.stringify(mfLogs.counts)}`);
    for (const { target, file, profile } of profiled) {
      const { totalMs, rows } = selfTimeByFile(profile, target.startsWith("core:user:") ? scriptPath : null);
      say(`profile of ${target} during the ingest phase (${file}): ${round1(totalMs)} ms sampled; self time by file:`);
      for (const [key, ms] of rows.slice(0, 14)) say(`  ${((ms / totalMs) * 100).toFixed(1).padStart(5)}%  ${round1(ms)} ms  ${key}`);
    }
    for (const s of workerLogs.samples) say(`  worker ${s}`);
    for (const s of mfLogs.samples) say(`  miniflare ${s}`);
    for (const s of pool.errorSamples) say(`  agent error frame: ${JSON.stringify(s).slice(0, 400)}`);
    for (const s of lostSamples) say(`  lost: ${JSON.stringify(s)}`);
    if (lost > 0 || result.replied < result.offered) await describeQueue(hub.mf, seeded.queueId);
    say(`total ${round1((performance.now() - runStarted) / 1000)} s (measured part ${round1((waitEnded - measureStarted) / 1000)} s)`);

    await teardown(pool, hub, scenario);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return lost > 0 ? 1 : 0;
  } catch (err) {
    await teardown(pool, hub, scenario).catch(() => undefined);
    throw err;
  }
}

/**
 * The mixed mode's breakdown, on stderr: per provider, its share of the ingest rate (its 2xx
 * answers per second of the one mixed ingest phase: the rows add up to ingest_per_s); the rate the
 * phase would have had if every request took as long as this provider's did (concurrency / mean
 * webhook time, Little's law: for all providers together it gives ingest_per_s back); webhook,
 * offer and reply medians; and how many of its updates were lost.
 */
async function describeByProvider(scenario, { N, concurrency, ingest, offerMs, replies, arrivals, stored, db }) {
  const seconds = (ingest.finished - ingest.started) / 1000;
  const sent = await scenario.sentByKind(db);
  const rows = scenario.kinds.map((kind) => {
    const r = { kind, posted: 0, ok: 0, webhook: [], offer: [], reply: [], stored: 0, offered: 0, replied: 0, lost: 0 };
    for (let i = 0; i < N; i++) {
      if (scenario.kindOf(i) !== kind) continue;
      const posted = ingest.results[i];
      if (posted) {
        r.posted++;
        if (posted.status >= 200 && posted.status < 300) r.ok++;
        r.webhook.push(posted.end - posted.start);
      }
      const offeredAt = offerMs.get(i);
      if (posted && offeredAt !== undefined) r.offer.push(offeredAt - posted.start);
      if (replies.has(i) && arrivals.has(i)) r.reply.push(arrivals.get(i) - replies.get(i));
      if (stored.has(i)) r.stored++;
      if (offeredAt !== undefined) r.offered++;
      if (arrivals.has(i)) r.replied++;
      if (!stored.has(i) || offeredAt === undefined) r.lost++;
    }
    return r;
  });
  const result = Object.fromEntries(
    rows.map((r) => [
      r.kind,
      {
        ingest_per_s: round1(r.ok / seconds),
        at_its_cost_per_s: r.webhook.length ? round1(Math.min(concurrency, r.posted) / (r.webhook.reduce((a, b) => a + b, 0) / r.webhook.length / 1000)) : 0,
        webhook_ms_p50: summarize(r.webhook).p50,
        offer_ms_p50: summarize(r.offer).p50,
        reply_ms_p50: summarize(r.reply).p50,
        posted: r.posted,
        stored: r.stored,
        offered: r.offered,
        replied: r.replied,
        sent: sent[r.kind] ?? 0,
        lost: r.lost,
      },
    ]),
  );
  say("per provider (ingest/s: its 2xx per second of the mixed ingest phase; at-cost/s: concurrency / its mean webhook time; ms medians):");
  say(`  ${"provider".padEnd(11)}${"ingest/s".padStart(9)}${"at-cost/s".padStart(10)}${"webhook p50".padStart(13)}${"offer p50".padStart(11)}${"reply p50".padStart(11)}${"posted".padStart(8)}${"stored".padStart(8)}${"offered".padStart(9)}${"replied".padStart(9)}${"sent".padStart(6)}${"lost".padStart(6)}`);
  for (const [kind, v] of Object.entries(result)) {
    say(
      `  ${kind.padEnd(11)}${String(v.ingest_per_s).padStart(9)}${String(v.at_its_cost_per_s).padStart(10)}${String(v.webhook_ms_p50).padStart(13)}${String(v.offer_ms_p50).padStart(11)}${String(v.reply_ms_p50).padStart(11)}` +
        `${String(v.posted).padStart(8)}${String(v.stored).padStart(8)}${String(v.offered).padStart(9)}${String(v.replied).padStart(9)}${String(v.sent).padStart(6)}${String(v.lost).padStart(6)}`,
    );
  }
  say(`per provider JSON: ${JSON.stringify(result)}`);
  for (const p of await scenario.accountProblems(db)) say(`  account problem: ${JSON.stringify(p).slice(0, 500)}`);
  for (const r of scenario.standIn.rejections) say(`  stand-in refused: ${r}`);
}

/** On trouble: the queue object's view of tickets, straight from its RPC snapshot. */
async function describeQueue(mf, queueId) {
  try {
    const ns = await mf.getDurableObjectNamespace("QUEUE_OBJECT");
    const snap = await ns.get(ns.idFromName(queueId)).snapshot();
    const states = {};
    for (const t of snap.tickets) states[t.state] = (states[t.state] ?? 0) + 1;
    say(`queue object: tickets by state ${JSON.stringify(states)}; agents ${JSON.stringify(snap.agents.map((a) => `${a.id}:${a.status}:${a.load}/${a.capacity}:${a.sockets}s`))}; timers ${snap.timers.length}`);
  } catch (err) {
    say(`queue object snapshot unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function teardown(pool, hub, scenario) {
  pool?.close();
  await sleep(50);
  if (hub) await hub.mf.dispose();
  await scenario.close();
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
