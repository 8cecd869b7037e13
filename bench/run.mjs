// `npm run bench`: the hub in workerd (Miniflare, no wrangler dev), K agent sockets that accept every
// offer and reply, N authentic Telegram updates posted over loopback at a fixed concurrency, and a
// local stand-in for the Bot API. Prints a human summary to stderr and one JSON line, last, to stdout.
// `--mixed`: the same, with the N updates spread over one account of each of the six providers.
// `--floor`: also the floor Worker (bench/floor/worker.mjs) in the same workerd process, in four
// phases one after the other: hub inbound-only, floor inbound-only, hub full cycle, floor full cycle.
// `--latency`: one update at a time, each once the previous cycle completed (see bench/lib/phase.mjs).
import { performance } from "node:perf_hooks";
import { AgentPool } from "./lib/agents.mjs";
import { cpuReading, findWorkerdPid, memoryOf } from "./lib/cpu.mjs";
import { parseArgs, UsageError } from "./lib/args.mjs";
import { floorStored, floorWorker, migrateFloor } from "./lib/floor.mjs";
import { buildWorker, migrate, newSecretsKey, OUT_DIR, readWranglerConfig, seedInboundQueue, startHub } from "./lib/hub.mjs";
import { runLoad, telegramRequest, userIdOf } from "./lib/load.mjs";
import { phaseFigures, runPhase } from "./lib/phase.mjs";
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
/** With --floor, each inbound-only phase first posts this many updates, unmeasured, so hub and floor both start warm. */
const WARMUP_UPDATES = 100;
/** Between phases: lets what a phase set going (ledger reports, closing sockets) finish before the next. */
const PHASE_GAP_MS = 1_000;

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
  const withInbound = opts.floor && !opts.latency;
  const phaseCount = opts.floor ? (withInbound ? 4 : 2) : 1;
  const runStarted = performance.now();
  // Whatever happens, the process ends: setup, each phase's measured part and teardown are each bounded.
  const budgetMs = SETUP_BUDGET_MS + phaseCount * (opts.deadline * 1000 + 2 * PHASE_GAP_MS + 60_000) + TEARDOWN_BUDGET_MS;
  const hardStop = setTimeout(() => {
    say(`gave up: the run exceeded ${Math.round(budgetMs / 1000)} s`);
    process.exit(1);
  }, budgetMs);
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

  say(
    `${opts.mixed ? "mode=mixed " : ""}${opts.floor ? "floor " : ""}${opts.latency ? "latency (one update at a time) " : ""}` +
      `updates=${N} concurrency=${opts.concurrency} agents=${opts.agents} deadline=${opts.deadline}s per phase`,
  );
  say("building the Worker (wrangler deploy --dry-run)…");
  const scriptPath = await buildWorker();

  const secretsKey = newSecretsKey();
  const scenario = opts.mixed ? await mixedScenario() : await telegramScenario();
  const bot = scenario.standIn;
  let hub;
  const pools = [];
  try {
    say("starting workerd…");
    const inspectorPort = opts.profile ? await freePort() : undefined;
    const floorOptions = opts.floor ? { compatibilityDate: readCompatibilityDate(), botApiBaseUrl: bot.baseUrl, ...scenario.telegram } : null;
    hub = await startHub({
      scriptPath,
      secretsKey,
      onLog,
      onMiniflareLog,
      inspectorPort,
      extraWorkers: floorOptions ? [floorWorker(floorOptions)] : [],
      ...(await scenario.hubOptions()),
    });
    const db = await hub.mf.getD1Database("DB");
    await migrate(db);
    // Agents may hold every ticket of every hub phase at once.
    const seeded = await scenario.seed(db, { agents: opts.agents, capacity: 2 * Math.max(1000, N), secretsKey });
    say(scenario.describe(hub.url));
    let floorDb = null;
    let inbound = null;
    if (opts.floor) {
      floorDb = await hub.mf.getD1Database("DB", "bench-floor");
      await migrateFloor(floorDb);
      if (withInbound) {
        inbound = await seedInboundQueue(db, { agents: seeded.agents, shared: opts.sharedAgents, capacity: 2 * Math.max(1000, N), secretsKey, botApiBaseUrl: bot.baseUrl, ...scenario.telegram });
      }
      say(`floor Worker at ${new URL("/floor/", hub.url).href} (same workerd process, its own D1 database and Durable Object class)`);
    }

    const connect = async (options) => {
      const pool = new AgentPool({ baseUrl: hub.url, agents: seeded.agents, replyText: REPLY_TEXT, identify: scenario.identify, ...options });
      pools.push(pool);
      const started = performance.now();
      await pool.connect();
      say(`${opts.agents} agent sockets connected to ${options.label} in ${round1((performance.now() - started) / 1000)} s`);
      return pool;
    };
    const floorSocket = (agent) => {
      const url = new URL("/floor/ws", hub.url.href.replace(/^http/, "ws"));
      url.searchParams.set("agent", agent.id);
      return url;
    };
    const pool = await connect({ queueId: seeded.queueId, label: "the hub's queue" });

    const measureStarted = performance.now();
    const warmupDeadline = measureStarted + opts.deadline * 1000;

    // Warm-up (not measured): the first requests of a fresh isolate run cold code.
    await runLoad({ baseUrl: hub.url, count: Math.min(N, WARMUP_REQUESTS), concurrency: opts.concurrency, deadline: warmupDeadline, make: () => ({ method: "GET", path: "/healthz" }) });
    if (opts.floor) await runLoad({ baseUrl: hub.url, count: Math.min(N, WARMUP_REQUESTS), concurrency: opts.concurrency, deadline: warmupDeadline, make: () => ({ method: "GET", path: "/floor/healthz" }) });
    const workerdPid = findWorkerdPid();
    const cpuAtStart = cpuReading(workerdPid);

    // Baseline: the trivial route, same count and concurrency, same process, just before the ingest.
    const baseline = await runLoad({
      baseUrl: hub.url,
      count: N,
      concurrency: opts.concurrency,
      deadline: performance.now() + opts.deadline * 1000,
      make: () => ({ method: "GET", path: "/healthz" }),
    });
    say(`baseline GET /healthz: ${round1(baseline.perSecond)}/s (${baseline.ok}/${N} ok)`);
    const cpuAfterBaseline = cpuReading(workerdPid);

    const phaseCpu = [];
    /** `updates`: what the phase posts, warm-up included, for workerd's CPU per update. */
    const measured = async (name, fn, updates = N) => {
      const before = cpuReading(workerdPid);
      const startedAt = performance.now();
      const phase = await fn();
      const c = cpuReading(workerdPid).since(before);
      phaseCpu.push([name, c, performance.now() - startedAt, updates]);
      await sleep(PHASE_GAP_MS);
      return phase;
    };
    const common = { arrivals: bot.arrivals, N, concurrency: opts.concurrency, oneAtATime: opts.latency, deadlineS: opts.deadline, stallS: opts.stall };
    const hubMeter = hub.readMeter;
    const floorMeter = async () => (await fetch(new URL("/floor/meter", hub.url))).json();
    const floorRequest = (index) => telegramRequest(index, { path: "/floor/webhook", secretToken: scenario.telegram.secretToken, date: Math.floor(Date.now() / 1000) });
    const phases = {};

    // Fresh updates (new chats) in every phase: hub full cycle [0, N), hub inbound [N, 2N), floor inbound [2N, 3N), floor full cycle [3N, 4N).
    // The inbound-only phases, each the first webhooks its target sees, start with W unmeasured ones from 4N on.
    const warmupUpdates = Math.min(N, WARMUP_UPDATES);
    if (withInbound) {
      // Its sockets stay open, idle, until the end: closing a thousand of them sets the hub's queue object to work during the next phases.
      const inboundPool = await connect({ queueId: inbound.queueId, agents: inbound.agents, acceptOffers: false, label: opts.sharedAgents ? "the hub's inbound-only queue (the same agents)" : "the hub's inbound-only queue (agents of its own)" });
      const path = `/webhooks/telegram/${inbound.account.key}`;
      const date = Math.floor(Date.now() / 1000);
      phases.hubInbound = await measured("hub inbound", () =>
        runPhase({ ...common, pool: inboundPool, base: N, warmup: { base: 4 * N, count: warmupUpdates }, mode: "inbound", baseUrl: hub.url, readMeter: hubMeter, make: (index) => telegramRequest(index, { path, secretToken: scenario.telegram.secretToken, date }), stored: () => scenario.storedIndexes(db, N, { accountId: inbound.account.id, base: N }) }),
        N + warmupUpdates,
      );
      say(`hub inbound-only: ${describePhase(phases.hubInbound)}`);
      const floorPool = await connect({ socketUrl: floorSocket, acceptOffers: false, label: "the floor" });
      phases.floorInbound = await measured("floor inbound", () =>
        runPhase({ ...common, pool: floorPool, base: 2 * N, warmup: { base: 4 * N + warmupUpdates, count: warmupUpdates }, mode: "inbound", baseUrl: hub.url, readMeter: floorMeter, make: floorRequest, stored: () => floorStored(floorDb, { base: 2 * N, N, userIdOf }) }),
        N + warmupUpdates,
      );
      floorPool.close();
      say(`floor inbound-only: ${describePhase(phases.floorInbound)}`);
    }

    let profiles = null;
    const requests = scenario.prepare(N);
    let cpuAfterIngest = null;
    const cpuBeforeIngest = cpuReading(workerdPid);
    phases.hub = await measured("hub full cycle", async () => {
      profiles = opts.profile ? await startProfiles({ inspectorPort, targets: [`core:user:${hub.config.name}`, "d1:db"], outDir: OUT_DIR }) : null;
      const replied = () => [...pool.replies.keys()].filter((i) => bot.arrivals.has(i)).length;
      return runPhase({
        ...common,
        pool,
        base: 0,
        mode: "full",
        baseUrl: hub.url,
        readMeter: hubMeter,
        make: (index) => requests.make(index),
        stored: () => scenario.storedIndexes(db, N),
        // D1 is read only once the sockets and the stand-in saw everything: polling it sooner would add load.
        settled: async () => (await scenario.sentCount(db)) >= replied(),
        onLoaded: () => {
          cpuAfterIngest = cpuReading(workerdPid);
        },
      });
    });
    const hubPhase = phases.hub;
    const ingest = hubPhase.ingest;
    const profiled = profiles ? await profiles.stop() : [];
    const cpuAtEnd = cpuReading(workerdPid);
    // Only the hub's full-cycle phase replies, so the steps the queue object and the outbox timed are this phase's.
    const meterAtEnd = await hubMeter();
    const replySteps = meterAtEnd?.replySteps;
    const replyPath = replyWaits(pool, bot, meterAtEnd?.replyMarks);
    say(`hub full cycle: ${describePhase(hubPhase)}`);

    if (opts.floor) {
      const floorPool = await connect({ socketUrl: floorSocket, label: "the floor" });
      phases.floor = await measured("floor full cycle", () =>
        runPhase({ ...common, pool: floorPool, base: 3 * N, mode: "full", baseUrl: hub.url, readMeter: floorMeter, make: floorRequest, stored: () => floorStored(floorDb, { base: 3 * N, N, userIdOf }) }),
      );
      say(`floor full cycle: ${describePhase(phases.floor)}`);
    }
    const memory = { bench: memoryOf(process.pid), workerd: workerdPid === null ? null : memoryOf(workerdPid) };

    const stored = hubPhase.stored;
    const outbound = await scenario.outbound(db);
    const lost = Object.values(phases).reduce((n, p) => n + p.lost, 0);
    const result = {
      ingest_per_s: round1(ingest.perSecond),
      baseline_per_s: round1(baseline.perSecond),
      ratio: baseline.perSecond > 0 ? Math.round((ingest.perSecond / baseline.perSecond) * 1000) / 1000 : 0,
      offer_ms: summarize(hubPhase.offerMs),
      reply_ms: summarize(hubPhase.replyMs),
      full_per_s: hubPhase.fullPerS,
      sent: await scenario.sentCount(db),
      stored: stored.size,
      offered: pool.offers.size,
      replied: [...pool.replies.keys()].filter((i) => bot.arrivals.has(i)).length,
      d1_per_message: { ...(phases.hubInbound ? { inbound: phases.hubInbound.d1 } : {}), full: hubPhase.d1 },
      ...(opts.floor && !opts.latency
        ? {
            hub_inbound_per_s: round1(phases.hubInbound.ingest.perSecond),
            floor_inbound_per_s: round1(phases.floorInbound.ingest.perSecond),
            floor_per_s: phases.floor.fullPerS,
            ratio_floor: ratio(hubPhase.fullPerS, phases.floor.fullPerS),
            ratio_floor_inbound: ratio(phases.hubInbound.ingest.perSecond, phases.floorInbound.ingest.perSecond),
            inbound_agents: opts.sharedAgents ? "shared" : "own",
            ...cpuFigures(phaseCpu),
          }
        : {}),
      ...(opts.floor
        ? {
            floor: {
              ...phaseFigures(phases.floor),
              ...(phases.floorInbound ? { d1_per_message: { inbound: phases.floorInbound.d1, full: phases.floor.d1 } } : {}),
            },
          }
        : {}),
      ...(replySteps && Object.keys(replySteps).length ? { reply_steps_ms: replySteps } : {}),
      ...(replyPath ? { reply_path_ms: replyPath } : {}),
      agents: opts.agents,
      workerd_mb: memory.workerd,
      lost,
    };

    // The human summary, on stderr.
    const webhookMs = summarize(ingest.results.filter(Boolean).map((r) => r.end - r.start));
    const healthMs = summarize(baseline.results.filter(Boolean).map((r) => r.end - r.start));
    say(`waited ${round1((hubPhase.waitEnded - ingest.finished) / 1000)} s after the hub's last POST: ${hubPhase.stopReason}`);
    say(`webhook response ms p50/p95/p99: ${webhookMs.p50}/${webhookMs.p95}/${webhookMs.p99}; /healthz: ${healthMs.p50}/${healthMs.p95}/${healthMs.p99}`);
    say(`offer ms (webhook sent → offer at agent) p50/p95/p99: ${result.offer_ms.p50}/${result.offer_ms.p95}/${result.offer_ms.p99}`);
    say(`reply ms (reply sent → at ${scenario.standInName}) p50/p95/p99: ${result.reply_ms.p50}/${result.reply_ms.p95}/${result.reply_ms.p99}`);
    if (result.reply_path_ms) say(`reply path, ms p50/p95: ${Object.entries(result.reply_path_ms).map(([step, f]) => `${step} ${f.p50}/${f.p95}`).join(", ")}`);
    if (result.reply_steps_ms) say(`reply steps in the hub, ms p50/p95: ${Object.entries(result.reply_steps_ms).map(([step, f]) => `${step} ${f.p50}/${f.p95}`).join(", ")}`);
    if (opts.latency) {
      for (const [name, p] of Object.entries(phases)) {
        const o = summarize(p.offerMs);
        const r = summarize(p.replyMs);
        say(`latency, ${name === "hub" ? "hub  " : "floor"}: offer p50 ${o.p50} ms p99 ${o.p99} ms; reply p50 ${r.p50} ms p99 ${r.p99} ms (${p.offerMs.length} offers, ${p.replyMs.length} replies, one update at a time)`);
      }
    }
    if (opts.floor && !opts.latency) {
      say(
        `against the floor: full cycle ${result.full_per_s}/s vs ${result.floor_per_s}/s (ratio_floor ${result.ratio_floor}); ` +
          `inbound ${result.hub_inbound_per_s}/s vs ${result.floor_inbound_per_s}/s (ratio_floor_inbound ${result.ratio_floor_inbound})`,
      );
    }
    say(`D1 per message (round trips / statements / rows read / rows written): ${Object.entries(phases).map(([name, p]) => `${name} ${p.d1 ? `${p.d1.round_trips} / ${p.d1.statements} / ${p.d1.rows_read} / ${p.d1.rows_written}` : "?"}`).join("; ")}`);
    say(`stored ${result.stored}, offered ${result.offered}, replies sent by agents ${pool.replies.size}, at stand-in ${result.replied}, marked sent ${result.sent}, lost ${lost}`);
    say(`outbound rows by status: ${JSON.stringify(outbound)}`);
    say(`agent frames: ${JSON.stringify(pool.counters)}; stand-in: ${scenario.standInSummary()}`);
    if (scenario.kinds) await describeByProvider(scenario, { N, concurrency: opts.concurrency, ingest, offerMs: pool.offers, replies: pool.replies, arrivals: bot.arrivals, stored, db });
    const arrivals = [...pool.replies.keys()].filter((i) => bot.arrivals.has(i)).map((i) => bot.arrivals.get(i)).sort((a, b) => a - b);
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
    const cpuPhases = [
      ["baseline", cpuAfterBaseline.since(cpuAtStart), baseline.finished - baseline.started],
      ["ingest", cpuAfterIngest.since(cpuBeforeIngest), ingest.finished - ingest.started],
      ["drain", cpuAtEnd.since(cpuAfterIngest), hubPhase.waitEnded - ingest.finished],
    ];
    const perWallSecond = ([name, c, ms]) => `${name} ${c.workerd === null ? "?" : ((c.workerd * 1000) / ms).toFixed(2)} / ${((c.bench * 1000) / ms).toFixed(2)}`;
    say(`CPU seconds (workerd / bench process) per wall second: ${cpuPhases.map(perWallSecond).join(", ")}`);
    if (phaseCpu.length > 1) say(`CPU seconds per wall second by phase (workerd / bench): ${phaseCpu.map(perWallSecond).join(", ")}`);
    if (phaseCpu.length > 1 && result.cpu_ms_per_update) {
      const c = result.cpu_ms_per_update;
      say(`workerd CPU ms per update by phase (warm-up included): hub inbound ${c.hub_inbound}, floor inbound ${c.floor_inbound}, hub full cycle ${c.hub_full}, floor full cycle ${c.floor_full} (floor / hub: inbound ${result.ratio_floor_inbound_cpu}, full cycle ${result.ratio_floor_cpu})`);
    }
    say(`memory MB (now / peak): workerd ${memory.workerd?.rss ?? "?"} / ${memory.workerd?.peak ?? "?"}, bench process ${memory.bench.rss} / ${memory.bench.peak}`);
    say(`worker log lines by level: ${JSON.stringify(workerLogs.counts)}; other Miniflare lines: ${JSON.stringify(mfLogs.counts)}`);
    for (const { target, file, profile } of profiled) {
      const { totalMs, rows } = selfTimeByFile(profile, target.startsWith("core:user:") ? scriptPath : null);
      say(`profile of ${target} during the ingest phase (${file}): ${round1(totalMs)} ms sampled; self time by file:`);
      for (const [key, ms] of rows.slice(0, 14)) say(`  ${((ms / totalMs) * 100).toFixed(1).padStart(5)}%  ${round1(ms)} ms  ${key}`);
    }
    for (const s of workerLogs.samples) say(`  worker ${s}`);
    for (const s of mfLogs.samples) say(`  miniflare ${s}`);
    for (const p of pools) for (const s of p.errorSamples) say(`  agent error frame: ${JSON.stringify(s).slice(0, 400)}`);
    for (const [name, p] of Object.entries(phases)) for (const s of p.lostSamples) say(`  lost (${name}): ${JSON.stringify(s)}`);
    if (hubPhase.lost > 0 || result.replied < result.offered) await describeQueue(hub.mf, seeded.queueId);
    say(`total ${round1((performance.now() - runStarted) / 1000)} s (measured part ${round1((performance.now() - measureStarted) / 1000)} s)`);

    await teardown(pools, hub, scenario);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return lost > 0 ? 1 : 0;
  } catch (err) {
    await teardown(pools, hub, scenario).catch(() => undefined);
    throw err;
  }
}

