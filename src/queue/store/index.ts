// The queue object's own state, in its SQLite, one module per table. The tables the object reads on
// every event (roster, tickets and offers, timers, counters, claims) are kept in memory, read once
// when the object wakes and written through, so an event's work does not grow with the roster or
// the tickets held. Every method is synchronous: calls made without an `await` between them commit together.
import type { RoutingConfig } from "../../domain/routing-config";
import { nextPace } from "../../domain/wait-estimate";
import type { AgentStatus, ServerFrame } from "../protocol";
import type { TicketView } from "../../kinds/views";
import { migrate } from "./schema";
import { AgentsTable, statusOf, type AgentRow } from "./agents";
import { TicketsTable, type TicketRow } from "./tickets";
import { CONVERSATION_TIMERS, TICKET_TIMERS, TimersTable, type Alarm, type CarriedTimer, type Timer, type TimerKind } from "./timers";
import { LedgerTables, type ClaimRow } from "./ledger";
import { FramesTable } from "./frames";
import { HandOversTable, type HandOverRow } from "./handovers";
import { PeerDemandTable, type PeerClaim } from "./peers";
import { StatsTable, type StatKey } from "./stats";
import { ConfigTable } from "./config";
import { SeenTable } from "./seen";

export { fullElsewhere, type AgentRow } from "./agents";
export type { TicketRow } from "./tickets";
export type { CarriedTimer, Timer, TimerKind } from "./timers";
export type { ClaimRow } from "./ledger";
export type { HandOverRow } from "./handovers";
export type { PeerClaim } from "./peers";
export { FRAME_RETENTION_COUNT, FRAME_RETENTION_MS } from "./frames";

/** Timers a ticket's assignment ends. */
const ENDED_BY_ASSIGNMENT: readonly TimerKind[] = ["transfer_expiry", "transfer_return", "queue_wait", "plan_step", "assigned_wait", "queue_position", "offer_expiry", "sticky_expiry"];

export class QueueStore {
  readonly agentsTable: AgentsTable;
  readonly tickets: TicketsTable;
  readonly timersTable: TimersTable;
  readonly ledger: LedgerTables;
  readonly frames: FramesTable;
  readonly handOvers: HandOversTable;
  readonly peers: PeerDemandTable;
  readonly stats: StatsTable;
  readonly configTable: ConfigTable;
  readonly seen: SeenTable;

  constructor(sql: SqlStorage, alarm: Alarm = () => {}) {
    migrate(sql);
    this.agentsTable = new AgentsTable(sql);
    this.tickets = new TicketsTable(sql);
    this.timersTable = new TimersTable(sql, alarm);
    this.ledger = new LedgerTables(sql);
    this.frames = new FramesTable(sql, this.agentsTable);
    this.handOvers = new HandOversTable(sql);
    this.peers = new PeerDemandTable(sql);
    this.stats = new StatsTable(sql);
    this.configTable = new ConfigTable(sql);
    this.seen = new SeenTable(sql);
  }

  config(): RoutingConfig {
    return this.configTable.get();
  }

  setConfig(config: RoutingConfig) {
    this.configTable.set(config);
  }

  /**
   * Agents whose slots here or ledger record may have changed since the last `ledgerChanges`, so
   * that it compares only theirs. Null until the first one: changes made before this object woke are not known.
   */
  private touched: Set<string> | null = null;

  private touch(...agentIds: (string | null | undefined)[]) {
    for (const id of agentIds) if (id) this.touched?.add(id);
  }

  /** Marks the ticket's holder and offerees: called before their slots on it change. */
  private touchTicket(ticketId: number) {
    if (!this.touched) return;
    const row = this.tickets.get(ticketId);
    this.touch(row?.agent_id, ...this.tickets.offerees(ticketId));
  }

  // ---- counters

  stat(key: StatKey): number | null {
    return this.stats.get(key);
  }

