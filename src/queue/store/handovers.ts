// Tickets handed over to another queue (table `handovers`: pending until that queue's object
// confirms, then kept a while to forward late messages) and the hand-overs received (`arrivals`).

/** A ticket handed over to another queue: `confirmed_at` is null until that queue's object has it. */
export type HandOverRow = { ticket_id: number; to_queue: string; move_id: string; json: string; enqueued_at: number; attempts: number; confirmed_at: number | null };

/** How long the moves received are remembered, so that a sender's late repeat is only acknowledged. */
const ARRIVAL_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export class HandOversTable {
  /** Ticket ids with a hand-over row, so that the common case (none) reads nothing. */
  private readonly ids = new Set<number>();

  constructor(private readonly sql: SqlStorage) {
    for (const r of sql.exec<{ ticket_id: number }>("SELECT ticket_id FROM handovers")) this.ids.add(r.ticket_id);
  }

  /** The ticket leaves for `toQueue`: recorded in the same step that takes it out of this queue, delivered until confirmed. */
  record(ticketId: number, toQueue: string, moveId: string, json: string, enqueuedAt: number) {
    this.sql.exec("INSERT OR REPLACE INTO handovers (ticket_id, to_queue, move_id, json, enqueued_at) VALUES (?, ?, ?, ?, ?)", ticketId, toQueue, moveId, json, enqueuedAt);
    this.ids.add(ticketId);
  }

  get(ticketId: number): HandOverRow | undefined {
    if (!this.ids.has(ticketId)) return undefined;
    return this.sql.exec<HandOverRow>("SELECT * FROM handovers WHERE ticket_id = ?", ticketId).toArray()[0];
  }

  /** Counts a failed delivery of the move; returns how many have failed. */
  failed(moveId: string): number {
    return this.sql.exec<{ n: number }>("UPDATE handovers SET attempts = attempts + 1 WHERE move_id = ? RETURNING attempts AS n", moveId).one().n;
  }

  confirm(moveId: string, at: number) {
    this.sql.exec("UPDATE handovers SET confirmed_at = ? WHERE move_id = ? AND confirmed_at IS NULL", at, moveId);
  }

  drop(ticketId: number) {
    if (!this.ids.has(ticketId)) return;
    this.sql.exec("DELETE FROM handovers WHERE ticket_id = ?", ticketId);
    this.ids.delete(ticketId);
  }

  /** False when this move was received before (the sender did not hear the answer and asked again). */
  firstArrival(moveId: string, ticketId: number, at: number): boolean {
    this.sql.exec("DELETE FROM arrivals WHERE at < ?", at - ARRIVAL_RETENTION_MS);
    return this.sql.exec("INSERT OR IGNORE INTO arrivals (move_id, ticket_id, at) VALUES (?, ?, ?)", moveId, ticketId, at).rowsWritten > 0;
  }
}