const ratio = (a, b) => (a && b ? Math.round((a / b) * 1000) / 1000 : null);

/** One line per phase on stderr. */
function describePhase(p) {
  const o = summarize(p.offerMs);
  const r = summarize(p.replyMs);
  return (
    `ingest ${round1(p.ingest.perSecond)}/s (${p.ingest.ok}/${p.ingest.attempted} ok, statuses ${JSON.stringify(p.ingest.statuses)})` +
    (p.fullPerS === null ? "" : `, full cycle ${p.fullPerS}/s (${p.completed} completed)`) +
    `, offer ms p50/p99 ${o.p50}/${o.p99}` +
    (p.replyMs.length ? `, reply ms p50/p99 ${r.p50}/${r.p99}` : "") +
    (p.d1 ? `, D1 per message ${p.d1.round_trips} round trips / ${p.d1.rows_read} rows read / ${p.d1.rows_written} written` : "") +
    `, lost ${p.lost}; ${p.stopReason}`
  );
}

function readCompatibilityDate() {
  return readWranglerConfig().compatibility_date;
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

async function teardown(pools, hub, scenario) {
  for (const pool of pools) pool.close();
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

/**
 * workerd's CPU per update in each phase of `--floor` (its CPU seconds over the phase divided by the
 * updates the phase posted), and the floor's over the hub's: unlike the rates, these depend little
 * on how much of a shared machine the run was given.
 */
function cpuFigures(phaseCpu) {
  const ms = Object.fromEntries(phaseCpu.filter(([, c]) => c.workerd !== null).map(([name, c, , updates]) => [name, Math.round(((c.workerd * 1000) / updates) * 100) / 100]));
  const [hubInbound, floorInbound, hubFull, floorFull] = ["hub inbound", "floor inbound", "hub full cycle", "floor full cycle"].map((name) => ms[name]);
  if ([hubInbound, floorInbound, hubFull, floorFull].some((v) => v === undefined)) return {};
  const share = (a, b) => Math.round((a / b) * 1000) / 1000;
  return {
    cpu_ms_per_update: { hub_inbound: hubInbound, floor_inbound: floorInbound, hub_full: hubFull, floor_full: floorFull },
    ratio_floor_cpu: share(floorFull, hubFull),
    ratio_floor_inbound_cpu: share(floorInbound, hubInbound),
  };
}

/**
 * A reply's way from the agent's frame to the provider, in four legs, from the bench's clock (the
 * frame sent, the stand-in's arrival) and the wall-clock times the hub's meter marked (the frame
 * reaching the queue object, the send starting, its answer handled): null without marks.
 */
function replyWaits(pool, bot, marks) {
  if (!marks || Object.keys(marks).length === 0) return null;
  const legs = { to_object: [], object_to_send: [], send_to_provider: [], provider_answer_to_object: [] };
  const wall = (t) => performance.timeOrigin + t;
  for (const [index, id] of pool.replyIds) {
    const m = marks[id];
    const sent = pool.replies.get(index);
    const arrived = bot.arrivals.get(index);
    if (!m || sent === undefined || arrived === undefined) continue;
    legs.to_object.push(m["0_arrived"] - wall(sent));
    legs.object_to_send.push(m["4_queued_turn"] - m["0_arrived"]);
    legs.send_to_provider.push(wall(arrived) - m["4_queued_turn"]);
    legs.provider_answer_to_object.push(m["5_provider"] - wall(arrived));
  }
  return Object.fromEntries(Object.entries(legs).map(([leg, ms]) => [leg, summarize(ms)]));
}
