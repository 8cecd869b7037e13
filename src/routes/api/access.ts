// A user's access ending while their sockets are open: every queue object that may hold one closes it (code 4004).
import type { Env } from "../../env";
import type { AccessEnd } from "../../queue/queue-object";

/**
 * Tells each queue in `queueIds` (see `queuesWithSocketsOf`, read before a deletion takes the
 * memberships away) that the user's access ended; they are told at once, side by side. A queue
 * that cannot be reached is logged and does not hold up the others.
 */
export async function closeSocketsOf(env: Env, queueIds: readonly string[], userId: string, end: AccessEnd) {
  const results = await Promise.allSettled(queueIds.map((id) => env.QUEUE_OBJECT.getByName(id).accessEnded(userId, end)));
  results.forEach((r, i) => {
    if (r.status === "rejected") console.error("closing a user's sockets failed", { queueId: queueIds[i], userId, reason: end.reason }, r.reason);
  });
}
