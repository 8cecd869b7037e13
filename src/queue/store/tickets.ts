// The queue's tickets (table `tickets`), with their open offers (column `offered`) and who was tried
// this round (`tried`), each a JSON array of agent ids on the ticket's row, so that a change to a
// ticket, its offers and its attempts is one statement: kept in memory with indexes by agent, read
// once when the object wakes, written through.
import type { TicketView } from "../../kinds/views";
import { boundPreview, boundView } from "../frame-bounds";

export type TicketRow = {
  id: number;
  /** The ticket as agents see it, parsed. */
  view: TicketView;
  preview: string;
  state: "waiting" | "offered" | "assigned";
  agent_id: string | null;
  offer_expires_at: number | null;
  enqueued_at: number;
  preferred_agent_id: string | null;
  sticky_until: number | null;
  escalated: number;
  transfer_to: string | null;
  return_queue: string | null;
  return_agent: string | null;
  /** JSON PlanStep[]: the action plan's steps still ahead; null when the ticket is not on a plan. */
  plan: string | null;
  /** JSON ConversationSettings of the ticket's account, as the last message brought them; null when not known here yet. */
  settings: string | null;
  position_updates: number;
};

/** Waiting and offered tickets in the order they will be served. */
const inQueueOrder = (a: TicketRow, b: TicketRow) => a.enqueued_at - b.enqueued_at || a.id - b.id;
const byId = (a: TicketRow, b: TicketRow) => a.id - b.id;

function add<K, V>(index: Map<K, Set<V>>, k: K, v: V) {
  let set = index.get(k);
  if (!set) index.set(k, (set = new Set()));
  set.add(v);
}

function remove<K, V>(index: Map<K, Set<V>>, k: K, v: V) {
  const set = index.get(k);
  set?.delete(v);
  if (set?.size === 0) index.delete(k);
}

/** The ticket row's columns that hold its offers and attempts, as JSON arrays (null: none). */
type Pairs = { offered?: string | null; tried?: string | null };

const pairsJson = (agents: ReadonlySet<string> | undefined): string | null => (agents && agents.size > 0 ? JSON.stringify([...agents].sort()) : null);

/** Rows are replaced, never changed in place: a row handed out stays as it was read, like a query's. */
export class TicketsTable {
  private readonly rows = new Map<number, TicketRow>();
  /** Assigned tickets by their agent. */
  private readonly heldBy = new Map<string, Set<number>>();
  private readonly offers = new Map<number, Set<string>>();
  private readonly offersTo = new Map<string, Set<number>>();
  private readonly attempts = new Map<number, Set<string>>();
  /** Tickets waiting for an offer: a dispatch reads these, not every ticket the queue holds. */
  private readonly waitingIds = new Set<number>();

  constructor(private readonly sql: SqlStorage) {
    for (const { offered, tried, ...r } of sql.exec<Omit<TicketRow, "view"> & { view: string; offered: string | null; tried: string | null }>("SELECT * FROM tickets")) {
      this.put({ ...r, view: JSON.parse(r.view) as TicketView });
      for (const a of offered ? (JSON.parse(offered) as string[]) : []) this.addOffer(r.id, a);
      for (const a of tried ? (JSON.parse(tried) as string[]) : []) add(this.attempts, r.id, a);
    }
  }

  private put(row: TicketRow) {
    const old = this.rows.get(row.id);
    if (old?.state === "assigned" && old.agent_id) remove(this.heldBy, old.agent_id, old.id);
    this.rows.set(row.id, row);
    if (row.state === "assigned" && row.agent_id) add(this.heldBy, row.agent_id, row.id);
    if (row.state === "waiting") this.waitingIds.add(row.id);
    else this.waitingIds.delete(row.id);
  }

  private patch(id: number, change: Partial<TicketRow>) {
    const row = this.rows.get(id);
    if (row) this.put({ ...row, ...change });
  }

  private addOffer(ticketId: number, agentId: string) {
    add(this.offers, ticketId, agentId);
    add(this.offersTo, agentId, ticketId);
  }

  get(id: number): TicketRow | undefined {
    return this.rows.get(id);
  }

  all(): TicketRow[] {
    return [...this.rows.values()].sort(inQueueOrder);
  }

  waiting(): TicketRow[] {
    return [...this.waitingIds].map((id) => this.rows.get(id)!).sort(inQueueOrder);
  }

  /** Tickets not yet held by anyone (waiting or being offered), in serving order. */
  unheld(): TicketRow[] {
    return [...this.rows.values()].filter((t) => t.state !== "assigned").sort(inQueueOrder);
  }

  held(agentId: string): TicketRow[] {
    return [...(this.heldBy.get(agentId) ?? [])].map((id) => this.rows.get(id)!).sort(byId);
  }

  heldCount(agentId: string): number {
    return this.heldBy.get(agentId)?.size ?? 0;
  }

