// One measured phase of a run: N updates posted to one target (the hub or the floor) with an agent
// pool connected to it, then a bounded wait for what the phase waits for, and its figures.
//
//   mode "inbound": the agents only take offers; the phase is done when every update was offered.
//   mode "full":    the agents accept and reply; an update's cycle is complete when the `delivery`
//                   frame saying its reply was sent reaches the agent (the target stored the reply,
//                   the stand-in got it, the target stored 'sent', in that order).
//
// full_per_s, the full-cycle rate, is the same for hub and floor: completed cycles per second of
// wall time from the phase's first POST to its last completion.
import { performance } from "node:perf_hooks";
import { runLoad } from "./load.mjs";
import { round1, summarize } from "./stats.mjs";

/** With one update at a time, how long one cycle may take before the next update is posted anyway. */
const ONE_AT_A_TIME_WAIT_MS = 15_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `make(index)` builds the request of update `index`; the phase posts indexes [base, base + N).
 * `arrivals` is the stand-in's map (index → arrival time). `readMeter()` gives D1 totals (read
 * before and after). `stored()` resolves to the set of indexes the target stored. `settled()`,
 * when given, is asked once everything else is seen (the hub's 'sent' count in D1).
 * `oneAtATime`: each worker posts its next update only once the previous cycle completed (or was
 * offered, in inbound mode). `onLoaded()` runs right after the last POST answered.
 * `warmup` ({ base, count }): before the clock starts, that many updates of the same kind (indexes
 * from `warmup.base`) go the same way, unmeasured, so the target's code paths are warm.
 */
export async function runPhase({ baseUrl, pool, arrivals, N, base, concurrency, oneAtATime = false, deadlineS, stallS, mode, make, readMeter, stored, settled, onLoaded, warmup }) {
  const full = mode === "full";
  const doneWith = (index) => (full ? pool.deliveries.has(index) : pool.offers.has(index));

  /** Posts [from, from + count) and waits, bounded, until each is offered (and its cycle completed). */
  const drive = async (from, count, { measure }) => {
    // Built before the clock starts.
    const requests = Array.from({ length: count }, (_, i) => make(from + i));
    const deadline = performance.now() + deadlineS * 1000;
    const after = oneAtATime
      ? async (i) => {
          const until = Math.min(deadline, performance.now() + ONE_AT_A_TIME_WAIT_MS);
          while (!doneWith(from + i) && performance.now() < until) await sleep(1);
        }
      : undefined;
    const ingest = await runLoad({ baseUrl, count, concurrency, deadline, make: (i) => requests[i], after });
    if (measure) await onLoaded?.();

    const inRange = (map) => {
      let n = 0;
      for (const index of map.keys()) if (index >= from && index < from + count) n++;
      return n;
    };
    const repliesArrived = () => {
      let n = 0;
      for (const index of pool.replies.keys()) if (index >= from && index < from + count && arrivals.has(index)) n++;
      return n;
    };
    let stopReason = "complete";
    let lastSeen = "";
    let lastProgress = performance.now();
    for (;;) {
      const offered = inRange(pool.offers);
      const replied = full ? inRange(pool.replies) : 0;
      const arrived = full ? repliesArrived() : 0;
      const delivered = full ? inRange(pool.deliveries) : 0;
      const seen = `${offered}/${replied}/${arrived}/${delivered}`;
      if (seen !== lastSeen) {
        lastSeen = seen;
        lastProgress = performance.now();
      }
      const everyCycle = !full || (replied >= offered && arrived >= replied && delivered >= arrived);
      if (offered >= ingest.attempted && everyCycle && (!measure || !settled || (await settled()))) break;
      if (performance.now() >= deadline) {
        stopReason = `deadline (${deadlineS} s)`;
        break;
      }
      if (performance.now() - lastProgress >= stallS * 1000) {
        stopReason = `no progress for ${stallS} s`;
        break;
      }
      await sleep(oneAtATime ? 10 : 100);
    }
    return { ingest, stopReason, waitEnded: performance.now() };
  };

  if (warmup?.count) await drive(warmup.base, warmup.count, { measure: false });
  const meterBefore = await readMeter();
  const { ingest, stopReason, waitEnded } = await drive(base, N, { measure: true });
  const meterAfter = await readMeter();

  const offerMs = [];
  const replyMs = [];
  const storedSet = await stored();
  let lost = 0;
  const lostSamples = [];
  let lastCompletion = null;
  for (let i = 0; i < N; i++) {
    const index = base + i;
    const posted = ingest.results[i];
    const offeredAt = pool.offers.get(index);
    if (posted && offeredAt !== undefined) offerMs.push(offeredAt - posted.start);
    const repliedAt = pool.replies.get(index);
    const arrivedAt = arrivals.get(index);
    if (repliedAt !== undefined && arrivedAt !== undefined) replyMs.push(arrivedAt - repliedAt);
    const completedAt = pool.deliveries.get(index);
    if (completedAt !== undefined && (lastCompletion === null || completedAt > lastCompletion)) lastCompletion = completedAt;
    if (!storedSet.has(index) || offeredAt === undefined) {
      lost++;
      if (lostSamples.length < 5) lostSamples.push({ update: index, posted: posted ? posted.status || posted.error : "not sent", stored: storedSet.has(index), offered: offeredAt !== undefined, body: posted?.body });
    }
  }
  const completed = full ? [...pool.deliveries.keys()].filter((index) => index >= base && index < base + N).length : 0;
  return {
    ingest,
    waitEnded,
    stopReason,
    stored: storedSet,
    offerMs,
    replyMs,
    lost,
    lostSamples,
    completed,
    fullPerS: full && lastCompletion !== null ? round1(completed / ((lastCompletion - ingest.started) / 1000)) : null,
    d1: perMessage(meterBefore, meterAfter, N),
  };
}

/** D1 round trips, statements, rows read and rows written per update posted, between two meter readings. */
export function perMessage(before, after, N) {
  if (!before?.available || !after?.available) return null;
  const per = (key) => Math.round(((after[key] - before[key]) / N) * 10) / 10;
  return { round_trips: per("roundTrips"), statements: per("statements"), rows_read: per("rowsRead"), rows_written: per("rowsWritten") };
}

/** A phase's figures for the JSON line. */
export function phaseFigures(phase) {
  return {
    ingest_per_s: round1(phase.ingest.perSecond),
    ...(phase.fullPerS === null ? {} : { full_per_s: phase.fullPerS }),
    offer_ms: summarize(phase.offerMs),
    ...(phase.replyMs.length ? { reply_ms: summarize(phase.replyMs) } : {}),
    d1_per_message: phase.d1,
    lost: phase.lost,
  };
}
