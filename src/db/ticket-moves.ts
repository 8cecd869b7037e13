// The D1 side of a ticket moving between queues: conditional on where the ticket is, so a repeated attempt changes nothing.

/**
 * `moved` (now in `to`, open, nobody holding it), `already` (an earlier attempt moved it), `elsewhere`
 * (it reached `to` and has left it since), `closed`, `no_queue` (`to` does not exist).
 */
export type MoveOutcome = "moved" | "already" | "elsewhere" | "closed" | "no_queue";

/** Moves the ticket from queue `from` to queue `to`, unless it is there already or has moved on. */
export async function moveBetweenQueues(d1: D1Database, ticketId: number, from: string, to: string, now = Date.now()): Promise<MoveOutcome> {
  const moved = await d1
    .prepare(
      `UPDATE tickets SET queue_id = ?3, status = 'open', assignee_id = NULL, updated_at = ?4
       WHERE id = ?1 AND queue_id = ?2 AND status != 'closed' AND EXISTS (SELECT 1 FROM queues WHERE id = ?3) RETURNING id`,
    )
    .bind(ticketId, from, to, now)
    .first();
  if (moved) return "moved";
  const row = await d1
    .prepare("SELECT queue_id, status, EXISTS (SELECT 1 FROM queues WHERE id = ?2) AS target FROM tickets WHERE id = ?1")
    .bind(ticketId, to)
    .first<{ queue_id: string; status: string; target: number }>();
  if (!row || row.status === "closed") return "closed";
  if (row.queue_id === to) return "already";
  if (row.queue_id !== from) return "elsewhere";
  if (!row.target) return "no_queue";
  throw new Error(`ticket ${ticketId} did not move to queue ${to}`);
}

/** Whether the ticket may be moved to `to`: it is open and that queue exists. */
export async function canMoveTo(d1: D1Database, ticketId: number, to: string): Promise<boolean> {
  const row = await d1
    .prepare("SELECT 1 AS ok FROM tickets WHERE id = ?1 AND status != 'closed' AND EXISTS (SELECT 1 FROM queues WHERE id = ?2)")
    .bind(ticketId, to)
    .first();
  return row !== null;
}
