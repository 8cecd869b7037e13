import { expiredClaims, takeStrandedQueued } from "../db/outbox";
import { SEND_LEASE_MS } from "../domain/backoff";
import type { Env } from "../env";
import { resolveExpiredClaim } from "./deliver";
import { enqueueDeliveries } from "./enqueue";

/** A reply queued this long without an attempt has most likely lost its Queue message. */
export const STRANDED_AFTER_MS = 2 * 60_000;
/**
 * A queued reply untouched this long is enqueued again whatever its attempts: longer than the
 * outbox's longest backoff (10 min), so only a retry whose Queue message was lost (a local
 * restart) waits this long. One that merely waits out a long retry_after is tried early, harmlessly.
 */
export const STALE_AFTER_MS = 15 * 60_000;
/** At most this many replies of each kind per run; the rest wait for the next minute. */
export const SWEEP_LIMIT = 100;

export type SweepReport = { requeued: number; resent: number; unknown: number };

/**
 * The outbox's safety net, run every minute by the cron trigger: nothing stays `queued` or
 * `sending` forever. A reply stored but never attempted (the Queue send after the D1 insert
 * failed, or its message was lost) is put on the Queue again — harmless, as a delivery claims its
 * row first. A reply claimed past its lease (the attempt died mid-send) is sent again where the
 * provider drops repeats, else failed as "outcome unknown" for its author to see and resend.
 */
export async function sweepOutbox(env: Env, now = Date.now()): Promise<SweepReport> {
  const stranded = await takeStrandedQueued(env.DB, { before: now - STRANDED_AFTER_MS, staleBefore: now - STALE_AFTER_MS, limit: SWEEP_LIMIT }, now);
  if (stranded.length > 0) {
    await enqueueDeliveries(env, stranded);
  }
  const report: SweepReport = { requeued: stranded.length, resent: 0, unknown: 0 };
  for (const id of await expiredClaims(env.DB, { before: now - SEND_LEASE_MS, limit: SWEEP_LIMIT })) {
    try {
      const outcome = await resolveExpiredClaim(env, id, now);
      if (outcome === "requeued") report.resent++;
      if (outcome === "unknown") report.unknown++;
    } catch (err) {
      console.error(JSON.stringify({ event: "outbox_sweep_error", messageId: id, error: String(err) }));
    }
  }
  if (report.requeued + report.resent + report.unknown > 0) console.log(JSON.stringify({ event: "outbox_swept", ...report }));
  return report;
}
