// What a queue's object reads of its queue in D1: its name, its members' number of queues, the
// queues sharing a member with it.

/** The queue's name; null when it is gone. */
export async function queueName(d1: D1Database, queueId: string): Promise<string | null> {
  return (await d1.prepare("SELECT name FROM queues WHERE id = ?1").bind(queueId).first<{ name: string }>())?.name ?? null;
}

/** Each member of the queue with the number of queues they are a member of (this one included). */
export async function memberQueueCounts(d1: D1Database, queueId: string): Promise<Map<string, number>> {
  const { results } = await d1
    .prepare(
      `SELECT m.user_id AS id, count(*) AS n FROM queue_members m JOIN queue_members o ON o.user_id = m.user_id
       WHERE m.queue_id = ?1 GROUP BY m.user_id`,
    )
    .bind(queueId)
    .all<{ id: string; n: number }>();
  return new Map(results.map((r) => [r.id, r.n]));
}

/** Queues sharing a member with this one, of lower priority than `below` unless it is null. */
export async function peerQueues(d1: D1Database, queueId: string, below: number | null): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT DISTINCT q.id FROM queues q JOIN queue_members m ON m.queue_id = q.id
       WHERE q.id != ?1 AND m.user_id IN (SELECT user_id FROM queue_members WHERE queue_id = ?1)
         AND (?2 IS NULL OR coalesce(json_extract(q.routing, '$.priority'), 50) < ?2)`,
    )
    .bind(queueId, below)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}