  setStat(key: StatKey, value: number) {
    this.stats.set(key, value);
  }

  // ---- agents

  agent(id: string): AgentRow | undefined {
    return this.agentsTable.get(id);
  }

  agents(): AgentRow[] {
    return this.agentsTable.all();
  }

  upsertAgent(a: { id: string; name: string; capacity: number; weight?: number }, now: number) {
    this.agentsTable.upsert(a, now);
  }

  setChosenStatus(id: string, status: "online" | "away") {
    this.agentsTable.setChosenStatus(id, status);
  }

  setConnected(id: string, connected: boolean) {
    this.agentsTable.setConnected(id, connected);
  }

  /** Tickets offered to or held by the agent: what counts against its capacity. */
  load(agentId: string): number {
    return this.tickets.heldCount(agentId) + this.tickets.offerCount(agentId);
  }

  /** After the agent let go of a ticket: idle from now if they hold nothing else. */
  markFreed(agentId: string, now: number) {
    if (this.tickets.heldCount(agentId) === 0) this.agentsTable.idleSince(agentId, now);
  }

  status(agent: AgentRow): AgentStatus {
    return statusOf(agent);
  }

  // ---- tickets

  ticket(id: number): TicketRow | undefined {
    return this.tickets.get(id);
  }

  waitingTickets(): TicketRow[] {
    return this.tickets.waiting();
  }

  unheldTickets(): TicketRow[] {
    return this.tickets.unheld();
  }

  heldBy(agentId: string): TicketRow[] {
    return this.tickets.held(agentId);
  }

  offeredTo(agentId: string): TicketRow[] {
    return this.tickets.offeredTo(agentId);
  }

  offerees(ticketId: number): string[] {
    return this.tickets.offerees(ticketId);
  }

  hasOffer(ticketId: number, agentId: string): boolean {
    return this.tickets.hasOffer(ticketId, agentId);
  }

  dropOffer(ticketId: number, agentId: string): boolean {
    this.touch(agentId);
    return this.tickets.dropOffer(ticketId, agentId);
  }

  allTickets(): TicketRow[] {
    return this.tickets.all();
  }

  enqueue(view: TicketView, preview: string, at: number, sticky?: { agentId: string; until: number }, settings?: string) {
    this.tickets.enqueue(view, preview, at, sticky, settings ?? null);
  }

  adoptAssigned(view: TicketView, agentId: string, at: number) {
    this.touch(agentId);
    this.tickets.adoptAssigned(view, agentId, at);
  }

  setSettings(ticketId: number, json: string) {
    this.tickets.setSettings(ticketId, json);
  }

  nextPositionUpdate(ticketId: number): number {
    return this.tickets.nextPositionUpdate(ticketId);
  }

  setView(ticketId: number, view: TicketView) {
    this.tickets.setView(ticketId, view);
  }

  setPreview(ticketId: number, preview: string) {
    this.tickets.setPreview(ticketId, preview);
  }

  /** Opens offers of one ring to these agents, all lapsing at `expiresAt`. */
  offer(ticketId: number, agentIds: readonly string[], expiresAt: number, now: number) {
    this.touch(...agentIds);
    this.tickets.offer(ticketId, agentIds, expiresAt);
    this.agentsTable.offered(agentIds, now);
  }

  /** The ticket is the agent's: every offer of it closes. Returns the agents whose offers were withdrawn. */
  assign(ticketId: number, agentId: string, now: number): string[] {
    const last = this.stat("last_assign_at");
    this.stats.setAll(last === null ? { last_assign_at: now } : { pace_ms: nextPace(this.stat("pace_ms"), now - last), last_assign_at: now });
    const others = this.offerees(ticketId).filter((a) => a !== agentId);
    this.touchTicket(ticketId);
    this.touch(agentId);
    this.tickets.assign(ticketId, agentId);
    this.timersTable.cancelAll(String(ticketId), ENDED_BY_ASSIGNMENT);
    this.agentsTable.assigned(agentId);
    return others;
  }

