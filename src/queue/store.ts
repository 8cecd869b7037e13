import { defaultRoutingConfig, routingConfigSchema, type RoutingConfig } from "../domain/routing-config";
import { nextPace } from "../domain/wait-estimate";
import type { AgentStatus, ServerFrame, TicketView } from "./protocol";
import { boundPreview, boundView } from "./frame-bounds";

// The queue object's own state, in its SQLite. Every method is synchronous: calls made without an
// `await` between them commit together.

const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS config (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  chosen_status TEXT NOT NULL DEFAULT 'online',  -- what the agent asked for: online | away
  connected INTEGER NOT NULL DEFAULT 0,          -- 1 while a socket is open or within the grace period
  last_offer_at INTEGER NOT NULL DEFAULT 0,
  last_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tickets (
  id INTEGER PRIMARY KEY,
  view TEXT NOT NULL,
  preview TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,                           -- waiting | offered | assigned
  agent_id TEXT,                                 -- the agent holding it (assigned)
  offer_expires_at INTEGER,                      -- when the open offers of this ring lapse
  enqueued_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_state_idx ON tickets (state, enqueued_at);
CREATE INDEX IF NOT EXISTS tickets_agent_idx ON tickets (agent_id);
CREATE TABLE IF NOT EXISTS ring_attempts (ticket_id INTEGER NOT NULL, agent_id TEXT NOT NULL, PRIMARY KEY (ticket_id, agent_id));
CREATE TABLE IF NOT EXISTS seen_messages (message_id INTEGER PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS timers (kind TEXT NOT NULL, ref TEXT NOT NULL, due_at INTEGER NOT NULL, PRIMARY KEY (kind, ref));
CREATE INDEX IF NOT EXISTS timers_due_idx ON timers (due_at);
CREATE TABLE IF NOT EXISTS frames (agent_id TEXT NOT NULL, seq INTEGER NOT NULL, json TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (agent_id, seq));
`;

/** Later changes to the object's own schema, applied once each, in order (objects outlive deploys). */
const MIGRATIONS = [
  `CREATE TABLE offers (ticket_id INTEGER NOT NULL, agent_id TEXT NOT NULL, PRIMARY KEY (ticket_id, agent_id));
   CREATE INDEX offers_agent_idx ON offers (agent_id);
   INSERT INTO offers (ticket_id, agent_id) SELECT id, agent_id FROM tickets WHERE state = 'offered' AND agent_id IS NOT NULL;
   UPDATE tickets SET agent_id = NULL WHERE state = 'offered';
   ALTER TABLE agents ADD COLUMN idle_since INTEGER;
   ALTER TABLE agents ADD COLUMN assigned_count INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE agents ADD COLUMN weight INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE tickets ADD COLUMN preferred_agent_id TEXT;
   ALTER TABLE tickets ADD COLUMN sticky_until INTEGER;`,
  // Messages for a new agent now come from D1's history.
  `DROP TABLE IF EXISTS pending_messages;`,
  `CREATE TABLE stats (key TEXT PRIMARY KEY, value INTEGER);`,
  `ALTER TABLE tickets ADD COLUMN escalated INTEGER NOT NULL DEFAULT 0;`,
  // Transfers: to an agent here (transfer_to), or in from another queue (return_queue, return_agent).
  `ALTER TABLE tickets ADD COLUMN transfer_to TEXT;
   ALTER TABLE tickets ADD COLUMN return_queue TEXT;
   ALTER TABLE tickets ADD COLUMN return_agent TEXT;`,
  // Action plans (the steps still ahead of a ticket on one) and other queues' claims on shared agents.
  `ALTER TABLE tickets ADD COLUMN plan TEXT;
   CREATE TABLE peer_demand (queue_id TEXT PRIMARY KEY, priority INTEGER NOT NULL, agents TEXT NOT NULL, valid_until INTEGER NOT NULL);`,
  // The conversation settings of the ticket's account (dispositions, automatic messages, notifications…), as JSON.
  `ALTER TABLE tickets ADD COLUMN settings TEXT;`,
  // How many queue position updates the waiting customer has been sent in this stay.
  `ALTER TABLE tickets ADD COLUMN position_updates INTEGER NOT NULL DEFAULT 0;`,
  // Tickets handed over to another queue (pending until that queue's object confirms, then kept a
  // while to forward late messages) and the hand-overs received here (a repeat is acknowledged only).
  `CREATE TABLE handovers (
     ticket_id INTEGER PRIMARY KEY,
     to_queue TEXT NOT NULL,
     move_id TEXT NOT NULL,
     json TEXT NOT NULL,                         -- the hand-over: what the other queue receives
     enqueued_at INTEGER NOT NULL,               -- when the ticket joined this queue, if it has to stay after all
     attempts INTEGER NOT NULL DEFAULT 0,
     confirmed_at INTEGER
   );
   CREATE TABLE arrivals (move_id TEXT PRIMARY KEY, ticket_id INTEGER NOT NULL, at INTEGER NOT NULL);
   CREATE INDEX arrivals_at_idx ON arrivals (at);`,
  // Capacity across queues: claims awaiting the agent's ledger (new offers, picks), what the ledger
  // was last told of each agent here, and the ledger versions at which an agent was found full / freed.
  `CREATE TABLE claims (
     ticket_id INTEGER NOT NULL,
     agent_id TEXT NOT NULL,
     kind TEXT NOT NULL,                         -- offer (an open offer, not sent until granted) | pick
     lim INTEGER NOT NULL,                       -- the most slots the agent may have in every queue with it
     granted INTEGER NOT NULL DEFAULT 0,         -- picks: granted, the pick is under way
     sent_seq INTEGER,                           -- the latest report that carried it; null: not reported yet
     PRIMARY KEY (ticket_id, agent_id)
   );
   CREATE INDEX claims_agent_idx ON claims (agent_id);
   CREATE TABLE ledger_told (agent_id TEXT NOT NULL, ticket_id INTEGER NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (agent_id, ticket_id));
   ALTER TABLE agents ADD COLUMN full_version INTEGER;
   ALTER TABLE agents ADD COLUMN freed_version INTEGER;`,
];

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

/** Timers that belong to one ticket (ref = ticket id): they go when the ticket leaves the queue. */
const TICKET_TIMERS: TimerKind[] = [
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
const CONVERSATION_TIMERS = ["session_limit", "idle_session", "message_timeout", "contact_message", "agent_message"] as const;
export type CarriedTimer = { kind: (typeof CONVERSATION_TIMERS)[number]; dueAt: number };

/** Waiting and offered tickets in the order they will be served. */
export const QUEUE_ORDER = "ORDER BY enqueued_at, id";
export type Timer = { kind: TimerKind; ref: string; due_at: number };

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
};

/** The agent's ledger refused them a slot and has not said one freed since: full, counting every queue. */
export function fullElsewhere(agent: AgentRow): boolean {
  return agent.full_version !== null && agent.full_version >= (agent.freed_version ?? -1);
}

export type TicketRow = {
  id: number;
  view: string;
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

/** A ticket handed over to another queue: `confirmed_at` is null until that queue's object has it. */
export type HandOverRow = { ticket_id: number; to_queue: string; move_id: string; json: string; enqueued_at: number; attempts: number; confirmed_at: number | null };

/** How long the moves received are remembered, so that a sender's late repeat is only acknowledged. */
const ARRIVAL_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** A queue's standing claim on its online agents while it has tickets waiting, as its peers keep it. */
export type PeerClaim = { priority: number; agentIds: string[]; validUntil: number };

type StatKey = "pace_ms" | "last_assign_at" | "state_seq" | "demand_sig" | "ledger_seq";

/** How long missed frames are kept for replay, and how many per agent at most. */
export const FRAME_RETENTION_MS = 24 * 60 * 60 * 1000;
export const FRAME_RETENTION_COUNT = 1000;

/** Every agent's slots here (agent_id, ticket_id, kind): tickets held, open offers, picks under way. */
const CURRENT_SLOTS = `
  SELECT agent_id, id AS ticket_id, 'hold' AS kind FROM tickets WHERE state = 'assigned' AND agent_id IS NOT NULL
  UNION ALL SELECT agent_id, ticket_id, 'offer' AS kind FROM offers
  UNION ALL SELECT c.agent_id, c.ticket_id, 'hold' AS kind FROM claims c WHERE c.kind = 'pick'
    AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.ticket_id = c.ticket_id AND o.agent_id = c.agent_id)
    AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = c.ticket_id AND t.state = 'assigned' AND t.agent_id = c.agent_id)`;

/** A claim on the agent's capacity awaiting their ledger. */
export type ClaimRow = { ticket_id: number; agent_id: string; kind: "offer" | "pick"; lim: number; granted: number; sent_seq: number | null };

export class QueueStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA_V1);
    sql.exec("CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
    const applied = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0]?.version ?? 0;
    for (let v = applied; v < MIGRATIONS.length; v++) sql.exec(MIGRATIONS[v]!);
    sql.exec("INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version", MIGRATIONS.length);
  }

  /** The parsed configuration, kept in memory: read on every event, written only when it changes. */
  private configCache: { json: string; config: RoutingConfig } | undefined;

  config(): RoutingConfig {
    if (!this.configCache) {
      const row = this.sql.exec<{ json: string }>("SELECT json FROM config WHERE id = 1").toArray()[0];
      this.configCache = row
        ? { json: row.json, config: routingConfigSchema.parse(JSON.parse(row.json)) }
        : { json: "", config: defaultRoutingConfig };
    }
    return this.configCache.config;
  }

  setConfig(config: RoutingConfig) {
    const json = JSON.stringify(config);
    if (this.configCache?.json === json) return;
    this.sql.exec("INSERT INTO config (id, json) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json", json);
    this.configCache = { json, config };
  }

  /**
   * Agents whose slots here or ledger record may have changed since the last `ledgerChanges`, so
   * that it compares only theirs. Null until the first one: changes made before this object woke are not known.
   */
  private touched: Set<string> | null = null;

  private touch(...agentIds: (string | null)[]) {
    for (const id of agentIds) if (id !== null) this.touched?.add(id);
  }

  /** Marks the ticket's holder and offerees: called before their slots on it change. */
  private touchTicket(ticketId: number) {
    if (!this.touched) return;
    const rows = this.sql.exec<{ agent_id: string }>(
      "SELECT agent_id FROM tickets WHERE id = ?1 AND agent_id IS NOT NULL UNION SELECT agent_id FROM offers WHERE ticket_id = ?1",
      ticketId,
    );
    for (const r of rows) this.touched.add(r.agent_id);
  }

  // ---- counters: the queue's pace (for wait estimates) and the supervisors' state sequence

  stat(key: StatKey): number | null {
    return this.sql.exec<{ value: number }>("SELECT value FROM stats WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  setStat(key: StatKey, value: number) {
    this.sql.exec("INSERT INTO stats (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  // ---- agents

  agent(id: string): AgentRow | undefined {
    return this.sql.exec<AgentRow>("SELECT * FROM agents WHERE id = ?", id).toArray()[0];
  }

  agents(): AgentRow[] {
    return this.sql.exec<AgentRow>("SELECT * FROM agents ORDER BY id").toArray();
  }

  /** A connecting agent is online; one held as full is tried again (in case their ledger's notice that a slot freed was lost). */
  upsertAgent(a: { id: string; name: string; capacity: number; weight?: number }, now: number) {
    this.sql.exec(
      `INSERT INTO agents (id, name, capacity, weight, connected, idle_since) VALUES (?, ?, ?, ?, 1, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, capacity = excluded.capacity, weight = excluded.weight, connected = 1,
         idle_since = CASE WHEN agents.connected = 0 THEN excluded.idle_since ELSE agents.idle_since END,
         full_version = NULL`,
      a.id,
      a.name,
      a.capacity,
      a.weight ?? 1,
      now,
    );
  }

  setChosenStatus(id: string, status: "online" | "away") {
    this.sql.exec("UPDATE agents SET chosen_status = ? WHERE id = ?", status, id);
  }

  setConnected(id: string, connected: boolean) {
    this.sql.exec("UPDATE agents SET connected = ? WHERE id = ?", connected ? 1 : 0, id);
  }

  /** Tickets offered to or held by the agent: what counts against its capacity. */
  load(agentId: string): number {
    return this.sql
      .exec<{ n: number }>(
        "SELECT (SELECT count(*) FROM tickets WHERE agent_id = ?1 AND state = 'assigned') + (SELECT count(*) FROM offers WHERE agent_id = ?1) AS n",
        agentId,
      )
      .one().n;
  }

  /** After the agent let go of a ticket: idle from now if they hold nothing else. */
  markFreed(agentId: string, now: number) {
    this.sql.exec("UPDATE agents SET idle_since = ?2 WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM tickets WHERE agent_id = ?1 AND state = 'assigned')", agentId, now);
  }

  status(agent: AgentRow): AgentStatus {
    return agent.connected ? agent.chosen_status : "offline";
  }

  // ---- tickets

  ticket(id: number): TicketRow | undefined {
    return this.sql.exec<TicketRow>("SELECT * FROM tickets WHERE id = ?", id).toArray()[0];
  }

  waitingTickets(): TicketRow[] {
    return this.sql.exec<TicketRow>(`SELECT * FROM tickets WHERE state = 'waiting' ${QUEUE_ORDER}`).toArray();
  }

  /** Tickets not yet held by anyone (waiting or being offered), in serving order. */
  unheldTickets(): TicketRow[] {
    return this.sql.exec<TicketRow>(`SELECT * FROM tickets WHERE state != 'assigned' ${QUEUE_ORDER}`).toArray();
  }

  /** Tickets the agent holds. */
  heldBy(agentId: string): TicketRow[] {
    return this.sql.exec<TicketRow>("SELECT * FROM tickets WHERE agent_id = ? AND state = 'assigned' ORDER BY id", agentId).toArray();
  }

  /** Tickets with an open offer to the agent. */
  offeredTo(agentId: string): TicketRow[] {
    return this.sql
      .exec<TicketRow>("SELECT t.* FROM tickets t JOIN offers o ON o.ticket_id = t.id WHERE o.agent_id = ? ORDER BY t.id", agentId)
      .toArray();
  }

  offerees(ticketId: number): string[] {
    return this.sql.exec<{ agent_id: string }>("SELECT agent_id FROM offers WHERE ticket_id = ? ORDER BY agent_id", ticketId).toArray().map((r) => r.agent_id);
  }

  hasOffer(ticketId: number, agentId: string): boolean {
    return this.sql.exec("SELECT 1 FROM offers WHERE ticket_id = ? AND agent_id = ?", ticketId, agentId).toArray().length > 0;
  }

  /** Removes one agent's offer; true when other offers of the ticket remain open. */
  dropOffer(ticketId: number, agentId: string): boolean {
    this.touch(agentId);
    this.sql.exec("DELETE FROM offers WHERE ticket_id = ? AND agent_id = ?", ticketId, agentId);
    return this.offerees(ticketId).length > 0;
  }

  allTickets(): TicketRow[] {
    return this.sql.exec<TicketRow>("SELECT * FROM tickets ORDER BY enqueued_at, id").toArray();
  }

  enqueue(view: TicketView, preview: string, at: number, sticky?: { agentId: string; until: number }) {
    this.sql.exec(
      `INSERT INTO tickets (id, view, preview, state, enqueued_at, preferred_agent_id, sticky_until) VALUES (?, ?, ?, 'waiting', ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET view = excluded.view`,
      view.id,
      JSON.stringify(boundView(view)),
      boundPreview(preview),
      at,
      sticky?.agentId ?? null,
      sticky?.until ?? null,
    );
  }

  adoptAssigned(view: TicketView, agentId: string, at: number) {
    this.touch(agentId);
    this.sql.exec(
      `INSERT INTO tickets (id, view, preview, state, agent_id, enqueued_at) VALUES (?, ?, '', 'assigned', ?, ?)
       ON CONFLICT (id) DO NOTHING`,
      view.id,
      JSON.stringify(boundView(view)),
      agentId,
      at,
    );
  }

  /** Keeps the ticket's account's conversation settings with the ticket (written only when they changed). */
  setSettings(ticketId: number, json: string) {
    this.sql.exec("UPDATE tickets SET settings = ?2 WHERE id = ?1 AND settings IS NOT ?2", ticketId, json);
  }

  /** Counts one more queue position update sent for the ticket; returns the new count. */
  nextPositionUpdate(ticketId: number): number {
    return this.sql.exec<{ n: number }>("UPDATE tickets SET position_updates = position_updates + 1 WHERE id = ? RETURNING position_updates AS n", ticketId).one().n;
  }

  /** Replaces the ticket's view (subject or tags changed). */
  setView(ticketId: number, view: TicketView) {
    this.sql.exec("UPDATE tickets SET view = ? WHERE id = ?", JSON.stringify(boundView(view)), ticketId);
  }

  setPreview(ticketId: number, preview: string) {
    this.sql.exec("UPDATE tickets SET preview = ? WHERE id = ?", boundPreview(preview), ticketId);
  }

  /** Opens offers of one ring to these agents, all lapsing at `expiresAt`. */
  offer(ticketId: number, agentIds: readonly string[], expiresAt: number, now: number) {
    this.touch(...agentIds);
    this.sql.exec("UPDATE tickets SET state = 'offered', offer_expires_at = ? WHERE id = ?", expiresAt, ticketId);
    for (const agentId of agentIds) {
      this.sql.exec("INSERT OR IGNORE INTO offers (ticket_id, agent_id) VALUES (?, ?)", ticketId, agentId);
      this.sql.exec("INSERT OR IGNORE INTO ring_attempts (ticket_id, agent_id) VALUES (?, ?)", ticketId, agentId);
      this.sql.exec("UPDATE agents SET last_offer_at = ? WHERE id = ?", now, agentId);
    }
  }

  /** The ticket is the agent's: every offer of it closes. Returns the agents whose offers were withdrawn. */
  assign(ticketId: number, agentId: string, now: number): string[] {
    const last = this.stat("last_assign_at");
    if (last !== null) this.setStat("pace_ms", nextPace(this.stat("pace_ms"), now - last));
    this.setStat("last_assign_at", now);
    const others = this.offerees(ticketId).filter((a) => a !== agentId);
    this.touchTicket(ticketId);
    this.touch(agentId);
    this.sql.exec(
      "UPDATE tickets SET state = 'assigned', agent_id = ?, offer_expires_at = NULL, sticky_until = NULL, transfer_to = NULL, return_queue = NULL, return_agent = NULL, plan = NULL WHERE id = ?",
      agentId,
      ticketId,
    );
    this.cancelTimer("transfer_expiry", String(ticketId));
    this.cancelTimer("transfer_return", String(ticketId));
    for (const kind of ["queue_wait", "plan_step", "assigned_wait", "queue_position"] as const) this.cancelTimer(kind, String(ticketId));
    this.sql.exec("DELETE FROM offers WHERE ticket_id = ?", ticketId);
    this.sql.exec("DELETE FROM ring_attempts WHERE ticket_id = ?", ticketId);
    this.sql.exec("UPDATE agents SET assigned_count = assigned_count + 1, idle_since = NULL WHERE id = ?", agentId);
    return others;
  }

  /** Back to waiting: open offers close, the holder (if any) lets go. */
  requeue(ticketId: number) {
    this.touchTicket(ticketId);
    this.sql.exec("UPDATE tickets SET state = 'waiting', agent_id = NULL, offer_expires_at = NULL WHERE id = ?", ticketId);
    this.sql.exec("DELETE FROM offers WHERE ticket_id = ?", ticketId);
  }

  /** Takes a held ticket back into the queue; the agent who had it is not offered it again this round. */
  revoke(ticketId: number, agentId: string) {
    this.requeue(ticketId);
    this.sql.exec("INSERT OR IGNORE INTO ring_attempts (ticket_id, agent_id) VALUES (?, ?)", ticketId, agentId);
    this.cancelTimer("agent_timeout", String(ticketId));
  }

  /** Ends the sticky wait: the ticket may go to anyone. */
  unstick(ticketId: number) {
    this.sql.exec("UPDATE tickets SET sticky_until = NULL WHERE id = ?", ticketId);
  }

  removeTicket(ticketId: number) {
    this.touchTicket(ticketId);
    this.sql.exec("DELETE FROM tickets WHERE id = ?", ticketId);
    this.sql.exec("DELETE FROM offers WHERE ticket_id = ?", ticketId);
    this.sql.exec("DELETE FROM ring_attempts WHERE ticket_id = ?", ticketId);
    for (const kind of TICKET_TIMERS) this.cancelTimer(kind, String(ticketId));
  }

  /** A held ticket offered to a colleague: the holder keeps it until the colleague accepts. */
  offerTransfer(ticketId: number, toAgentId: string) {
    this.touch(toAgentId);
    this.sql.exec("UPDATE tickets SET transfer_to = ? WHERE id = ?", toAgentId, ticketId);
    this.sql.exec("INSERT OR IGNORE INTO offers (ticket_id, agent_id) VALUES (?, ?)", ticketId, toAgentId);
  }

  endTransfer(ticketId: number) {
    const row = this.ticket(ticketId);
    this.touch(row?.transfer_to ?? null);
    if (row?.transfer_to) this.sql.exec("DELETE FROM offers WHERE ticket_id = ? AND agent_id = ?", ticketId, row.transfer_to);
    this.sql.exec("UPDATE tickets SET transfer_to = NULL WHERE id = ?", ticketId);
    this.cancelTimer("transfer_expiry", String(ticketId));
  }

  /** A ticket transferred in from another queue: it waits here, and goes back if nobody takes it in time. */
  enqueueTransfer(view: TicketView, preview: string, at: number, from: { queueId: string; agentId: string }) {
    this.enqueue(view, preview, at);
    this.sql.exec("UPDATE tickets SET return_queue = ?, return_agent = ? WHERE id = ?", from.queueId, from.agentId, view.id);
  }

  /** The ticket follows an action plan: `steps` are those still ahead ([] once the last is under way). */
  setPlan(ticketId: number, steps: readonly unknown[]) {
    this.sql.exec("UPDATE tickets SET plan = ? WHERE id = ?", JSON.stringify(steps), ticketId);
  }

  /** Only `agentId` may be offered the ticket until `until` (sticky waits and action plans' agent steps). */
  reserve(ticketId: number, agentId: string, until: number) {
    this.sql.exec("UPDATE tickets SET preferred_agent_id = ?, sticky_until = ? WHERE id = ?", agentId, until, ticketId);
  }

  // ---- hand-overs: tickets moving to another queue's object, and those received from one

  /** The ticket leaves for `toQueue`: recorded in the same step that takes it out of this queue, delivered until confirmed. */
  recordHandOver(ticketId: number, toQueue: string, moveId: string, json: string, enqueuedAt: number) {
    this.sql.exec(
      "INSERT OR REPLACE INTO handovers (ticket_id, to_queue, move_id, json, enqueued_at) VALUES (?, ?, ?, ?, ?)",
      ticketId,
      toQueue,
      moveId,
      json,
      enqueuedAt,
    );
  }

  handOver(ticketId: number): HandOverRow | undefined {
    return this.sql.exec<HandOverRow>("SELECT * FROM handovers WHERE ticket_id = ?", ticketId).toArray()[0];
  }

  /** Counts a failed delivery of the move; returns how many have failed. */
  handOverFailed(moveId: string): number {
    return this.sql.exec<{ n: number }>("UPDATE handovers SET attempts = attempts + 1 WHERE move_id = ? RETURNING attempts AS n", moveId).one().n;
  }

  confirmHandOver(moveId: string, at: number) {
    this.sql.exec("UPDATE handovers SET confirmed_at = ? WHERE move_id = ? AND confirmed_at IS NULL", at, moveId);
  }

  dropHandOver(ticketId: number) {
    this.sql.exec("DELETE FROM handovers WHERE ticket_id = ?", ticketId);
    this.cancelTimer("handover", String(ticketId));
  }

  /**
   * A hand-over from another queue arrives: false when this move was received before (the sender
   * did not hear the answer and asked again). The ticket is here again: a mark of its leaving goes.
   */
  firstArrival(moveId: string, ticketId: number, at: number): boolean {
    this.sql.exec("DELETE FROM arrivals WHERE at < ?", at - ARRIVAL_RETENTION_MS);
    if (this.sql.exec("INSERT OR IGNORE INTO arrivals (move_id, ticket_id, at) VALUES (?, ?, ?)", moveId, ticketId, at).rowsWritten === 0) return false;
    this.dropHandOver(ticketId);
    return true;
  }

  // ---- other queues' claims: a higher-priority queue with tickets waiting for agents it shares with this one

  /** A peer queue's claim on agents, or null when it has nothing waiting. */
  setPeerDemand(queueId: string, claim: PeerClaim | null) {
    if (!claim || claim.agentIds.length === 0) {
      this.sql.exec("DELETE FROM peer_demand WHERE queue_id = ?", queueId);
      return;
    }
    this.sql.exec(
      `INSERT INTO peer_demand (queue_id, priority, agents, valid_until) VALUES (?, ?, ?, ?)
       ON CONFLICT (queue_id) DO UPDATE SET priority = excluded.priority, agents = excluded.agents, valid_until = excluded.valid_until`,
      queueId,
      claim.priority,
      JSON.stringify(claim.agentIds),
      claim.validUntil,
    );
  }

  /** Agents a queue of higher priority than `priority` is waiting for. */
  claimedAgents(priority: number, now: number): Set<string> {
    const rows = this.sql.exec<{ agents: string }>("SELECT agents FROM peer_demand WHERE priority > ? AND valid_until > ?", priority, now).toArray();
    return new Set(rows.flatMap((r) => JSON.parse(r.agents) as string[]));
  }

  /** Contact Message Timeout: escalated, and (if still waiting) first in line. */
  escalate(ticketId: number) {
    this.sql.exec("UPDATE tickets SET escalated = 1, enqueued_at = (SELECT min(enqueued_at) - 1 FROM tickets) WHERE id = ? AND escalated = 0", ticketId);
  }

  attemptedAgents(ticketId: number): Set<string> {
    return new Set(
      this.sql.exec<{ agent_id: string }>("SELECT agent_id FROM ring_attempts WHERE ticket_id = ?", ticketId).toArray().map((r) => r.agent_id),
    );
  }

  /** The agent was never asked (their offer was refused before it went out): not tried this round. */
  forgetAttempt(ticketId: number, agentId: string) {
    this.sql.exec("DELETE FROM ring_attempts WHERE ticket_id = ? AND agent_id = ?", ticketId, agentId);
  }

  clearAttempts(ticketId: number) {
    this.sql.exec("DELETE FROM ring_attempts WHERE ticket_id = ?", ticketId);
  }

  // ---- messages already delivered (provider retries re-notify)

  /** false when the message was seen before (a provider retry re-notifies): deliver nothing twice. */
  firstSighting(messageId: number, at: number): boolean {
    return this.sql.exec("INSERT OR IGNORE INTO seen_messages (message_id, at) VALUES (?, ?)", messageId, at).rowsWritten > 0;
  }

  // ---- timers: rows with an absolute due time, multiplexed onto the object's one alarm

  schedule(kind: TimerKind, ref: string, dueAt: number) {
    this.sql.exec(
      "INSERT INTO timers (kind, ref, due_at) VALUES (?, ?, ?) ON CONFLICT (kind, ref) DO UPDATE SET due_at = excluded.due_at",
      kind,
      ref,
      dueAt,
    );
  }

  /** The ticket's conversation clocks, to hand over with it when it moves to another queue. */
  conversationTimers(ticketId: number): CarriedTimer[] {
    return this.sql
      .exec<{ kind: CarriedTimer["kind"]; due_at: number }>(
        `SELECT kind, due_at FROM timers WHERE ref = ? AND kind IN (${CONVERSATION_TIMERS.map(() => "?").join(", ")})`,
        String(ticketId),
        ...CONVERSATION_TIMERS,
      )
      .toArray()
      .map((t) => ({ kind: t.kind, dueAt: t.due_at }));
  }

  /** Resumes clocks a ticket brought from another queue (only conversation clocks are accepted). */
  resumeTimers(ticketId: number, timers: readonly CarriedTimer[] | undefined) {
    for (const t of timers ?? []) if (CONVERSATION_TIMERS.includes(t.kind)) this.schedule(t.kind, String(ticketId), t.dueAt);
  }

  /** Takes a due timer for firing; false when it was cancelled or moved later since it was read. */
  claimTimer(timer: Timer, now: number): boolean {
    return this.sql.exec("DELETE FROM timers WHERE kind = ? AND ref = ? AND due_at <= ?", timer.kind, timer.ref, now).rowsWritten > 0;
  }

  cancelTimer(kind: TimerKind, ref: string) {
    this.sql.exec("DELETE FROM timers WHERE kind = ? AND ref = ?", kind, ref);
  }

  dueTimers(now: number): Timer[] {
    return this.sql.exec<Timer>("SELECT kind, ref, due_at FROM timers WHERE due_at <= ? ORDER BY due_at", now).toArray();
  }

  timers(): Timer[] {
    return this.sql.exec<Timer>("SELECT kind, ref, due_at FROM timers ORDER BY due_at").toArray();
  }

  nextDue(): number | null {
    return this.sql.exec<{ due: number | null }>("SELECT min(due_at) AS due FROM timers").one().due;
  }

  // ---- capacity across queues: what this queue reports to each agent's ledger (src/queue/capacity.ts)

  /**
   * Opens a claim for the agent: an offer (sent once granted) or a pick, counted against `lim` in
   * every queue. A pick of a ticket whose offer to the agent awaits the ledger waits on that claim.
   */
  addClaim(ticketId: number, agentId: string, kind: "offer" | "pick", lim: number) {
    this.touch(agentId);
    this.sql.exec(
      `INSERT INTO claims (ticket_id, agent_id, kind, lim) VALUES (?, ?, ?, ?)
       ON CONFLICT (ticket_id, agent_id) DO UPDATE SET kind = excluded.kind, lim = excluded.lim, granted = 0, sent_seq = NULL
       WHERE NOT (excluded.kind = 'pick' AND claims.kind = 'offer')`,
      ticketId,
      agentId,
      kind,
      lim,
    );
  }

  claim(ticketId: number, agentId: string): ClaimRow | undefined {
    return this.sql.exec<ClaimRow>("SELECT * FROM claims WHERE ticket_id = ? AND agent_id = ?", ticketId, agentId).toArray()[0];
  }

  /** An offer not granted yet: the agent has not been sent it and cannot accept it. */
  pendingOffer(ticketId: number, agentId: string): boolean {
    return this.sql.exec("SELECT 1 FROM claims WHERE ticket_id = ? AND agent_id = ? AND kind = 'offer'", ticketId, agentId).toArray().length > 0;
  }

  grantPick(ticketId: number, agentId: string) {
    this.sql.exec("UPDATE claims SET granted = 1 WHERE ticket_id = ? AND agent_id = ?", ticketId, agentId);
  }

  dropClaim(ticketId: number, agentId: string) {
    this.touch(agentId);
    this.sql.exec("DELETE FROM claims WHERE ticket_id = ? AND agent_id = ?", ticketId, agentId);
  }

  /**
   * Agents whose slots here differ from what their ledger was last told, or with a claim not
   * reported yet: among those touched since the last call, or all once after waking.
   */
  ledgerChanges(): string[] {
    const touched = this.touched;
    this.touched = new Set();
    if (!touched) return this.differing();
    return [...touched].sort().filter((agentId) => this.differing(agentId).length > 0);
  }

  /** The comparison, for every agent or only `agentId` (one agent at a time, so that its indexes serve). Offer claims whose offer closed meanwhile go first. */
  private differing(agentId?: string): string[] {
    const only = agentId === undefined ? "" : "AND agent_id = ?1";
    const args = agentId === undefined ? [] : [agentId];
    this.sql.exec(
      `DELETE FROM claims WHERE kind = 'offer' ${only} AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.ticket_id = claims.ticket_id AND o.agent_id = claims.agent_id)`,
      ...args,
    );
    return this.sql
      .exec<{ agent_id: string }>(
        `WITH cur AS (SELECT agent_id, ticket_id, kind FROM (${CURRENT_SLOTS}) WHERE true ${only}),
           told AS (SELECT agent_id, ticket_id, kind FROM ledger_told WHERE true ${only})
         SELECT agent_id FROM (SELECT * FROM cur EXCEPT SELECT * FROM told)
         UNION SELECT agent_id FROM (SELECT * FROM told EXCEPT SELECT * FROM cur)
         UNION SELECT agent_id FROM claims WHERE sent_seq IS NULL ${only}`,
        ...args,
      )
      .toArray()
      .map((r) => r.agent_id);
  }

  /** The agent's slots here: holds, offers (with the lapse of their ring or transfer), claims not yet granted with their limit. */
  slotsOf(agentId: string): { ticketId: number; kind: "offer" | "hold"; limit: number | null; expiresAt: number | null }[] {
    return this.sql
      .exec<{ ticket_id: number; kind: "offer" | "hold"; lim: number | null; expires_at: number | null }>(
        `SELECT cur.ticket_id, cur.kind, CASE WHEN c.granted = 0 THEN c.lim END AS lim,
           CASE WHEN cur.kind = 'offer' THEN coalesce(t.offer_expires_at, (SELECT due_at FROM timers WHERE kind = 'transfer_expiry' AND ref = CAST(cur.ticket_id AS TEXT))) END AS expires_at
         FROM (${CURRENT_SLOTS}) cur
         LEFT JOIN claims c ON c.ticket_id = cur.ticket_id AND c.agent_id = cur.agent_id
         LEFT JOIN tickets t ON t.id = cur.ticket_id
         WHERE cur.agent_id = ?1 ORDER BY t.enqueued_at, cur.ticket_id`,
        agentId,
      )
      .toArray()
      .map((r) => ({ ticketId: r.ticket_id, kind: r.kind, limit: r.lim, expiresAt: r.expires_at }));
  }

  /** The next number of this queue's reports to ledgers: rising, and past any number used before even if this storage were lost. */
  nextLedgerSeq(now: number): number {
    const seq = Math.max((this.stat("ledger_seq") ?? 0) + 1, now * 1000);
    this.setStat("ledger_seq", seq);
    return seq;
  }

  /** Reported: the ledger is taken to hold `slots` for the agent, and the agent's claims were carried by report `seq`. */
  reported(agentId: string, slots: readonly { ticketId: number; kind: string }[], seq: number) {
    this.setTold(agentId, slots);
    this.sql.exec("UPDATE claims SET sent_seq = ? WHERE agent_id = ?", seq, agentId);
  }

  /** What the ledger holds for the agent from this queue, as its answer says. */
  setTold(agentId: string, slots: readonly { ticketId: number; kind: string }[]) {
    this.touch(agentId);
    this.sql.exec("DELETE FROM ledger_told WHERE agent_id = ?", agentId);
    for (const s of slots) this.sql.exec("INSERT OR REPLACE INTO ledger_told (agent_id, ticket_id, kind) VALUES (?, ?, ?)", agentId, s.ticketId, s.kind);
  }

  /** A report failed: the agent's slots are reported again with the next change, claims included. */
  reportFailed(agentId: string) {
    this.setTold(agentId, [{ ticketId: -1, kind: "unknown" }]);
    this.sql.exec("UPDATE claims SET sent_seq = NULL WHERE agent_id = ?", agentId);
  }

  /** The ledger refused the agent a slot at `version`: no offers to them until a later version. */
  markFull(agentId: string, version: number) {
    this.sql.exec("UPDATE agents SET full_version = max(coalesce(full_version, 0), ?2) WHERE id = ?1", agentId, version);
  }

  /** The ledger is at `version` and a slot of the agent's freed since the refusals before it. */
  markRoom(agentId: string, version: number) {
    this.sql.exec("UPDATE agents SET freed_version = max(coalesce(freed_version, 0), ?2) WHERE id = ?1", agentId, version);
  }

  // ---- frames: every frame to an agent gets the next number of that agent's sequence

  /** Keeps the frame (bounded by the caller: frame-bounds.ts) under the agent's next number; a refused write moves no number. */
  appendFrame(agentId: string, frame: ServerFrame, at: number): number {
    const seq = this.sql.exec<{ seq: number }>("SELECT last_seq + 1 AS seq FROM agents WHERE id = ?", agentId).one().seq;
    this.sql.exec("INSERT INTO frames (agent_id, seq, json, at) VALUES (?, ?, ?, ?)", agentId, seq, JSON.stringify({ ...frame, seq }), at);
    this.sql.exec("UPDATE agents SET last_seq = ? WHERE id = ?", seq, agentId);
    return seq;
  }

  framesAfter(agentId: string, seq: number): string[] {
    return this.sql
      .exec<{ json: string }>("SELECT json FROM frames WHERE agent_id = ? AND seq > ? ORDER BY seq", agentId, seq)
      .toArray()
      .map((r) => r.json);
  }

  oldestFrameSeq(agentId: string): number | null {
    return this.sql.exec<{ s: number | null }>("SELECT min(seq) AS s FROM frames WHERE agent_id = ?", agentId).one().s;
  }

  prune(now: number) {
    this.sql.exec("DELETE FROM frames WHERE at < ?", now - FRAME_RETENTION_MS);
    this.sql.exec(
      `DELETE FROM frames WHERE (agent_id, seq) IN (
         SELECT f.agent_id, f.seq FROM frames f JOIN agents a ON a.id = f.agent_id WHERE f.seq <= a.last_seq - ?)`,
      FRAME_RETENTION_COUNT,
    );
    this.sql.exec("DELETE FROM seen_messages WHERE at < ?", now - 2 * FRAME_RETENTION_MS);
  }
}
