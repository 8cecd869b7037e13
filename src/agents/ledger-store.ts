// One agent's slots in every queue, in the ledger object's SQLite. Every method is synchronous:
// a report is read, decided and written without an await, so two queues reporting at the same
// instant are decided one after the other.

/** A ticket a queue offers the agent, or one they hold there. */
export type SlotKind = "offer" | "hold";

/**
 * One of the agent's tickets as a queue reports it. A slot with `limit` is a claim: new to the
 * ledger, it is granted only while the agent's slots in every queue stay under `limit`. Offers
 * lapse at `expiresAt` even if their queue never reports again.
 */
export type ReportedSlot = { ticketId: number; kind: SlotKind; limit?: number; expiresAt?: number };

/** Everything one queue offers the agent and the agent holds there, numbered in that queue's order. */
export type LedgerReport = { queueId: string; seq: number; slots: ReportedSlot[] };

/**
 * `stale`: a later report of the queue came first, this one changed nothing. `refused`: claims not
 * granted. `slots`: what the ledger now counts for the queue. `version` grows whenever a slot goes.
 * `elsewhere`: none lets a queue the agent alone belongs to count their slots itself (src/queue/capacity.ts).
 */
export type LedgerAnswer = {
  seq: number;
  stale: boolean;
  refused: number[];
  slots: { ticketId: number; kind: SlotKind }[];
  version: number;
  /** Slots of the agent's that count now in other queues than the reporting one. */
  elsewhere: number;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS slots (
  queue_id TEXT NOT NULL,
  ticket_id INTEGER NOT NULL,
  kind TEXT NOT NULL,             -- offer | hold
  expires_at INTEGER,             -- offers: when they stop counting; holds: null
  PRIMARY KEY (queue_id, ticket_id)
);
CREATE INDEX IF NOT EXISTS slots_expiry_idx ON slots (expires_at);
CREATE TABLE IF NOT EXISTS reporters (
  queue_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,           -- the queue's latest report applied
  waiting INTEGER NOT NULL DEFAULT 0  -- 1: a claim of it was refused; it hears when a slot frees
);
CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
`;

export class LedgerStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  version(): number {
    return this.sql.exec<{ version: number }>("SELECT version FROM meta WHERE id = 1").toArray()[0]?.version ?? 0;
  }

  private bumpVersion(): number {
    return this.sql.exec<{ version: number }>("INSERT INTO meta (id, version) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET version = version + 1 RETURNING version").one().version;
  }

  /** Slots that count now: every hold, and offers not lapsed. */
  private live(now: number, queueId?: string): number {
    return this.sql.exec<{ n: number }>(
      "SELECT count(*) AS n FROM slots WHERE (kind = 'hold' OR expires_at > ?1) AND (?2 IS NULL OR queue_id = ?2)",
      now,
      queueId ?? null,
    ).one().n;
  }

  slotsOf(queueId: string): { ticketId: number; kind: SlotKind }[] {
    return this.sql
      .exec<{ ticket_id: number; kind: SlotKind }>("SELECT ticket_id, kind FROM slots WHERE queue_id = ? ORDER BY ticket_id", queueId)
      .toArray()
      .map((r) => ({ ticketId: r.ticket_id, kind: r.kind }));
  }

  all(): { queueId: string; ticketId: number; kind: SlotKind; expiresAt: number | null }[] {
    return this.sql
      .exec<{ queue_id: string; ticket_id: number; kind: SlotKind; expires_at: number | null }>("SELECT * FROM slots ORDER BY queue_id, ticket_id")
      .toArray()
      .map((r) => ({ queueId: r.queue_id, ticketId: r.ticket_id, kind: r.kind, expiresAt: r.expires_at }));
  }

  /**
   * The queue's slots become those reported: slots it no longer reports go, known ones are kept
   * (their kind updated), new ones without a limit are taken as they are (the queue has decided
   * already: an accepted offer, a ticket handed back), and claims are granted in order while the
   * live count stays under their limit. `freed`: a slot went, others may have room now.
   */
  apply(report: LedgerReport, now: number): LedgerAnswer & { freed: boolean } {
    const last = this.sql.exec<{ seq: number }>("SELECT seq FROM reporters WHERE queue_id = ?", report.queueId).toArray()[0]?.seq;
    if (last !== undefined && report.seq <= last) {
      return { seq: report.seq, stale: true, refused: [], slots: this.slotsOf(report.queueId), version: this.version(), elsewhere: this.elsewhere(report.queueId, now), freed: false };
    }
    const before = this.live(now);
    const known = new Set(this.slotsOf(report.queueId).map((s) => s.ticketId));
    const reported = new Set(report.slots.map((s) => s.ticketId));
    for (const ticketId of known) if (!reported.has(ticketId)) this.sql.exec("DELETE FROM slots WHERE queue_id = ? AND ticket_id = ?", report.queueId, ticketId);
    const put = (s: ReportedSlot) =>
      this.sql.exec(
        `INSERT INTO slots (queue_id, ticket_id, kind, expires_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (queue_id, ticket_id) DO UPDATE SET kind = excluded.kind, expires_at = excluded.expires_at`,
        report.queueId,
        s.ticketId,
        s.kind,
        s.kind === "offer" ? (s.expiresAt ?? now) : null,
      );
    const claims = report.slots.filter((s) => s.limit !== undefined && !known.has(s.ticketId));
    for (const s of report.slots) if (!claims.includes(s)) put(s);
    const refused: number[] = [];
    let count = this.live(now);
    for (const claim of claims) {
      if (count < claim.limit!) {
        put(claim);
        count++;
      } else refused.push(claim.ticketId);
    }
    const freed = this.live(now) < before;
    const version = freed ? this.bumpVersion() : this.version();
    this.sql.exec(
      `INSERT INTO reporters (queue_id, seq, waiting) VALUES (?1, ?2, ?3)
       ON CONFLICT (queue_id) DO UPDATE SET seq = excluded.seq, waiting = CASE WHEN ?3 = 1 THEN 1 WHEN ?4 = 1 THEN 0 ELSE waiting END`,
      report.queueId,
      report.seq,
      refused.length > 0 ? 1 : 0,
      freed ? 1 : 0,
    );
    return { seq: report.seq, stale: false, refused, slots: this.slotsOf(report.queueId), version, elsewhere: this.elsewhere(report.queueId, now), freed };
  }

  /** The agent's live slots in queues other than `queueId`. */
  private elsewhere(queueId: string, now: number): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM slots WHERE queue_id != ?1 AND (kind = 'hold' OR expires_at > ?2)", queueId, now).one().n;
  }

  /** Offers past their lease stop counting: true when any went (the version then grows). */
  expireOffers(now: number): boolean {
    const gone = this.sql.exec("DELETE FROM slots WHERE kind = 'offer' AND expires_at <= ?", now).rowsWritten > 0;
    if (gone) this.bumpVersion();
    return gone;
  }

  nextExpiry(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM slots WHERE kind = 'offer'").one().at;
  }

  /** The queues refused a claim since the last slot freed, except `but`: they are told now, once. */
  takeWaiting(but: string | null): string[] {
    return this.sql
      .exec<{ queue_id: string }>("UPDATE reporters SET waiting = 0 WHERE waiting = 1 AND queue_id IS NOT ? RETURNING queue_id", but)
      .toArray()
      .map((r) => r.queue_id);
  }

  /** A queue could not be told: it stays waiting, to be told when the next slot frees. */
  stillWaiting(queueId: string) {
    this.sql.exec("UPDATE reporters SET waiting = 1 WHERE queue_id = ?", queueId);
  }
}
