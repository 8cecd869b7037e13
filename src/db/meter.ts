// The benchmark's D1 meter: counts round trips to D1 and the rows they read and wrote, from D1's own
// `meta`, across the Worker and its Durable Objects (locally they share one isolate, so one
// module-level tally sees them all). Off unless the binding D1_METER is "on", which only the bench
// sets (bench/lib/hub.mjs, as a Miniflare binding; never in wrangler.jsonc). When off, nothing is
// patched and no route answers.

export type D1MeterTotals = {
  /** false when this runtime's D1 binding lacks the transport the meter hooks (nothing is counted). */
  available: boolean;
  /** Calls that went to D1: one per `batch()`, one per `run/all/first/raw` outside a batch. */
  roundTrips: number;
  statements: number;
  rowsRead: number;
  rowsWritten: number;
};

/** The bench reads the totals here (GET), only while the meter is on. */
export const D1_METER_PATH = "/__bench/d1-meter";

type MeterEnv = { DB: D1Database; D1_METER?: string };
type Meta = { rows_read?: number; rows_written?: number } | undefined;
type Transport = Record<string | symbol, unknown>;

const totals: D1MeterTotals = { available: true, roundTrips: 0, statements: 0, rowsRead: 0, rowsWritten: 0 };
const METERED = Symbol.for("channel-hub.d1-meter");

/** Starts counting this env's D1 calls when the meter is on; returns env unchanged. */
export function meterD1<E extends MeterEnv>(env: E): E {
  if (env.D1_METER === "on") install(env.DB);
  return env;
}

/** The totals as JSON when the meter is on and `request` asks for them; otherwise undefined. */
export function d1MeterReading(request: Request, env: MeterEnv): Response | undefined {
  if (env.D1_METER !== "on") return undefined;
  install(env.DB);
  return new URL(request.url).pathname === D1_METER_PATH ? Response.json(totals) : undefined;
}

// Every D1 call of workerd's binding, whatever the method, is one call of its session's transport
// (`_send` over HTTP, `_queryOrThrow` over RPC), whose answer carries each statement's `meta`.
// Hooking there counts `first()` and `raw()` too, whose results drop `meta`.
function install(db: D1Database): void {
  const session = (db as unknown as { alwaysPrimarySession?: Transport }).alwaysPrimarySession;
  if (session?.[METERED]) return;
  const hooks = session ? (["_send", "_queryOrThrow"] as const).filter((name) => typeof session[name] === "function") : [];
  if (!session || hooks.length === 0) {
    if (totals.available) console.warn("d1 meter: this D1 binding has no transport to hook; nothing is counted");
    totals.available = false;
    return;
  }
  for (const name of hooks) {
    const original = session[name] as (...args: unknown[]) => Promise<unknown>;
    session[name] = async function (this: unknown, ...args: unknown[]) {
      let answer: unknown;
      try {
        answer = await original.apply(this, args);
        return answer;
      } finally {
        count(answer);
      }
    };
  }
  session[METERED] = true;
}

function count(answer: unknown): void {
  const results = (Array.isArray(answer) ? answer : [answer]) as { meta?: Meta }[];
  totals.roundTrips++;
  totals.statements += results.length;
  for (const r of results) {
    totals.rowsRead += r?.meta?.rows_read ?? 0;
    totals.rowsWritten += r?.meta?.rows_written ?? 0;
  }
}