  /** Tickets with an open offer to the agent. */
  offeredTo(agentId: string): TicketRow[] {
    return [...(this.offersTo.get(agentId) ?? [])].flatMap((id) => this.rows.get(id) ?? []).sort(byId);
  }

  offerCount(agentId: string): number {
    return this.offersTo.get(agentId)?.size ?? 0;
  }

  offerees(ticketId: number): string[] {
    return [...(this.offers.get(ticketId) ?? [])].sort();
  }

  hasOffer(ticketId: number, agentId: string): boolean {
    return this.offers.get(ticketId)?.has(agentId) ?? false;
  }

  /** The earliest enqueue time of any ticket here (escalation puts a ticket before it). */
  private firstEnqueuedAt(): number | null {
    let first: number | null = null;
    for (const t of this.rows.values()) if (first === null || t.enqueued_at < first) first = t.enqueued_at;
    return first;
  }

  /** `settings`: the account's conversation settings as JSON, written with the row (null keeps what it has). */
  enqueue(view: TicketView, preview: string, at: number, sticky?: { agentId: string; until: number }, settings: string | null = null) {
    const bounded = boundView(view);
    const json = JSON.stringify(bounded);
    this.sql.exec(
      `INSERT INTO tickets (id, view, preview, state, enqueued_at, preferred_agent_id, sticky_until, settings) VALUES (?, ?, ?, 'waiting', ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET view = excluded.view, settings = coalesce(excluded.settings, settings)`,
      view.id,
      json,
      boundPreview(preview),
      at,
      sticky?.agentId ?? null,
      sticky?.until ?? null,
      settings,
    );
    if (this.rows.has(view.id)) return this.patch(view.id, { view: bounded, ...(settings !== null ? { settings } : {}) });
    this.put(fresh(view.id, bounded, { preview: boundPreview(preview), enqueued_at: at, preferred_agent_id: sticky?.agentId ?? null, sticky_until: sticky?.until ?? null, settings }));
  }

  adoptAssigned(view: TicketView, agentId: string, at: number) {
    if (this.rows.has(view.id)) return;
    const bounded = boundView(view);
    this.sql.exec("INSERT INTO tickets (id, view, preview, state, agent_id, enqueued_at) VALUES (?, ?, '', 'assigned', ?, ?) ON CONFLICT (id) DO NOTHING", view.id, JSON.stringify(bounded), agentId, at);
    this.put(fresh(view.id, bounded, { state: "assigned", agent_id: agentId, enqueued_at: at }));
  }

  /** Writes the changed columns of an existing ticket, and its offers or attempts when `pairs` has them, in one statement. */
  private update(id: number, change: Partial<Omit<TicketRow, "id" | "view">> & { view?: TicketView }, pairs: Pairs = {}) {
    const row = this.rows.get(id);
    if (!row) return;
    const cols = Object.keys(change) as (keyof TicketRow)[];
    const values = cols.map((c) => (c === "view" ? JSON.stringify(change.view) : ((change as Record<string, unknown>)[c] as SqlStorageValue)));
    const pairCols = (Object.keys(pairs) as (keyof Pairs)[]).filter((c) => pairs[c] !== undefined);
    const set = [...cols, ...pairCols].map((c) => `${c} = ?`).join(", ");
    if (set) this.sql.exec(`UPDATE tickets SET ${set} WHERE id = ?`, ...values, ...pairCols.map((c) => pairs[c]!), id);
    this.put({ ...row, ...change });
  }

  setSettings(id: number, json: string) {
    if (this.rows.get(id)?.settings === json) return;
    this.update(id, { settings: json });
  }

  /** Counts one more queue position update sent for the ticket; returns the new count. */
  nextPositionUpdate(id: number): number {
    const row = this.rows.get(id);
    if (!row) throw new Error(`no ticket ${id} in this queue`);
    this.update(id, { position_updates: row.position_updates + 1 });
    return row.position_updates + 1;
  }

  setView(id: number, view: TicketView) {
    this.update(id, { view: boundView(view) });
  }

  setPreview(id: number, preview: string) {
    const bounded = boundPreview(preview);
    if (this.rows.get(id)?.preview === bounded) return;
    this.update(id, { preview: bounded });
  }

  /** Opens offers of one ring to these agents, all lapsing at `expiresAt`; they count as tried this round. */
  offer(id: number, agentIds: readonly string[], expiresAt: number) {
    const newOffers = agentIds.filter((a) => !this.hasOffer(id, a));
    const newAttempts = agentIds.filter((a) => !this.attempts.get(id)?.has(a));
    for (const a of newOffers) this.addOffer(id, a);
    for (const a of newAttempts) add(this.attempts, id, a);
    this.update(id, { state: "offered", offer_expires_at: expiresAt }, {
      ...(newOffers.length > 0 ? { offered: pairsJson(this.offers.get(id)) } : {}),
      ...(newAttempts.length > 0 ? { tried: pairsJson(this.attempts.get(id)) } : {}),
    });
  }

