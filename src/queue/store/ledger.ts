// What this queue reports to agents' ledgers (src/queue/capacity.ts): claims awaiting a ledger's
// answer (table `claims`) and what each ledger was last told of the agent here (`ledger_told`).
// Kept in memory, read once when the object wakes, written through.

/** A claim on the agent's capacity awaiting their ledger. */
export type ClaimRow = { ticket_id: number; agent_id: string; kind: "offer" | "pick"; lim: number; granted: number; sent_seq: number | null };

/** One of the agent's tickets here as a ledger counts it. */
export type Slot = { ticketId: number; kind: string };

export class LedgerTables {
  /** Claims by agent, then ticket. */
  private readonly claims = new Map<string, Map<number, ClaimRow>>();
  /** What each agent's ledger holds from this queue: `ticketId:kind` keys. */
  private readonly told = new Map<string, Set<string>>();

  constructor(private readonly sql: SqlStorage) {
    for (const c of sql.exec<ClaimRow>("SELECT * FROM claims")) this.keep({ ...c });
    for (const t of sql.exec<{ agent_id: string; ticket_id: number; kind: string }>("SELECT agent_id, ticket_id, kind FROM ledger_told")) {
      let set = this.told.get(t.agent_id);
      if (!set) this.told.set(t.agent_id, (set = new Set()));
      set.add(`${t.ticket_id}:${t.kind}`);
    }
  }

  private keep(c: ClaimRow) {
    let of = this.claims.get(c.agent_id);
    if (!of) this.claims.set(c.agent_id, (of = new Map()));
    of.set(c.ticket_id, c);
  }

  claim(ticketId: number, agentId: string): ClaimRow | undefined {
    return this.claims.get(agentId)?.get(ticketId);
  }

  claimsOf(agentId: string): ClaimRow[] {
    return [...(this.claims.get(agentId)?.values() ?? [])];
  }

  /** Agents with a claim not reported yet. */
  unreported(): string[] {
    return [...this.claims.entries()].filter(([, of]) => [...of.values()].some((c) => c.sent_seq === null)).map(([a]) => a);
  }

  /** Agents with anything told or claimed. */
  known(): string[] {
    return [...new Set([...this.claims.keys(), ...this.told.keys()])];
  }

  /** Opens a claim; a pick of a ticket whose offer to the agent awaits the ledger waits on that claim. */
  add(ticketId: number, agentId: string, kind: "offer" | "pick", lim: number) {
    const old = this.claim(ticketId, agentId);
    if (old && kind === "pick" && old.kind === "offer") return;
    this.sql.exec(
      `INSERT INTO claims (ticket_id, agent_id, kind, lim) VALUES (?, ?, ?, ?)
       ON CONFLICT (ticket_id, agent_id) DO UPDATE SET kind = excluded.kind, lim = excluded.lim, granted = 0, sent_seq = NULL`,
      ticketId,
      agentId,
      kind,
      lim,
    );
    this.keep({ ticket_id: ticketId, agent_id: agentId, kind, lim, granted: 0, sent_seq: null });
  }

  grantPick(ticketId: number, agentId: string) {
    const c = this.claim(ticketId, agentId);
    if (!c) return;
    this.sql.exec("UPDATE claims SET granted = 1 WHERE ticket_id = ? AND agent_id = ?", ticketId, agentId);
    this.keep({ ...c, granted: 1 });
  }

  drop(ticketId: number, agentId: string) {
    if (!this.claim(ticketId, agentId)) return;
    this.sql.exec("DELETE FROM claims WHERE ticket_id = ? AND agent_id = ?", ticketId, agentId);
    const of = this.claims.get(agentId)!;
    of.delete(ticketId);
    if (of.size === 0) this.claims.delete(agentId);
  }

  /** The agent's claims were carried by report `seq` (null: to be reported again). */
  setSent(agentId: string, seq: number | null) {
    const of = this.claims.get(agentId);
    if (!of || of.size === 0) return;
    this.sql.exec("UPDATE claims SET sent_seq = ? WHERE agent_id = ?", seq, agentId);
    for (const c of of.values()) this.keep({ ...c, sent_seq: seq });
  }

  toldOf(agentId: string): ReadonlySet<string> {
    return this.told.get(agentId) ?? new Set();
  }

  /** What the ledger holds for the agent from this queue. */
  setTold(agentId: string, slots: readonly Slot[]) {
    const next = new Set(slots.map((s) => `${s.ticketId}:${s.kind}`));
    const old = this.told.get(agentId);
    if (old && old.size === next.size && [...next].every((k) => old.has(k))) return;
    if (old?.size) this.sql.exec("DELETE FROM ledger_told WHERE agent_id = ?", agentId);
    const unique = [...new Map(slots.map((s) => [s.ticketId, s])).values()];
    for (let i = 0; i < unique.length; i += 30) {
      const chunk = unique.slice(i, i + 30);
      this.sql.exec(`INSERT OR REPLACE INTO ledger_told (agent_id, ticket_id, kind) VALUES ${chunk.map(() => "(?, ?, ?)").join(", ")}`, ...chunk.flatMap((s) => [agentId, s.ticketId, s.kind]));
    }
    if (next.size === 0) this.told.delete(agentId);
    else this.told.set(agentId, new Set(unique.map((s) => `${s.ticketId}:${s.kind}`)));
  }
}
