// The queue's roster (table `agents`): kept in memory, read once when the object wakes, written through.
import type { AgentStatus } from "../protocol";

export type AgentRow = {
  id: string;
  name: string;
  capacity: number;
  chosen_status: "online" | "away";
  connected: number;
  last_offer_at: number;
  last_seq: number;
  idle_since: number | null;
  assigned_count: number;
  weight: number;
  /** The agent's ledger refused an offer here at this version: full in every queue until a later version frees a slot. */
  full_version: number | null;
  freed_version: number | null;
  /** The agent's slots in other queues, as their ledger last answered; null: not asked yet. */
  elsewhere: number | null;
};

/** The agent's ledger refused them a slot and has not said one freed since: full, counting every queue. */
export function fullElsewhere(agent: AgentRow): boolean {
  return agent.full_version !== null && agent.full_version >= (agent.freed_version ?? -1);
}

export function statusOf(agent: AgentRow): AgentStatus {
  return agent.connected ? agent.chosen_status : "offline";
}

/** Rows are replaced, never changed in place: a row handed out stays as it was read, like a query's. */
export class AgentsTable {
  private readonly rows = new Map<string, AgentRow>();
  private sorted: AgentRow[] | null = null;

  constructor(private readonly sql: SqlStorage) {
    for (const row of sql.exec<AgentRow>("SELECT * FROM agents")) this.rows.set(row.id, { ...row });
  }

  get(id: string): AgentRow | undefined {
    return this.rows.get(id);
  }

  /** Every agent, by id. */
  all(): AgentRow[] {
    this.sorted ??= [...this.rows.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return this.sorted;
  }

  private put(row: AgentRow) {
    this.rows.set(row.id, row);
    this.sorted = null;
  }

  private patch(id: string, change: Partial<AgentRow>) {
    const row = this.rows.get(id);
    if (row) this.put({ ...row, ...change });
  }

  /** A connecting agent is online; one held as full is tried again (in case their ledger's notice that a slot freed was lost). */
  upsert(a: { id: string; name: string; capacity: number; weight?: number }, now: number) {
    const weight = a.weight ?? 1;
    this.sql.exec(
      `INSERT INTO agents (id, name, capacity, weight, connected, idle_since) VALUES (?, ?, ?, ?, 1, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, capacity = excluded.capacity, weight = excluded.weight, connected = 1,
         idle_since = CASE WHEN agents.connected = 0 THEN excluded.idle_since ELSE agents.idle_since END,
         full_version = NULL`,
      a.id,
      a.name,
      a.capacity,
      weight,
      now,
    );
    const old = this.rows.get(a.id);
    this.put(
      old
        ? { ...old, name: a.name, capacity: a.capacity, weight, connected: 1, idle_since: old.connected === 0 ? now : old.idle_since, full_version: null }
        : { id: a.id, name: a.name, capacity: a.capacity, chosen_status: "online", connected: 1, last_offer_at: 0, last_seq: 0, idle_since: now, assigned_count: 0, weight, full_version: null, freed_version: null, elsewhere: null },
    );
  }

  setChosenStatus(id: string, status: "online" | "away") {
    if (!this.rows.has(id) || this.rows.get(id)!.chosen_status === status) return;
    this.sql.exec("UPDATE agents SET chosen_status = ? WHERE id = ?", status, id);
    this.patch(id, { chosen_status: status });
  }

  setConnected(id: string, connected: boolean) {
    const value = connected ? 1 : 0;
    if (!this.rows.has(id) || this.rows.get(id)!.connected === value) return;
    this.sql.exec("UPDATE agents SET connected = ? WHERE id = ?", value, id);
    this.patch(id, { connected: value });
  }

  /** Offers went out to these agents now (round-robin and longest-idle read it). */
  offered(ids: readonly string[], now: number) {
    const known = ids.filter((id) => this.rows.has(id));
    for (let i = 0; i < known.length; i += 90) {
      const chunk = known.slice(i, i + 90);
      this.sql.exec(`UPDATE agents SET last_offer_at = ? WHERE id IN (${chunk.map(() => "?").join(", ")})`, now, ...chunk);
    }
    for (const id of known) this.patch(id, { last_offer_at: now });
  }

  /** The agent took a ticket: one more assigned, not idle. */
  assigned(id: string) {
    if (!this.rows.has(id)) return;
    this.sql.exec("UPDATE agents SET assigned_count = assigned_count + 1, idle_since = NULL WHERE id = ?", id);
    const row = this.rows.get(id)!;
    this.patch(id, { assigned_count: row.assigned_count + 1, idle_since: null });
  }

  /** Idle from now (the caller has checked they hold nothing). */
  idleSince(id: string, now: number) {
    if (!this.rows.has(id)) return;
    this.sql.exec("UPDATE agents SET idle_since = ? WHERE id = ?", now, id);
    this.patch(id, { idle_since: now });
  }

  /** The ledger refused the agent a slot at `version`: no offers to them until a later version. */
  markFull(id: string, version: number) {
    const row = this.rows.get(id);
    if (!row) return;
    const full = Math.max(row.full_version ?? 0, version);
    if (full === row.full_version) return;
    this.sql.exec("UPDATE agents SET full_version = ? WHERE id = ?", full, id);
    this.patch(id, { full_version: full });
  }

  /** The ledger is at `version` and a slot of the agent's freed since the refusals before it. */
  markRoom(id: string, version: number) {
    const row = this.rows.get(id);
    if (!row) return;
    const freed = Math.max(row.freed_version ?? 0, version);
    if (freed === row.freed_version) return;
    this.sql.exec("UPDATE agents SET freed_version = ? WHERE id = ?", freed, id);
    this.patch(id, { freed_version: freed });
  }

  /** What the agent's ledger last counted of their slots in other queues. */
  setElsewhere(id: string, n: number) {
    if (!this.rows.has(id) || this.rows.get(id)!.elsewhere === n) return;
    this.sql.exec("UPDATE agents SET elsewhere = ? WHERE id = ?", n, id);
    this.patch(id, { elsewhere: n });
  }

  /** The agent's latest frame number, in memory only: the replay log holds it (frames.ts). */
  noteSeq(id: string, seq: number) {
    this.patch(id, { last_seq: seq });
  }
}