  /** The ticket is the agent's: offers and this round's attempts go. */
  assign(id: number, agentId: string) {
    const pairs = { ...this.closeOffers(id), ...this.dropAttempts(id) };
    this.update(id, { state: "assigned", agent_id: agentId, offer_expires_at: null, sticky_until: null, transfer_to: null, return_queue: null, return_agent: null, plan: null }, pairs);
  }

  /** Back to waiting: open offers close, the holder (if any) lets go. */
  requeue(id: number) {
    this.update(id, { state: "waiting", agent_id: null, offer_expires_at: null }, this.closeOffers(id));
  }

  /** Forgets the ticket's offers in memory; what its row's column becomes (nothing when it had none). */
  private closeOffers(id: number): Pairs {
    const agents = this.offers.get(id);
    if (!agents) return {};
    for (const a of agents) remove(this.offersTo, a, id);
    this.offers.delete(id);
    return { offered: null };
  }

  private dropAttempts(id: number): Pairs {
    if (!this.attempts.has(id)) return {};
    this.attempts.delete(id);
    return { tried: null };
  }

  /** Removes one agent's offer; true when other offers of the ticket remain open. */
  dropOffer(id: number, agentId: string): boolean {
    if (this.hasOffer(id, agentId)) {
      remove(this.offers, id, agentId);
      remove(this.offersTo, agentId, id);
      this.update(id, {}, { offered: pairsJson(this.offers.get(id)) });
    }
    return (this.offers.get(id)?.size ?? 0) > 0;
  }

  attempted(id: number): Set<string> {
    return new Set(this.attempts.get(id));
  }

  attempt(id: number, agentId: string) {
    if (this.attempts.get(id)?.has(agentId)) return;
    add(this.attempts, id, agentId);
    this.update(id, {}, { tried: pairsJson(this.attempts.get(id)) });
  }

  forgetAttempt(id: number, agentId: string) {
    if (!this.attempts.get(id)?.has(agentId)) return;
    remove(this.attempts, id, agentId);
    this.update(id, {}, { tried: pairsJson(this.attempts.get(id)) });
  }

  clearAttempts(id: number) {
    this.update(id, {}, this.dropAttempts(id));
  }

  unstick(id: number) {
    if (this.rows.get(id)?.sticky_until === null) return;
    this.update(id, { sticky_until: null });
  }

  remove(id: number) {
    const row = this.rows.get(id);
    if (row) {
      this.sql.exec("DELETE FROM tickets WHERE id = ?", id);
      if (row.state === "assigned" && row.agent_id) remove(this.heldBy, row.agent_id, id);
      this.waitingIds.delete(id);
      this.rows.delete(id);
    }
    this.closeOffers(id);
    this.dropAttempts(id);
  }

  /** A held ticket offered to a colleague: the holder keeps it until the colleague accepts. */
  offerTransfer(id: number, toAgentId: string) {
    this.update(id, { transfer_to: toAgentId });
    if (this.hasOffer(id, toAgentId)) return;
    this.addOffer(id, toAgentId);
    this.update(id, {}, { offered: pairsJson(this.offers.get(id)) });
  }

  endTransfer(id: number) {
    const row = this.rows.get(id);
    if (row?.transfer_to) this.dropOffer(id, row.transfer_to);
    if (row && row.transfer_to !== null) this.update(id, { transfer_to: null });
  }

  setReturn(id: number, from: { queueId: string; agentId: string }) {
    this.update(id, { return_queue: from.queueId, return_agent: from.agentId });
  }

  setPlan(id: number, steps: readonly unknown[]) {
    this.update(id, { plan: JSON.stringify(steps) });
  }

  /** Only `agentId` may be offered the ticket until `until` (sticky waits and action plans' agent steps). */
  reserve(id: number, agentId: string, until: number) {
    this.update(id, { preferred_agent_id: agentId, sticky_until: until });
  }

  /** Contact Message Timeout: escalated, and (if still waiting) first in line. */
  escalate(id: number) {
    const row = this.rows.get(id);
    if (!row || row.escalated !== 0) return;
    this.update(id, { escalated: 1, enqueued_at: this.firstEnqueuedAt()! - 1 });
  }
}

function fresh(id: number, view: TicketView, o: Partial<TicketRow>): TicketRow {
  return {
    id,
    view,
    preview: "",
    state: "waiting",
    agent_id: null,
    offer_expires_at: null,
    enqueued_at: 0,
    preferred_agent_id: null,
    sticky_until: null,
    escalated: 0,
    transfer_to: null,
    return_queue: null,
    return_agent: null,
    plan: null,
    settings: null,
    position_updates: 0,
    ...o,
  };
}