  /** Back to waiting: open offers close, the holder (if any) lets go. */
  requeue(ticketId: number) {
    this.touchTicket(ticketId);
    this.tickets.requeue(ticketId);
  }

  /** Takes a held ticket back into the queue; the agent who had it is not offered it again this round. */
  revoke(ticketId: number, agentId: string) {
    this.requeue(ticketId);
    this.tickets.attempt(ticketId, agentId);
    this.timersTable.cancelAll(String(ticketId), ["agent_timeout", "assigned_wait"]);
  }

  unstick(ticketId: number) {
    this.tickets.unstick(ticketId);
  }

  /** The ticket leaves this queue: its row, offers, attempts and timers go. */
  removeTicket(ticketId: number) {
    this.touchTicket(ticketId);
    this.tickets.remove(ticketId);
    this.timersTable.cancelAll(String(ticketId), TICKET_TIMERS);
  }

  offerTransfer(ticketId: number, toAgentId: string) {
    this.touch(toAgentId);
    this.tickets.offerTransfer(ticketId, toAgentId);
  }

  endTransfer(ticketId: number) {
    this.touch(this.ticket(ticketId)?.transfer_to);
    this.tickets.endTransfer(ticketId);
    this.cancelTimer("transfer_expiry", String(ticketId));
  }

  /** A ticket transferred in from another queue: it waits here, and goes back if nobody takes it in time. */
  enqueueTransfer(view: TicketView, preview: string, at: number, from: { queueId: string; agentId: string }) {
    this.tickets.enqueue(view, preview, at);
    this.tickets.setReturn(view.id, from);
  }

  setPlan(ticketId: number, steps: readonly unknown[]) {
    this.tickets.setPlan(ticketId, steps);
  }

  reserve(ticketId: number, agentId: string, until: number) {
    this.tickets.reserve(ticketId, agentId, until);
  }

  escalate(ticketId: number) {
    this.tickets.escalate(ticketId);
  }

  attemptedAgents(ticketId: number): Set<string> {
    return this.tickets.attempted(ticketId);
  }

  forgetAttempt(ticketId: number, agentId: string) {
    this.tickets.forgetAttempt(ticketId, agentId);
  }

  clearAttempts(ticketId: number) {
    this.tickets.clearAttempts(ticketId);
  }

  // ---- hand-overs

  recordHandOver(ticketId: number, toQueue: string, moveId: string, json: string, enqueuedAt: number) {
    this.handOvers.record(ticketId, toQueue, moveId, json, enqueuedAt);
  }

  handOver(ticketId: number): HandOverRow | undefined {
    return this.handOvers.get(ticketId);
  }

  handOverFailed(moveId: string): number {
    return this.handOvers.failed(moveId);
  }

  confirmHandOver(moveId: string, at: number) {
    this.handOvers.confirm(moveId, at);
  }

  dropHandOver(ticketId: number) {
    this.handOvers.drop(ticketId);
    this.cancelTimer("handover", String(ticketId));
  }

  /** A hand-over arrives: false when this move was received before. The ticket is here again: a mark of its leaving goes. */
  firstArrival(moveId: string, ticketId: number, at: number): boolean {
    if (!this.handOvers.firstArrival(moveId, ticketId, at)) return false;
    this.dropHandOver(ticketId);
    return true;
  }

  // ---- other queues' claims

  setPeerDemand(queueId: string, claim: PeerClaim | null) {
    this.peers.set(queueId, claim);
  }

  claimedAgents(priority: number, now: number): Set<string> {
    return this.peers.claimedAbove(priority, now);
  }

  // ---- messages already delivered

  firstSighting(messageId: number, at: number): boolean {
    return this.seen.first(messageId, at);
  }

  // ---- timers (scheduling arms the alarm)

