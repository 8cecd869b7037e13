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
  if (env.D1_METER === "on") {
    install(env.DB);
    lapping = true;
  }
  return env;
}

/** The totals as JSON when the meter is on and `request` asks for them; otherwise undefined. */
export function d1MeterReading(request: Request, env: MeterEnv): Response | undefined {
  if (env.D1_METER !== "on") return undefined;
  install(env.DB);
  lapping = true;
  // Most requests are not the meter's: the URL is parsed only when it may be.
  return request.url.includes(D1_METER_PATH) && new URL(request.url).pathname === D1_METER_PATH ? Response.json({ ...totals, replySteps: lapFigures(), replyMarks: Object.fromEntries(replyMarks) }) : undefined;
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

// ---- Where a reply's time goes (bench only, with the meter): the queue object and the outbox lap
// each step of a reply between its frame's arrival and its outcome recorded, keyed by
// ticket and clientMsgId. Off, `replyLap` is one boolean test and nothing is kept.

/** Milliseconds each step of a reply took, in the order they ran, by step name. */
const laps: Record<string, number[]> = {};
const lapStarts = new Map<string, { at: number; last: number; marks: Record<string, number> }>();
/** Each timed reply's steps as wall-clock times, by clientMsgId, so the bench can place them between its own send and the provider's arrival. */
const replyMarks = new Map<string, Record<string, number>>();
const MAX_MARKED = 10_000;
let lapping = false;

/** Starts timing a reply from `at` (when its frame reached the object). */
export function replyClockStart(ticketId: number, clientMsgId: string | null, at: number): void {
  if (!lapping) return;
  lapStarts.set(`${ticketId}:${clientMsgId}`, { at, last: at, marks: { "0_arrived": at } });
}

/** Records the time since the reply's previous step as `step`; `end` closes its clock with its total. */
export function replyLap(ticketId: number, clientMsgId: string | null, step: string, end = false): void {
  if (!lapping) return;
  const key = `${ticketId}:${clientMsgId}`;
  const clock = lapStarts.get(key);
  if (!clock) return;
  const now = Date.now();
  (laps[step] ??= []).push(now - clock.last);
  clock.last = now;
  clock.marks[step] = now;
  if (end) {
    (laps.total ??= []).push(now - clock.at);
    lapStarts.delete(key);
    if (clientMsgId !== null && replyMarks.size < MAX_MARKED) replyMarks.set(clientMsgId, clock.marks);
  }
}

/** Per step: how many replies ran it and its p50/p95 in ms. */
function lapFigures(): Record<string, { n: number; p50: number; p95: number }> {
  const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return Object.fromEntries(
    Object.entries(laps).map(([step, ms]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return [step, { n: sorted.length, p50: at(sorted, 0.5), p95: at(sorted, 0.95) }];
    }),
  );
}
