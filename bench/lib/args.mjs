// Command-line options of `npm run bench`: `npm run bench -- --updates 500 --concurrency 16`.

export const DEFAULTS = Object.freeze({
  /** Telegram updates posted, each from a new user (one new ticket each). Sized so a run on 2 shared cores takes about 45 s. */
  updates: 1000,
  /** Requests in flight at once, for the baseline and the ingest phase alike. */
  concurrency: 32,
  /** Agent sockets, all online in the one queue. */
  agents: 8,
  /** Seconds from the first request until the run stops waiting; what is missing by then counts as lost. */
  deadline: 120,
  /** Seconds without any progress (offer, reply arrival, status change) after which the wait ends early. */
  stall: 30,
});

/** `--latency` posts one update at a time and waits for its whole cycle; these are its own defaults. */
export const LATENCY_DEFAULTS = Object.freeze({ updates: 200, concurrency: 1, deadline: 600 });

const USAGE = `Usage: npm run bench -- [--mixed | --floor [--shared-agents]] [--latency] [--updates N] [--concurrency C] [--agents K] [--deadline S] [--stall S] [--verbose] [--profile]

  --mixed           one account of each of the six providers (Telegram, Meta, Connexease,
                    Twilio, Sinch, custom) on the one queue; the N updates go round-robin
                    to them, each in its provider's shape and signature, and every reply
                    to one stand-in server for all six send APIs
  --floor           also run, in the same workerd process and under the same load, the floor
                    Worker (bench/floor/worker.mjs: only the irreducible work), in four phases:
                    hub inbound-only (agents only take offers), floor inbound-only, hub full
                    cycle, floor full cycle; adds floor_per_s, ratio_floor, ratio_floor_inbound.
                    The hub's inbound-only queue has agents of its own, each in that queue only
  --shared-agents   with --floor: the inbound-only queue's agents are the full cycle's, so every
                    agent is in two queues and each offer is granted by the agent's ledger
                    (capacity across queues), which the floor does not do
  --latency         one update at a time, each posted once the previous one's reply is sent
                    (defaults --updates ${LATENCY_DEFAULTS.updates} --concurrency ${LATENCY_DEFAULTS.concurrency} --deadline ${LATENCY_DEFAULTS.deadline}): offer and reply p50/p99,
                    and the floor's with --floor
  --updates N       updates to post, each from a new user                 (default ${DEFAULTS.updates})
  --concurrency C   requests in flight at once                           (default ${DEFAULTS.concurrency})
  --agents K        agent sockets accepting every offer and replying      (default ${DEFAULTS.agents})
  --deadline S      seconds from a phase's first request until its wait stops (default ${DEFAULTS.deadline})
  --stall S         stop waiting early after S seconds without progress   (default ${DEFAULTS.stall})
  --verbose         print every Worker log line to stderr
  --profile         CPU-profile workerd's isolates during the ingest phase: writes
                    .bench/*.cpuprofile and prints self time per source file

Prints a human summary to stderr and one JSON line, last, to stdout. Exits 1 when an update was lost.`;

const LIMITS = {
  updates: [1, 1_000_000],
  concurrency: [1, 1024],
  agents: [1, 2000],
  deadline: [1, 3600],
  stall: [1, 3600],
};

export class UsageError extends Error {}

export function parseArgs(argv, env = process.env) {
  const opts = { ...DEFAULTS, verbose: false, profile: false, mixed: false, floor: false, latency: false, sharedAgents: false };
  const given = new Set();
  // BENCH_UPDATES=500 etc. work too; flags win.
  for (const key of Object.keys(LIMITS)) {
    const fromEnv = env[`BENCH_${key.toUpperCase()}`];
    if (fromEnv !== undefined && fromEnv !== "") {
      opts[key] = toInt(key, fromEnv);
      given.add(key);
    }
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") return { help: USAGE };
    if (arg === "--verbose" || arg === "--profile" || arg === "--mixed" || arg === "--floor" || arg === "--latency") {
      opts[arg.slice(2)] = true;
      continue;
    }
    if (arg === "--shared-agents") {
      opts.sharedAgents = true;
      continue;
    }
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    if (!m || !(m[1] in LIMITS)) throw new UsageError(`unknown option ${arg}\n\n${USAGE}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${m[1]} needs a value\n\n${USAGE}`);
    opts[m[1]] = toInt(m[1], value);
    given.add(m[1]);
  }
  if (opts.sharedAgents && !opts.floor) throw new UsageError(`--shared-agents goes with --floor\n\n${USAGE}`);
  if (opts.mixed && opts.floor) throw new UsageError(`--floor runs the Telegram cycle only; it does not go with --mixed\n\n${USAGE}`);
  if (opts.latency) for (const [key, value] of Object.entries(LATENCY_DEFAULTS)) if (!given.has(key)) opts[key] = value;
  return { opts };
}

function toInt(key, raw) {
  const n = Number(raw);
  const [min, max] = LIMITS[key];
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${key} needs a whole number from ${min} to ${max}, got ${raw}`);
  return n;
}
