// The queue's timers (table `timers`): rows with an absolute due time, multiplexed onto the object's
// one alarm. Kept in memory, read once when the object wakes; every change sets the alarm to the earliest.

export type TimerKind =
  | "offer_expiry"
  | "ring_retry"
  | "sticky_expiry"
  | "agent_timeout"
  | "idle_session"
  | "session_limit"
  | "contact_message"
  | "agent_message"
  | "message_timeout"
  | "transfer_expiry"
  | "transfer_return"
  | "presence_grace"
  | "queue_wait"
  | "plan_step"
  | "assigned_wait"
  | "queue_position"
  | "handover"
  | "sweep";

export type Timer = { kind: TimerKind; ref: string; due_at: number };

/** Timers that belong to one ticket (ref = ticket id): they go when the ticket leaves the queue. */
export const TICKET_TIMERS: readonly TimerKind[] = [
  "offer_expiry",
  "ring_retry",
  "sticky_expiry",
  "agent_timeout",
  "idle_session",
  "session_limit",
  "contact_message",
  "agent_message",
  "message_timeout",
  "transfer_expiry",
  "transfer_return",
  "queue_wait",
  "plan_step",
  "assigned_wait",
  "queue_position",
];

/** The clocks of a conversation rather than of its place in one queue: they travel with a moved ticket. */
export const CONVERSATION_TIMERS = ["session_limit", "idle_session", "message_timeout", "contact_message", "agent_message"] as const;
export type CarriedTimer = { kind: (typeof CONVERSATION_TIMERS)[number]; dueAt: number };

const key = (kind: TimerKind, ref: string) => `${kind}\u0000${ref}`;
const byDue = (a: Timer, b: Timer) => a.due_at - b.due_at;

/** Sets the object's alarm (null: none due). */
export type Alarm = (at: number | null) => void;

export class TimersTable {
  private readonly rows = new Map<string, Timer>();
  /** Timers by ref, so a ticket's are found and cancelled together. */
  private readonly byRef = new Map<string, Set<TimerKind>>();
  /** The alarm as last set; undefined: not set by this instance yet. */
  private armed: number | null | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly alarm: Alarm,
  ) {
    for (const t of sql.exec<Timer>("SELECT kind, ref, due_at FROM timers")) this.remember({ kind: t.kind, ref: t.ref, due_at: t.due_at });
  }

  private remember(t: Timer) {
    this.rows.set(key(t.kind, t.ref), t);
    let kinds = this.byRef.get(t.ref);
    if (!kinds) this.byRef.set(t.ref, (kinds = new Set()));
    kinds.add(t.kind);
  }

  private forget(kind: TimerKind, ref: string) {
    this.rows.delete(key(kind, ref));
    const kinds = this.byRef.get(ref);
    kinds?.delete(kind);
    if (kinds?.size === 0) this.byRef.delete(ref);
  }

  /** Writes the timer and keeps the alarm on the earliest due time. */
  schedule(kind: TimerKind, ref: string, dueAt: number) {
    const old = this.rows.get(key(kind, ref))?.due_at ?? null;
    if (old === dueAt) return;
    this.sql.exec("INSERT INTO timers (kind, ref, due_at) VALUES (?, ?, ?) ON CONFLICT (kind, ref) DO UPDATE SET due_at = excluded.due_at", kind, ref, dueAt);
    this.remember({ kind, ref, due_at: dueAt });
    this.moved(old, dueAt);
  }

  has(kind: TimerKind, ref: string): boolean {
    return this.rows.has(key(kind, ref));
  }

  dueAt(kind: TimerKind, ref: string): number | null {
    return this.rows.get(key(kind, ref))?.due_at ?? null;
  }

  cancel(kind: TimerKind, ref: string) {
    const old = this.dueAt(kind, ref);
    if (old === null) return;
    this.sql.exec("DELETE FROM timers WHERE kind = ? AND ref = ?", kind, ref);
    this.forget(kind, ref);
    this.moved(old, null);
  }

  /** Cancels every timer of `kinds` under `ref`, in one statement. */
  cancelAll(ref: string, kinds: readonly TimerKind[]) {
    const present = kinds.filter((k) => this.has(k, ref));
    if (present.length === 0) return;
    this.sql.exec(`DELETE FROM timers WHERE ref = ? AND kind IN (${present.map(() => "?").join(", ")})`, ref, ...present);
    const earliest = Math.min(...present.map((k) => this.dueAt(k, ref)!));
    for (const k of present) this.forget(k, ref);
    this.moved(earliest, null);
  }

  /** Takes a due timer for firing; false when it was cancelled or moved later since it was read. */
  claim(timer: Timer, now: number): boolean {
    if (this.sql.exec("DELETE FROM timers WHERE kind = ? AND ref = ? AND due_at <= ?", timer.kind, timer.ref, now).rowsWritten === 0) return false;
    this.forget(timer.kind, timer.ref);
    return true;
  }

  /** The due timers, as stored (the alarm's path, not an event's: it reads them from SQLite by their index). */
  due(now: number): Timer[] {
    return this.sql.exec<Timer>("SELECT kind, ref, due_at FROM timers WHERE due_at <= ? ORDER BY due_at", now).toArray();
  }

  all(): Timer[] {
    return [...this.rows.values()].sort(byDue);
  }

  /** Of `kinds`, those running under `ref`. */
  of(ref: string, kinds: readonly TimerKind[]): Timer[] {
    return kinds.flatMap((k) => this.rows.get(key(k, ref)) ?? []);
  }

  nextDue(): number | null {
    let next: number | null = null;
    for (const t of this.rows.values()) if (next === null || t.due_at < next) next = t.due_at;
    return next;
  }

  /** A timer due at `from` is now due at `to` (null: none): the alarm follows when the earliest changed. */
  private moved(from: number | null, to: number | null) {
    if (this.armed === undefined) return this.rearm();
    if (to !== null && (this.armed === null || to < this.armed)) {
      this.armed = to;
      this.alarm(to);
    } else if (from !== null && from === this.armed) this.rearm();
  }

  /** Sets the alarm to the earliest due time when that changed (the alarm handler calls it after firing, as the runtime cleared it). */
  rearm(force = false) {
    const next = this.nextDue();
    if (!force && next === this.armed) return;
    this.armed = next;
    this.alarm(next);
  }
}
