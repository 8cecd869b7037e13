// Counters (table `stats`): the queue's pace, the supervisors' state sequence, the last demand sent,
// the ledger reports' sequence. Kept in memory, read once when the object wakes, written on change.

export type StatKey = "pace_ms" | "last_assign_at" | "state_seq" | "demand_sig" | "ledger_seq";

export class StatsTable {
  private readonly values = new Map<string, number | null>();

  constructor(private readonly sql: SqlStorage) {
    for (const r of sql.exec<{ key: string; value: number | null }>("SELECT key, value FROM stats")) this.values.set(r.key, r.value);
  }

  get(key: StatKey): number | null {
    return this.values.get(key) ?? null;
  }

  set(key: StatKey, value: number) {
    this.setAll({ [key]: value });
  }

  /** Writes the counters that changed, in one statement. */
  setAll(values: Partial<Record<StatKey, number>>) {
    const changed = (Object.entries(values) as [StatKey, number][]).filter(([k, v]) => this.values.get(k) !== v);
    if (changed.length === 0) return;
    this.sql.exec(
      `INSERT INTO stats (key, value) VALUES ${changed.map(() => "(?, ?)").join(", ")} ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ...changed.flat(),
    );
    for (const [k, v] of changed) this.values.set(k, v);
  }
}