  schedule(kind: TimerKind, ref: string, dueAt: number) {
    this.timersTable.schedule(kind, ref, dueAt);
  }

  hasTimer(kind: TimerKind, ref: string): boolean {
    return this.timersTable.has(kind, ref);
  }

  conversationTimers(ticketId: number): CarriedTimer[] {
    return this.timersTable.of(String(ticketId), CONVERSATION_TIMERS).map((t) => ({ kind: t.kind as CarriedTimer["kind"], dueAt: t.due_at }));
  }

  /** Resumes clocks a ticket brought from another queue (only conversation clocks are accepted). */
  resumeTimers(ticketId: number, timers: readonly CarriedTimer[] | undefined) {
    for (const t of timers ?? []) if (CONVERSATION_TIMERS.includes(t.kind)) this.schedule(t.kind, String(ticketId), t.dueAt);
  }

  claimTimer(timer: Timer, now: number): boolean {
    return this.timersTable.claim(timer, now);
  }

  cancelTimer(kind: TimerKind, ref: string) {
    this.timersTable.cancel(kind, ref);
  }

  dueTimers(now: number): Timer[] {
    return this.timersTable.due(now);
  }

  timers(): Timer[] {
    return this.timersTable.all();
  }

  nextDue(): number | null {
    return this.timersTable.nextDue();
  }

  // ---- capacity across queues: what this queue reports to each agent's ledger (src/queue/capacity.ts)

  addClaim(ticketId: number, agentId: string, kind: "offer" | "pick", lim: number) {
    this.touch(agentId);
    this.ledger.add(ticketId, agentId, kind, lim);
  }

  claim(ticketId: number, agentId: string): ClaimRow | undefined {
    return this.ledger.claim(ticketId, agentId);
  }

  /** An offer not granted yet: the agent has not been sent it and cannot accept it. */
  pendingOffer(ticketId: number, agentId: string): boolean {
    return this.ledger.claim(ticketId, agentId)?.kind === "offer";
  }

  grantPick(ticketId: number, agentId: string) {
    this.ledger.grantPick(ticketId, agentId);
  }

  dropClaim(ticketId: number, agentId: string) {
    this.touch(agentId);
    this.ledger.drop(ticketId, agentId);
  }

  /**
   * Agents whose slots here differ from what their ledger was last told, or with a claim not
   * reported yet: among those touched since the last call, or all once after waking.
   */
  ledgerChanges(reported: (agentId: string) => boolean = () => true): string[] {
    const touched = this.touched;
    this.touched = new Set();
    const candidates = touched ? [...touched] : [...new Set([...this.agents().map((a) => a.id), ...this.ledger.known()])];
    // Those whose ledger is not asked are skipped, unless a claim of theirs already waits on it.
    return candidates
      .filter((agentId) => reported(agentId) || this.ledger.claimsOf(agentId).length > 0)
      .sort()
      .filter((agentId) => this.differs(agentId));
  }

  /** The agents' ledgers are compared again at the next `ledgerChanges` (their number of queues changed). */
  touchAgents(agentIds: readonly string[]) {
    if (this.touched) for (const id of agentIds) this.touched.add(id);
  }

  /** The agent's slots here: holds, open offers, and picks under way (counted as holds). */
  private currentSlots(agentId: string): { ticketId: number; kind: "offer" | "hold" }[] {
    const slots: { ticketId: number; kind: "offer" | "hold" }[] = [
      ...this.tickets.held(agentId).map((t) => ({ ticketId: t.id, kind: "hold" as const })),
      ...this.tickets.offeredTo(agentId).map((t) => ({ ticketId: t.id, kind: "offer" as const })),
    ];
    for (const c of this.ledger.claimsOf(agentId)) {
      if (c.kind !== "pick" || this.tickets.hasOffer(c.ticket_id, agentId)) continue;
      const t = this.tickets.get(c.ticket_id);
      if (t?.state === "assigned" && t.agent_id === agentId) continue;
      slots.push({ ticketId: c.ticket_id, kind: "hold" });
    }
    return slots;
  }

  /** Offer claims whose offer closed go first; then the agent's slots are compared with what the ledger was told. */
  private differs(agentId: string): boolean {
    for (const c of this.ledger.claimsOf(agentId)) if (c.kind === "offer" && !this.tickets.hasOffer(c.ticket_id, agentId)) this.ledger.drop(c.ticket_id, agentId);
    if (this.ledger.claimsOf(agentId).some((c) => c.sent_seq === null)) return true;
    const told = this.ledger.toldOf(agentId);
    const current = new Set(this.currentSlots(agentId).map((s) => `${s.ticketId}:${s.kind}`));
    return current.size !== told.size || [...current].some((k) => !told.has(k));
  }

  /** The agent's slots here: holds, offers (with the lapse of their ring or transfer), claims not yet granted with their limit. */
  slotsOf(agentId: string): { ticketId: number; kind: "offer" | "hold"; limit: number | null; expiresAt: number | null }[] {
    const order = (id: number) => this.tickets.get(id)?.enqueued_at ?? -Infinity;
    return this.currentSlots(agentId)
      .sort((a, b) => order(a.ticketId) - order(b.ticketId) || a.ticketId - b.ticketId)
      .map((s) => {
        const c = this.ledger.claim(s.ticketId, agentId);
        const expiresAt = s.kind === "offer" ? (this.tickets.get(s.ticketId)?.offer_expires_at ?? this.timersTable.dueAt("transfer_expiry", String(s.ticketId))) : null;
        return { ticketId: s.ticketId, kind: s.kind, limit: c && c.granted === 0 ? c.lim : null, expiresAt };
      });
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
    this.ledger.setSent(agentId, seq);
  }

  /** What the ledger holds for the agent from this queue, as its answer says. */
  setTold(agentId: string, slots: readonly { ticketId: number; kind: string }[]) {
    this.touch(agentId);
    this.ledger.setTold(agentId, slots);
  }

  /** A report failed: the agent's slots are reported again with the next change, claims included. */
  reportFailed(agentId: string) {
    this.setTold(agentId, [{ ticketId: -1, kind: "unknown" }]);
    this.ledger.setSent(agentId, null);
  }

  markFull(agentId: string, version: number) {
    this.agentsTable.markFull(agentId, version);
  }

  markRoom(agentId: string, version: number) {
    this.agentsTable.markRoom(agentId, version);
  }

  /** The agent's slots in other queues, as their ledger answered. */
  setElsewhere(agentId: string, n: number) {
    this.agentsTable.setElsewhere(agentId, n);
  }

  // ---- frames

  /** Keeps the frame under the agent's next number; returns the number and the frame as kept (serialized once). */
  appendFrame(agentId: string, frame: ServerFrame, at: number): { seq: number; json: string } {
    return this.frames.append(agentId, frame, at);
  }

  /** The same frame to many agents, each under their next number; returns each kept text. */
  appendFrameToAll(agentIds: readonly string[], frame: ServerFrame, at: number): Map<string, string> {
    return this.frames.appendToAll(agentIds, frame, at);
  }

  /** Frames about erased tickets are overwritten by `ticket.deleted` (see frames.ts). */
  eraseFrames(ticketIds: readonly number[]) {
    this.frames.erase(ticketIds);
  }

  /** The agent's latest frame number (0: none yet). */
  lastFrameSeq(agentId: string): number {
    return this.frames.lastSeq(agentId);
  }

  framesAfter(agentId: string, seq: number): string[] {
    return this.frames.after(agentId, seq);
  }

  oldestFrameSeq(agentId: string): number | null {
    return this.frames.oldestSeq(agentId);
  }

  prune(now: number) {
    this.frames.prune(now);
    this.seen.prune(now);
  }
}
