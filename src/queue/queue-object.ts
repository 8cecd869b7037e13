import { DurableObject } from "cloudflare:workers";
import {
  closeTicket,
  endConversation,
  markAssigned,
  markEscalated,
  isOpenTicket,
  moveToQueue,
  releaseTickets,
  storeAgentEdit,
  storeNote,
  storeReply,
  ticketHistory,
  type ConversationEnd,
} from "../db/replies";
import { recordAudit } from "../db/audit";
import { findCannedFor } from "../db/canned";
import { markRead, ticketExtras, withExtras, type TicketExtras } from "../db/agent-views";
import { adapterFor } from "../providers/registry";
import type { ProviderKind } from "../providers/types";
import { formatWait, renderTemplate, waitMinutes, type TemplateVars } from "../domain/templates";
import { describeHours } from "../domain/business-hours";
import { storeSystemMessage } from "../db/system-messages";
import { chooseAgents, previewOf, type RingCandidate } from "../domain/ring";
import { defaultConversationSettings, type ConversationSettings } from "../domain/conversation-settings";
import { dispositionRefusal, loadConversationSettings, updateTicketFields } from "../db/tickets";
import { planStepsAt, type PlanStep, type RoutingConfig } from "../domain/routing-config";
import { estimateWaitS } from "../domain/wait-estimate";
import type { Env } from "../env";
import {
  clientFrameSchema,
  normalizeTicketUpdate,
  supervisorFrameSchema,
  type AgentStatus,
  type ClientFrame,
  type MessageView,
  type OfferNotification,
  type OfferView,
  type QueueState,
  type ServerFrame,
  type SupervisorFrame,
  type TicketView,
} from "./protocol";
import { sourceName, ticketVars } from "./ticket-vars";
import { saveReplyOriginal, translateInbound, translateReply } from "./translation";
import { QueueStore, type AgentRow, type PeerClaim, type Timer, type TicketRow } from "./store";

/** A short fingerprint of a string (FNV-1a), to notice when a claim changes without keeping it. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function asCandidate(a: AgentRow & { load: number }): AgentRow & RingCandidate {
  return { ...a, lastOfferAt: a.last_offer_at, idleSince: a.idle_since, assignedCount: a.assigned_count };
}

/** Who is connecting, as the Worker authenticated them. Sent to the object in a header. */
export type AgentIdentity = { id: string; name: string; capacity: number; /** share under the percentage strategy */ weight?: number };

/** An agent's socket, or a supervisor watching the queue (`observer`). */
type SocketAttachment = { agentId: string; connectedAt: number; lastActivity: number; observer?: true };

const OBSERVER_TAG = "observers";

export const PING = '{"type":"ping"}';
export const PONG = '{"type":"pong"}';
/** A socket with no ping or frame for this long is treated as gone. */
export const SOCKET_IDLE_LIMIT_MS = 90_000;
/** When every available agent has passed on a ticket, it waits this long before the next round. */
const RING_ROUND_PAUSE_MS = 5_000;
/** How long the list of queues sharing agents with this one is reused before it is read again from D1. */
const PEERS_TTL_MS = 60_000;
/** How long the queue's name (for templates) is reused before it is read again from D1. */
const QUEUE_NAME_TTL_MS = 5 * 60_000;
/** Providers whose sent messages the hub can edit (Telegram's editMessageText, the custom channel's `edit`). */
const EDITABLE_PROVIDERS = new Set(["telegram", "custom"]);

/**
 * One per queue. Holds presence, waiting tickets, live offers, per-agent load and timers in its
 * own SQLite; agents' sockets are hibernatable, so the object sleeps between events.
 */
export class QueueObject extends DurableObject<Env> {
  private readonly store: QueueStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new QueueStore(ctx.storage.sql);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    // After an eviction that closed sockets, agents marked connected but with no socket get their grace period.
    for (const agent of this.store.agents()) {
      if (agent.connected && this.socketsOf(agent.id).length === 0 && !this.hasTimer("presence_grace", agent.id)) {
        this.store.schedule("presence_grace", agent.id, Date.now() + this.store.config().presenceGraceS * 1000);
      }
    }
  }

  // ---- RPC from the Worker

  async configure(config: RoutingConfig): Promise<void> {
    await this.ensureQueueName(true);
    const priorityChanged = this.store.config().priority !== config.priority;
    this.store.setConfig(config);
    const now = Date.now();
    if (priorityChanged) this.announceDemand(now, { everyPeer: true });
    await this.leaveIfEmpty(now);
    this.dispatch(now);
    this.armAlarm();
    this.publish(now);
  }

  /** Another queue's claim on agents it shares with this one (null: it has nothing waiting any more). */
  async peerDemand(queueId: string, claim: PeerClaim | null): Promise<void> {
    await this.ensureQueueName();
    this.store.setPeerDemand(queueId, claim);
    const now = Date.now();
    this.dispatch(now);
    this.armAlarm();
    this.publish(now);
  }

  /** The user is no longer a member: signed out of this queue at once, their tickets and offers go to others. */
  async memberRemoved(agentId: string): Promise<void> {
    await this.ensureQueueName();
    const agent = this.store.agent(agentId);
    if (!agent) return;
    const now = Date.now();
    this.store.cancelTimer("presence_grace", agentId);
    if (agent.connected) this.goOffline(agent, now);
    this.closeSockets(agentId, 4003, "no longer a member of this queue");
    await this.leaveIfEmpty(now);
    this.dispatch(now);
    this.armAlarm();
    this.publish(now);
  }

  /** A ticket sent here by another queue's action plan: it waits here `timeoutS`, then goes on to `steps`. */
  async receivePlanned(input: { ticket: TicketView; preview: string; steps: PlanStep[]; timeoutS: number; settings?: string | null }): Promise<void> {
    await this.ensureQueueName();
    const now = Date.now();
    this.store.enqueue(input.ticket, input.preview, now);
    if (input.settings) this.store.setSettings(input.ticket.id, input.settings);
    this.startPositionUpdates(input.ticket.id, now);
    this.store.setPlan(input.ticket.id, input.steps);
    this.store.schedule("plan_step", String(input.ticket.id), now + input.timeoutS * 1000);
    this.dispatch(now);
    this.armAlarm();
    this.publish(now);
  }

  /**
   * A customer message was stored for `ticket`. A new ticket waits for an agent; a message on a
   * ticket someone holds goes to that agent. Repeated calls for one message deliver it once.
   */
  async routeInbound(input: {
    ticket: TicketView;
    assigneeId: string | null;
    message: MessageView;
    config: RoutingConfig;
    /** The ticket's account's conversation settings (automatic messages, reassignment…). */
    settings?: ConversationSettings;
    /** The agent who last served this contact, for the sticky strategy. */
    lastAgentId?: string | null;
    /** Shown live to the agent holding the ticket, never stored (not even in the replay log). */
    ephemeral?: { kind: "story_mention"; url: string };
  }): Promise<{ state: TicketRow["state"] | "left" }> {
    await this.ensureQueueName();
    const now = Date.now();
    this.store.setConfig(input.config);
    const { ticket, message } = input;
    const preview = previewOf(message.body, message.attachments.map((a) => a.kind));
    let row = this.store.ticket(ticket.id);
    /** A new ticket nobody can take right now: the customer is told (messages.away). */
    let nobodyThere = false;
    if (!row) {
      // An assigned ticket this object no longer tracks (its agent kept it across a reset) stays with that agent.
      if (input.assigneeId && this.store.agent(input.assigneeId)) this.store.adoptAssigned(ticket, input.assigneeId, now);
      else {
        const sticky = this.stickyFor(input.lastAgentId ?? null, now);
        this.store.enqueue(ticket, preview, now, sticky);
        if (input.settings) this.store.setSettings(ticket.id, JSON.stringify(input.settings));
        nobodyThere = !this.store.agents().some((a) => this.isAvailable(a.id, a));
        this.startPositionUpdates(ticket.id, now);
        const { sessionTimeoutS } = this.store.config();
        if (sessionTimeoutS > 0) this.store.schedule("session_limit", String(ticket.id), now + sessionTimeoutS * 1000);
        if (sticky) this.store.schedule("sticky_expiry", String(ticket.id), sticky.until);
        this.startQueueWait(ticket.id, now);
        if (this.store.config().closeAutoAssign) {
          const notification = this.notificationFor(this.store.ticket(ticket.id)!);
          for (const agent of this.store.agents()) if (agent.connected) this.send(agent.id, { type: "ticket.waiting", ticket, preview, notification }, now);
        }
      }
      row = this.store.ticket(ticket.id)!;
    }
    if (input.settings) this.store.setSettings(ticket.id, JSON.stringify(input.settings));
    if (!this.store.firstSighting(message.id, now)) return { state: row.state };
    this.customerWrote(ticket.id, now);
    if (row.state === "assigned" && row.agent_id) {
      this.send(row.agent_id, { type: "message", message }, now, input.ephemeral ? { ephemeral: input.ephemeral } : undefined);
      // The provider's reply window moves with each customer message: the agent's view follows.
      if (adapterFor(ticket.provider as ProviderKind)?.replyWindow) this.ctx.waitUntil(this.sendTicketUpdated(row.agent_id, ticket.id));
      this.startAgentTimeout(ticket.id, now);
      // Wait For The Assigned Agent: an agent who cannot answer now gets a while to come back —
      // unless they are disconnected and the account keeps abandoned conversations with their agent.
      const kept = this.socketsOf(row.agent_id).length === 0 && !(input.settings ?? this.settingsOf(row)).reassignAbandoned;
      if (!kept && !this.isAvailable(row.agent_id) && !this.hasTimer("assigned_wait", String(ticket.id))) {
        this.store.schedule("assigned_wait", String(ticket.id), now + this.store.config().waitForAssignedAgentS * 1000);
      }
    } else {
      this.store.setPreview(ticket.id, preview);
    }
    this.translateForAgent(message);
    await this.leaveIfEmpty(now);
    this.dispatch(now);
    this.armAlarm();
    this.publish(now);
    if (nobodyThere) await this.tellAway(ticket.id);
    return { state: this.store.ticket(ticket.id)?.state ?? "left" };
  }

  /** A stored message changed (the customer edited it): the agent holding the ticket sees the new text. */
  async messageUpdated(message: MessageView): Promise<void> {
    const row = this.store.ticket(message.ticketId);
    if (row?.state === "assigned" && row.agent_id) this.send(row.agent_id, { type: "message.updated", message }, Date.now());
    if (message.direction === "in" && message.deletedAt === null) this.translateForAgent(message);
  }

  /**
   * Translation Provider: the customer's message in the agents' language, after the message itself
   * (never holding it up). The agent holding the ticket gets it live; a later holder in the history.
   */
  private translateForAgent(message: MessageView) {
    const { translation } = this.store.config();
    if (translation.provider === "none") return;
    this.ctx.waitUntil(
      translateInbound(this.env, translation, message).then((t) => {
        if (!t) return;
        const row = this.store.ticket(message.ticketId);
        if (row?.state !== "assigned" || !row.agent_id) return;
        const frame = { type: "message.translated", ticketId: message.ticketId, messageId: t.messageId, translation: { language: t.language, text: t.text, sourceLanguage: t.sourceLanguage } } as const;
        this.send(row.agent_id, frame, Date.now());
      }),
    );
  }

  /** A message joined a ticket without routing (sent from the provider's own app): the agent holding it sees it. */
  async messageAdded(message: MessageView): Promise<void> {
    const row = this.store.ticket(message.ticketId);
    if (row?.state === "assigned" && row.agent_id) this.send(row.agent_id, { type: "message", message }, Date.now());
  }

  /** The outbox reports a reply's delivery: its author hears of it. */
  async deliveryStatus(report: { agentId: string; ticketId: number; messageId: number; status: MessageView["status"]; reason: string | null }) {
    if (!this.store.agent(report.agentId)) return;
    const { agentId, ...rest } = report;
    this.send(agentId, { type: "delivery", ...rest }, Date.now());
  }

  /** The ticket was closed outside the socket (admin API): forget it here and free the agent. */
  async ticketClosed(ticketId: number, by: string | null, disposition: string | null = null): Promise<void> {
    await this.ensureQueueName();
    this.forgetTicket(ticketId, by, Date.now(), disposition);
    this.dispatch(Date.now());
    this.armAlarm();
    this.publish(Date.now());
  }

  /** A ticket transferred here from another queue: it waits for an agent here, and returns if nobody takes it in time. */
  async receiveTransfer(input: { ticket: TicketView; preview: string; from: { queueId: string; agentId: string }; returnAfterS: number; settings?: string | null }) {
    await this.ensureQueueName();
    const now = Date.now();
    this.store.enqueueTransfer(input.ticket, input.preview, now, input.from);
    if (input.settings) this.store.setSettings(input.ticket.id, input.settings);
    this.startPositionUpdates(input.ticket.id, now);
    this.store.schedule("transfer_return", String(input.ticket.id), now + input.returnAfterS * 1000);
    this.dispatch(now);
    this.armAlarm();
    this.publish(now);
  }

  /** A ticket this queue transferred away came back unaccepted: it is the transferring agent's again. */
  async transferReturned(input: { ticket: TicketView; preview: string; agentId: string; settings?: string | null }) {
    await this.ensureQueueName();
    const now = Date.now();
    const agent = this.store.agent(input.agentId);
    if (agent?.connected) {
      this.store.adoptAssigned(input.ticket, input.agentId, now);
      if (input.settings) this.store.setSettings(input.ticket.id, input.settings);
      await markAssigned(this.env.DB, input.ticket.id, input.agentId, now);
      const [messages, extras] = await Promise.all([ticketHistory(this.env.DB, input.ticket.id), this.extrasFor([input.ticket.id], input.agentId)]);
      if (this.holds(input.agentId, input.ticket.id)) {
        const ticket = withExtras(input.ticket, extras.get(input.ticket.id));
        this.send(input.agentId, { type: "transfer.failed", ticketId: input.ticket.id, reason: "not_accepted", ticket, messages }, Date.now());
      }
    } else {
      this.store.enqueue(input.ticket, input.preview, now); // its agent is gone too: the queue serves it
      if (input.settings) this.store.setSettings(input.ticket.id, input.settings);
      this.startPositionUpdates(input.ticket.id, now);
    }
    this.dispatch(Date.now());
    this.armAlarm();
    this.publish(Date.now());
  }

  /** Where a waiting ticket stands: its position and the estimated wait (capped), or null once someone holds it. */
  async queueStatus(ticketId: number): Promise<{ position: number; waiting: number; estimateS: number } | null> {
    const unheld = this.store.unheldTickets();
    const index = unheld.findIndex((t) => t.id === ticketId);
    if (index < 0) return null;
    return { position: index + 1, waiting: unheld.length, estimateS: this.estimate(index + 1) };
  }

  /** State as a supervisor sees it; also what tests look at. */
  async snapshot() {
    return {
      config: this.store.config(),
      agents: this.store.agents().map((a) => ({
        id: a.id,
        name: a.name,
        status: this.store.status(a),
        capacity: a.capacity,
        load: this.store.load(a.id),
        sockets: this.socketsOf(a.id).length,
      })),
      tickets: this.store.allTickets().map((t) => ({
        id: t.id,
        state: t.state,
        agentId: t.agent_id,
        offeredTo: this.store.offerees(t.id),
        offerExpiresAt: t.offer_expires_at,
        enqueuedAt: t.enqueued_at,
      })),
      timers: this.store.timers(),
    };
  }

  // ---- sockets

  /** Only the WebSocket upgrade arrives here; the Worker has authenticated the agent already. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("Expected a WebSocket upgrade", { status: 426 });
    const identity = JSON.parse(decodeURIComponent(request.headers.get("X-Agent-Identity") ?? "null")) as AgentIdentity | null;
    const configHeader = request.headers.get("X-Queue-Config");
    if (!identity) return new Response("Missing agent identity", { status: 400 });
    const url = new URL(request.url);
    const lastSeq = Number(url.searchParams.get("lastSeq") ?? "NaN");
    await this.ensureQueueName();
    // What hello shows of the tickets the agent holds (unread, reply window) comes from D1: read before the socket opens.
    const extras =
      request.headers.get("X-Observer") === "1"
        ? new Map<number, TicketExtras>()
        : await this.extrasFor(this.store.heldBy(identity.id).map((t) => t.id), identity.id);

    const now = Date.now();
    if (configHeader) this.store.setConfig(JSON.parse(decodeURIComponent(configHeader)) as RoutingConfig);
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    if (request.headers.get("X-Observer") === "1") {
      // A supervisor: no presence, no offers; the queue's whole state now and after every change.
      this.ctx.acceptWebSocket(server, [OBSERVER_TAG]);
      server.serializeAttachment({ agentId: identity.id, connectedAt: now, lastActivity: now, observer: true } satisfies SocketAttachment);
      server.send(JSON.stringify(this.queueState(now)));
      this.store.schedule("sweep", "sockets", now + this.store.config().periodToCheckS * 1000);
      this.armAlarm();
      return new Response(null, { status: 101, webSocket: client });
    }
    this.ctx.acceptWebSocket(server, [identity.id]);
    server.serializeAttachment({ agentId: identity.id, connectedAt: now, lastActivity: now } satisfies SocketAttachment);

    this.store.upsertAgent(identity, now);
    this.store.cancelTimer("presence_grace", identity.id);
    this.agentIsBack(identity.id);
    this.greet(server, identity.id, Number.isInteger(lastSeq) && lastSeq >= 0 ? lastSeq : null, extras);
    this.store.schedule("sweep", "sockets", now + this.store.config().periodToCheckS * 1000);
    this.dispatch(now);
    this.armAlarm();
    this.publish(now);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    await this.ensureQueueName();
    const att = ws.deserializeAttachment() as SocketAttachment;
    const now = Date.now();
    ws.serializeAttachment({ ...att, lastActivity: now });
    if (att.observer) {
      await this.supervisorFrame(ws, att.agentId, raw);
      this.armAlarm();
      this.publish(Date.now());
      return;
    }
    let frame: ClientFrame;
    try {
      const parsed = clientFrameSchema.safeParse(JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw)));
      if (!parsed.success) {
        return this.reject(ws, att.agentId, "invalid_frame", "The frame does not match the protocol", parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
      }
      frame = parsed.data;
    } catch {
      return this.reject(ws, att.agentId, "invalid_json", "Frames must be JSON");
    }
    await this.handleFrame(ws, att.agentId, frame);
    this.armAlarm();
    this.publish(Date.now());
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.socketGone(ws);
    try {
      ws.close(code === 1005 ? 1000 : code, "bye");
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.socketGone(ws);
  }

  // ---- timers

  override async alarm(): Promise<void> {
    await this.ensureQueueName();
    const now = Date.now();
    for (const timer of this.store.dueTimers(now)) {
      this.store.cancelTimer(timer.kind, timer.ref);
      try {
        await this.fire(timer, now);
      } catch (err) {
        console.error("timer failed", timer, err);
      }
    }
    this.dispatch(now);
    this.armAlarm();
    this.publish(now);
  }

  private async fire(timer: Timer, now: number) {
    switch (timer.kind) {
      case "idle_session":
        return this.endConversation(Number(timer.ref), "idle_session_timeout", true, now);
      case "session_limit": {
        // The Session Timeout Message is a template: filled in for this ticket.
        const row = this.store.ticket(Number(timer.ref));
        const template = this.store.config().sessionTimeoutMessage;
        const notice = row && template ? renderTemplate(template, this.customerVars(row)) : undefined;
        return this.endConversation(Number(timer.ref), "session_timeout", false, now, notice || undefined);
      }
      case "queue_position":
        return this.tellPosition(Number(timer.ref), now);
      case "message_timeout":
        return this.endConversation(Number(timer.ref), "message_timeout", false, now);
      case "agent_message":
        return this.endConversation(Number(timer.ref), "customer_silent", false, now);
      case "contact_message": {
        const row = this.store.ticket(Number(timer.ref));
        if (!row) return;
        this.store.escalate(row.id);
        if (row.state === "assigned" && row.agent_id) this.send(row.agent_id, { type: "ticket.escalated", ticketId: row.id }, now);
        await markEscalated(this.env.DB, row.id, now);
        return;
      }
      case "offer_expiry": {
        const row = this.store.ticket(Number(timer.ref));
        // The row is rewritten with every new ring, so a due row is the live ring's; a second firing finds none.
        if (row?.state === "offered") {
          const offerees = this.store.offerees(row.id);
          this.store.requeue(row.id);
          for (const agentId of offerees) this.send(agentId, { type: "offer.withdrawn", ticketId: row.id, reason: "timeout" }, now);
        }
        return;
      }
      case "ring_retry":
        this.store.clearAttempts(Number(timer.ref)); // a new round: the dispatch after every alarm offers it again
        return;
      case "agent_timeout": {
        const row = this.store.ticket(Number(timer.ref));
        if (row?.state === "assigned" && row.agent_id) this.revoke([row], row.agent_id, "agent_timeout", now);
        return;
      }
      case "transfer_expiry": {
        const row = this.store.ticket(Number(timer.ref));
        if (row?.state !== "assigned" || !row.transfer_to || !row.agent_id) return;
        const target = row.transfer_to;
        this.store.endTransfer(row.id);
        this.send(target, { type: "offer.withdrawn", ticketId: row.id, reason: "timeout" }, now);
        this.send(row.agent_id, { type: "transfer.failed", ticketId: row.id, reason: "timeout" }, now);
        return;
      }
      case "transfer_return": {
        const row = this.store.ticket(Number(timer.ref));
        if (!row || row.state === "assigned" || !row.return_queue || !row.return_agent) return;
        const offerees = this.store.offerees(row.id);
        this.store.removeTicket(row.id);
        for (const agentId of offerees) this.send(agentId, { type: "offer.withdrawn", ticketId: row.id, reason: "closed" }, now);
        if (!(await moveToQueue(this.env.DB, row.id, row.return_queue, now))) return;
        await this.env.QUEUE_OBJECT.getByName(row.return_queue).transferReturned({ ticket: JSON.parse(row.view) as TicketView, preview: row.preview, agentId: row.return_agent, settings: row.settings });
        return;
      }
      case "sticky_expiry":
        this.store.unstick(Number(timer.ref)); // the preferred agent did not come: anyone may take it
        return;
      case "queue_wait": {
        // Wait For The Assigned Queue is over: nobody here took it, the action plan applies.
        const row = this.store.ticket(Number(timer.ref));
        if (row && row.state !== "assigned" && row.plan === null) await this.followPlan(row, planStepsAt(this.store.config().actionPlan, now), now);
        return;
      }
      case "plan_step": {
        const row = this.store.ticket(Number(timer.ref));
        if (!row || row.state === "assigned" || row.plan === null) return;
        this.store.unstick(row.id); // an agent step's reservation ends with its timeout
        await this.followPlan(row, JSON.parse(row.plan) as PlanStep[], now);
        return;
      }
      case "assigned_wait": {
        const row = this.store.ticket(Number(timer.ref));
        if (row?.state === "assigned" && row.agent_id && !this.isAvailable(row.agent_id)) this.revoke([row], row.agent_id, "agent_unavailable", now);
        return;
      }
      case "presence_grace": {
        const agent = this.store.agent(timer.ref);
        if (agent?.connected && this.socketsOf(agent.id).length === 0) this.goOffline(agent, now, { abandoned: true });
        await this.leaveIfEmpty(now);
        return;
      }
      case "sweep":
        this.sweepSockets(now);
        this.store.prune(now);
        this.announceDemand(now, { refresh: true });
        await this.leaveIfEmpty(now);
        if (this.ctx.getWebSockets().length > 0) this.store.schedule("sweep", "sockets", now + this.store.config().periodToCheckS * 1000);
        return;
    }
  }

  private armAlarm() {
    const next = this.store.nextDue();
    if (next === null) {
      void this.ctx.storage.deleteAlarm();
      return;
    }
    void this.ctx.storage.setAlarm(next);
  }

  private hasTimer(kind: Timer["kind"], ref: string) {
    return this.store.timers().some((t) => t.kind === kind && t.ref === ref);
  }

  // ---- routing

  /** Offers every waiting ticket it can, oldest first, to the agents the queue's strategy picks. */
  private dispatch(now: number) {
    const config = this.store.config();
    if (config.closeAutoAssign) return; // agents pick tickets themselves
    for (const ticket of this.store.waitingTickets()) {
      const available = this.availableAgents(now);
      if (available.length === 0) return;
      const tried = this.store.attemptedAgents(ticket.id);
      let untried = available.filter((a) => !tried.has(a.id));
      // Sticky: while the wait lasts, only the agent who served the contact before may take it.
      const sticky = ticket.sticky_until !== null && ticket.sticky_until > now ? ticket.preferred_agent_id : null;
      if (sticky) untried = untried.filter((a) => a.id === sticky);
      if (untried.length === 0) {
        // Everyone available has passed on it: start a new round after a pause, not straight back.
        if (!sticky && !this.hasTimer("ring_retry", String(ticket.id))) this.store.schedule("ring_retry", String(ticket.id), now + RING_ROUND_PAUSE_MS);
        continue;
      }
      const chosen = chooseAgents(config.strategy, untried.map(asCandidate), {
        random: Math.random,
        preferredAgentId: ticket.preferred_agent_id,
        fallback: config.stickyFallback,
      });
      const expiresAt = now + config.agentRingTimeS * 1000;
      this.store.offer(ticket.id, chosen.map((a) => a.id), expiresAt, now);
      this.store.schedule("offer_expiry", String(ticket.id), expiresAt);
      const offer = this.offerView(this.store.ticket(ticket.id)!);
      for (const agent of chosen) this.send(agent.id, { type: "offer", ...offer }, now);
    }
  }

  /** Sticky strategy: hold a new ticket for the contact's previous agent for a while. */
  private stickyFor(lastAgentId: string | null, now: number) {
    const config = this.store.config();
    if (config.strategy !== "sticky" || !lastAgentId) return undefined;
    const until = now + config.stickyWaitS * 1000;
    return { agentId: lastAgentId, until };
  }

  /** Available, with room under their capacity, and not claimed by a queue of higher priority. */
  private availableAgents(now: number): (AgentRow & { load: number })[] {
    const claimed = this.store.claimedAgents(this.store.config().priority, now);
    return this.store
      .agents()
      .map((a) => ({ ...a, load: this.store.load(a.id) }))
      .filter((a) => !claimed.has(a.id) && this.isAvailable(a.id, a) && a.load < a.capacity);
  }

  /** Online (not away) with a live socket: able to answer a customer now. */
  private isAvailable(agentId: string, agent = this.store.agent(agentId)): boolean {
    return !!agent && agent.connected === 1 && agent.chosen_status === "online" && this.socketsOf(agentId).length > 0;
  }

  private offerView(row: TicketRow): OfferView {
    const view: OfferView = { ticket: JSON.parse(row.view) as TicketView, preview: row.preview, expiresAt: row.offer_expires_at ?? 0, notification: this.notificationFor(row) };
    if (row.transfer_to && row.agent_id) view.transferFrom = { agentId: row.agent_id, queueId: this.queueId };
    return view;
  }

  /** The ticket's account's conversation settings: kept with the ticket, else read from D1 (and kept). */
  private async settingsFor(row: TicketRow): Promise<ConversationSettings> {
    if (row.settings !== null) return this.settingsOf(row);
    const view = JSON.parse(row.view) as TicketView;
    const settings = await loadConversationSettings(this.env.DB, view.accountId);
    this.store.setSettings(row.id, JSON.stringify(settings));
    return settings;
  }

  /** The settings kept with the ticket, or the defaults while none are (synchronous paths). */
  private settingsOf(row: Pick<TicketRow, "settings">): ConversationSettings {
    if (row.settings === null) return defaultConversationSettings;
    return { ...defaultConversationSettings, ...(JSON.parse(row.settings) as Partial<ConversationSettings>) };
  }

  // ---- automatic messages to the customer (the account's messages.away, messages.queuePosition)

  /** Template variables for a message to the ticket's customer: the ticket, the queue, the wait, the agent holding it. */
  private customerVars(row: TicketRow): Partial<TemplateVars> {
    const view = JSON.parse(row.view) as TicketView;
    const settings = this.settingsOf(row);
    const vars: Partial<TemplateVars> = {
      "queue.name": this.queueName?.name ?? "",
      businessHours: settings.businessHours ? describeHours(settings.businessHours) : "",
    };
    const index = this.store.unheldTickets().findIndex((t) => t.id === row.id);
    if (index >= 0) {
      const estimateS = this.estimate(index + 1);
      Object.assign(vars, { "queue.position": index + 1, "queue.waitMinutes": waitMinutes(estimateS), "queue.wait": formatWait(estimateS) });
    }
    if (row.state === "assigned" && row.agent_id) vars["agent.name"] = this.store.agent(row.agent_id)?.name ?? "";
    return ticketVars(view, vars);
  }

  /** Stores a message of the hub to the ticket's customer once per `key`, and hands it to the outbox. */
  private async tellCustomer(ticketId: number, text: string, key: string) {
    if (!text.trim()) return;
    try {
      const stored = await storeSystemMessage(this.env.DB, { ticketId, text, key });
      if (stored) await this.env.OUTBOX.send({ messageId: stored.id, ticketId, op: "send" });
    } catch (err) {
      console.error("could not send an automatic message", { ticketId, key }, err);
    }
  }

  /** messages.away: a new ticket found no agent able to answer now; told once per stay in the queue. */
  private async tellAway(ticketId: number) {
    const row = this.store.ticket(ticketId);
    if (!row || row.state === "assigned") return;
    const template = this.settingsOf(row).messages.away;
    if (!template) return;
    await this.tellCustomer(ticketId, renderTemplate(template, this.customerVars(row)), `away:${ticketId}:${row.enqueued_at}`);
  }

  /** Queue position updates: every queuePositionEveryS while the ticket waits (messages.queuePosition). */
  private startPositionUpdates(ticketId: number, now: number) {
    const row = this.store.ticket(ticketId);
    if (!row || row.state === "assigned") return;
    const settings = this.settingsOf(row);
    if (!settings.messages.queuePosition || settings.queuePositionEveryS <= 0) return;
    if (!this.hasTimer("queue_position", String(ticketId))) this.store.schedule("queue_position", String(ticketId), now + settings.queuePositionEveryS * 1000);
  }

  private async tellPosition(ticketId: number, now: number) {
    const row = this.store.ticket(ticketId);
    if (!row || row.state === "assigned") return; // taken meanwhile: the updates stop
    const settings = this.settingsOf(row);
    if (!settings.messages.queuePosition || settings.queuePositionEveryS <= 0) return;
    const n = this.store.nextPositionUpdate(ticketId);
    this.store.schedule("queue_position", String(ticketId), now + settings.queuePositionEveryS * 1000);
    await this.tellCustomer(ticketId, renderTemplate(settings.messages.queuePosition, this.customerVars(row)), `position:${ticketId}:${row.enqueued_at}-${n}`);
  }

  /** What an agent's client shows for a new interaction: the account's notification template, rendered, with its sound and shake. */
  private notificationFor(row: TicketRow): OfferNotification {
    const { notification } = this.settingsOf(row);
    const view = JSON.parse(row.view) as TicketView;
    return { text: renderTemplate(notification.template, ticketVars(view, { "queue.name": this.queueName?.name ?? "" })), sound: notification.sound, shake: notification.shake };
  }

  /** The queue's name, for templates; read from D1 now and then (renames show within QUEUE_NAME_TTL_MS). */
  private queueName: { name: string; at: number } | undefined;

  private async ensureQueueName(force = false) {
    const now = Date.now();
    if (!force && this.queueName && now - this.queueName.at < QUEUE_NAME_TTL_MS) return;
    try {
      const row = await this.env.DB.prepare("SELECT name FROM queues WHERE id = ?1").bind(this.queueId).first<{ name: string }>();
      this.queueName = { name: row?.name ?? this.queueName?.name ?? "", at: now };
    } catch (err) {
      console.error("could not read the queue's name", err);
    }
  }

  private get queueId(): string {
    return this.ctx.id.name ?? this.ctx.id.toString();
  }

  // ---- action plans, Leave When Empty, priority across queues

  /** Wait For The Assigned Queue: a ticket nobody takes in time follows the action plan (if the queue has one). */
  private startQueueWait(ticketId: number, now: number) {
    const { actionPlan, waitForAssignedQueueS } = this.store.config();
    if (actionPlan.steps.length === 0 && actionPlan.timeRules.length === 0) return;
    if (this.store.ticket(ticketId)?.plan !== null) return; // already on a plan, maybe another queue's
    this.store.schedule("queue_wait", String(ticketId), now + waitForAssignedQueueS * 1000);
  }

  /**
   * Sends an unheld ticket to the first of `steps`: an agent here (only they are offered it for the
   * step's time), this queue, or another queue (the ticket moves there in D1 and its object takes the
   * rest of the plan along). After the last step the ticket stays where it is.
   */
  private async followPlan(row: TicketRow, steps: readonly PlanStep[], now: number): Promise<void> {
    const [step, ...rest] = steps;
    if (!step) return;
    const ref = String(row.id);
    const to = step.to;
    if ("agentId" in to || to.queueId === this.queueId) {
      this.withdrawRing(row.id, now);
      this.store.setPlan(row.id, rest);
      if ("agentId" in to) this.store.reserve(row.id, to.agentId, now + step.timeoutS * 1000);
      this.store.schedule("plan_step", ref, now + step.timeoutS * 1000);
      return;
    }
    // Out of this object first, so nobody here can take it while D1 moves it.
    this.withdrawRing(row.id, now);
    this.store.removeTicket(row.id);
    const view = JSON.parse(row.view) as TicketView;
    if (!(await moveToQueue(this.env.DB, row.id, to.queueId, now))) {
      if (!(await isOpenTicket(this.env.DB, row.id))) return; // closed meanwhile
      console.warn("action plan: no such queue, next step", { ticketId: row.id, queueId: to.queueId });
      this.store.enqueue(view, row.preview, row.enqueued_at);
      if (row.settings) this.store.setSettings(row.id, row.settings);
      this.store.setPlan(row.id, rest);
      return this.followPlan(this.store.ticket(row.id)!, rest, now);
    }
    await this.env.QUEUE_OBJECT.getByName(to.queueId).receivePlanned({ ticket: view, preview: row.preview, steps: rest, timeoutS: step.timeoutS, settings: row.settings });
  }

  /** Closes the ticket's open offers (the ring in progress) and puts it back to waiting. */
  private withdrawRing(ticketId: number, now: number) {
    const offerees = this.store.offerees(ticketId);
    if (offerees.length === 0) return;
    this.store.requeue(ticketId);
    this.store.cancelTimer("offer_expiry", String(ticketId));
    for (const agentId of offerees) this.send(agentId, { type: "offer.withdrawn", ticketId, reason: "rerouted" }, now);
  }

  /** Leave When Empty: with no agent logged in, tickets waiting here (and not on a plan already) follow the action plan now. */
  private async leaveIfEmpty(now: number) {
    const config = this.store.config();
    if (!config.leaveWhenEmpty || this.store.agents().some((a) => a.connected)) return;
    for (const row of this.store.unheldTickets()) {
      if (row.plan === null) await this.followPlan(row, planStepsAt(config.actionPlan, now), now);
    }
  }

  /**
   * Priority across queues: while tickets wait here with no offer open, this queue claims its online
   * agents; queues of lower priority sharing them make no offers to them until the claim is lifted.
   * Sent only when the claim changes (and refreshed by the sweep, as claims lapse unrefreshed).
   */
  private announceDemand(now: number, opts: { everyPeer?: boolean; refresh?: boolean } = {}) {
    const config = this.store.config();
    const waiting = this.store.waitingTickets().length > 0;
    const agentIds = waiting ? this.store.agents().filter((a) => this.isAvailable(a.id, a)).map((a) => a.id) : [];
    const claim: PeerClaim | null = agentIds.length > 0 ? { priority: config.priority, agentIds, validUntil: now + Math.max(3 * config.periodToCheckS, 120) * 1000 } : null;
    const signature = hashOf(`${config.priority}|${agentIds.join(",")}`);
    const changed = signature !== this.store.stat("demand_sig");
    if (!changed && !opts.everyPeer && !(opts.refresh && claim)) return;
    this.store.setStat("demand_sig", signature);
    const from = this.queueId;
    this.ctx.waitUntil(
      this.peers(now, opts.everyPeer ? null : config.priority)
        .then((peers) => Promise.all(peers.map((id) => this.env.QUEUE_OBJECT.getByName(id).peerDemand(from, claim))))
        .catch((err) => console.error("could not tell peer queues of this queue's demand", err)),
    );
  }

  private peerCache: { at: number; priority: number | null; ids: string[] } | undefined;

  /** Queues sharing a member with this one (of lower priority than `below`, unless null), from D1, briefly cached. */
  private async peers(now: number, below: number | null): Promise<string[]> {
    const c = this.peerCache;
    if (c && c.priority === below && now - c.at < PEERS_TTL_MS) return c.ids;
    const { results } = await this.env.DB.prepare(
      `SELECT DISTINCT q.id FROM queues q JOIN queue_members m ON m.queue_id = q.id
       WHERE q.id != ?1 AND m.user_id IN (SELECT user_id FROM queue_members WHERE queue_id = ?1)
         AND (?2 IS NULL OR coalesce(json_extract(q.routing, '$.priority'), 50) < ?2)`,
    )
      .bind(this.queueId, below)
      .all<{ id: string }>();
    const ids = results.map((r) => r.id);
    this.peerCache = { at: now, priority: below, ids };
    return ids;
  }

  // ---- transfers

  /** Offers a held ticket to a colleague here; the holder keeps it until they accept, and gets it back on decline or timeout. */
  private transferToAgent(ws: WebSocket, agentId: string, ticketId: number, toAgentId: string) {
    const now = Date.now();
    if (!this.holds(agentId, ticketId)) return this.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId });
    const row = this.store.ticket(ticketId)!;
    if (row.transfer_to) return this.reject(ws, agentId, "transfer_pending", "A transfer of this ticket is already waiting for an answer", { ticketId });
    const target = this.store.agent(toAgentId);
    const config = this.store.config();
    const online = target && target.id !== agentId && target.connected && target.chosen_status === "online" && this.socketsOf(target.id).length > 0;
    if (!target || !online) return this.reject(ws, agentId, "transfer_unavailable", "That agent is not online in this queue", { ticketId, agentId: toAgentId });
    if (this.store.load(target.id) >= target.capacity + config.maxExtraChats) {
      return this.reject(ws, agentId, "transfer_unavailable", "That agent has no room for another ticket", { ticketId, agentId: toAgentId });
    }
    const expiresAt = now + config.transferTimeoutS * 1000;
    this.store.offerTransfer(ticketId, target.id);
    this.store.schedule("transfer_expiry", String(ticketId), expiresAt);
    this.send(target.id, { type: "offer", ...this.offerView(row), ...{ transferFrom: { agentId, queueId: this.queueId } }, expiresAt }, now);
  }

  /** Hands a held ticket to another queue; it comes back to this agent if nobody there takes it in that queue's transfer time. */
  private async transferToQueue(ws: WebSocket, agentId: string, ticketId: number, toQueueId: string) {
    if (!this.holds(agentId, ticketId)) return this.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId });
    if (toQueueId === this.queueId) return this.reject(ws, agentId, "transfer_unavailable", "The ticket is already in this queue", { ticketId });
    const row = this.store.ticket(ticketId)!;
    if (row.transfer_to) return this.reject(ws, agentId, "transfer_pending", "A transfer of this ticket is already waiting for an answer", { ticketId });
    if (!(await moveToQueue(this.env.DB, ticketId, toQueueId))) {
      return this.reject(ws, agentId, "transfer_unavailable", "No such queue, or the ticket is closed", { ticketId, queueId: toQueueId });
    }
    const now = Date.now();
    this.store.removeTicket(ticketId);
    this.store.markFreed(agentId, now);
    this.send(agentId, { type: "ticket.transferred", ticketId, to: { queueId: toQueueId } }, now);
    const view = JSON.parse(row.view) as TicketView;
    await this.env.QUEUE_OBJECT.getByName(toQueueId).receiveTransfer({
      ticket: view,
      preview: row.preview,
      from: { queueId: this.queueId, agentId },
      returnAfterS: this.store.config().transferTimeoutS,
      settings: row.settings,
    });
    this.dispatch(Date.now());
  }

  // ---- agent frames

  private async handleFrame(ws: WebSocket, agentId: string, frame: ClientFrame) {
    const now = Date.now();
    switch (frame.type) {
      case "presence":
        if (!this.store.config().agentManagementAccess) return this.reject(ws, agentId, "not_allowed", "In this queue agents do not change their own state");
        this.setState(agentId, frame.status, now);
        return;
      case "accept":
        return this.accept(ws, agentId, frame.ticketId);
      case "pick":
        return this.pick(ws, agentId, frame.ticketId);
      case "transfer":
        return "agentId" in frame.to ? this.transferToAgent(ws, agentId, frame.ticketId, frame.to.agentId) : this.transferToQueue(ws, agentId, frame.ticketId, frame.to.queueId);
      case "decline": {
        const row = this.store.ticket(frame.ticketId);
        if (row?.state === "assigned" && row.transfer_to === agentId && row.agent_id) {
          this.store.endTransfer(row.id);
          this.send(agentId, { type: "offer.withdrawn", ticketId: row.id, reason: "declined" }, now);
          this.send(row.agent_id, { type: "transfer.failed", ticketId: row.id, reason: "declined" }, now);
          return;
        }
        if (row?.state !== "offered" || !this.store.hasOffer(row.id, agentId)) return this.reject(ws, agentId, "no_such_offer", "No open offer for this ticket", { ticketId: frame.ticketId });
        // Under ring-all the others' offers stay open; the ticket waits again only when none is left.
        if (!this.store.dropOffer(row.id, agentId)) {
          this.store.requeue(row.id);
          this.store.cancelTimer("offer_expiry", String(row.id));
        }
        this.send(agentId, { type: "offer.withdrawn", ticketId: row.id, reason: "declined" }, now);
        this.dispatch(now);
        return;
      }
      case "reply":
        return this.reply(ws, agentId, frame);
      case "edit":
        return this.edit(ws, agentId, frame);
      case "note":
        return this.note(ws, agentId, frame);
      case "read":
        return this.read(ws, agentId, frame);
      case "ticket.update":
        return this.updateTicket(ws, agentId, frame);
      case "close":
        return this.close(ws, agentId, frame);
    }
  }

  /** An agent's own `presence` frame or a supervisor's command: away stops new offers, online resumes them. */
  private setState(agentId: string, status: "online" | "away", now: number, by?: { supervisorId: string }) {
    this.store.setChosenStatus(agentId, status);
    this.send(agentId, { type: "presence", status, ...(by ? { by } : {}) }, now);
    if (status === "away") this.withdrawOffersOf(agentId, "offline", now);
    else this.agentIsBack(agentId);
    this.dispatch(now);
  }

  /** The agent can answer again: their tickets stop waiting to be handed to the queue. */
  private agentIsBack(agentId: string) {
    for (const row of this.store.heldBy(agentId)) this.store.cancelTimer("assigned_wait", String(row.id));
  }

  // ---- supervisor frames

  private async supervisorFrame(ws: WebSocket, supervisorId: string, raw: string | ArrayBuffer) {
    const answer = (code: string, message: string, ref?: unknown) => ws.send(JSON.stringify({ type: "error", code, message, ...(ref === undefined ? {} : { ref }) }));
    let frame: SupervisorFrame;
    try {
      const parsed = supervisorFrameSchema.safeParse(JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw)));
      if (!parsed.success) return answer("invalid_frame", "The frame does not match the protocol", parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
      frame = parsed.data;
    } catch {
      return answer("invalid_json", "Frames must be JSON");
    }
    const agent = this.store.agent(frame.agentId);
    if (!agent?.connected) return answer("agent_not_connected", "That agent is not signed in to this queue", { agentId: frame.agentId });
    const now = Date.now();
    const by = { supervisorId };
    if (frame.status === "offline") {
      // Signed out: the agent is told, their sockets close, and their tickets go to others now.
      this.send(agent.id, { type: "presence", status: "offline", by }, now);
      this.store.cancelTimer("presence_grace", agent.id);
      this.goOffline(agent, now);
      this.closeSockets(agent.id, 4001, "signed out by a supervisor");
      this.dispatch(now);
      await this.leaveIfEmpty(now);
    } else {
      this.setState(agent.id, frame.status, now, by);
    }
    await recordAudit(this.env.DB, { actorId: supervisorId, action: "agent.state", entityType: "user", entityId: agent.id, details: { queueId: this.queueId, status: frame.status } }).catch((err) =>
      console.error("audit write failed", err),
    );
  }

  /** The first accept wins: the same instant's second accept finds no open offer. */
  private async accept(ws: WebSocket, agentId: string, ticketId: number) {
    const row = this.store.ticket(ticketId);
    if (row?.state === "assigned" && row.transfer_to === agentId && row.agent_id) {
      const from = row.agent_id;
      this.store.markFreed(from, Date.now());
      this.send(from, { type: "ticket.transferred", ticketId, to: { agentId } }, Date.now());
      return this.take(agentId, row);
    }
    if (row?.state !== "offered" || !this.store.hasOffer(ticketId, agentId)) {
      return this.reject(ws, agentId, "no_such_offer", "This offer is no longer open", { ticketId });
    }
    await this.take(agentId, row);
  }

  /** An agent takes a waiting ticket without an offer, up to capacity plus the queue's extra chats. */
  private async pick(ws: WebSocket, agentId: string, ticketId: number) {
    const row = this.store.ticket(ticketId);
    const agent = this.store.agent(agentId)!;
    if (!row || row.state === "assigned") return this.reject(ws, agentId, "not_waiting", "This ticket is not waiting", { ticketId });
    if (this.store.load(agentId) - (this.store.hasOffer(ticketId, agentId) ? 1 : 0) >= agent.capacity + this.store.config().maxExtraChats) {
      return this.reject(ws, agentId, "at_capacity", "You hold as many tickets as this queue allows", { ticketId });
    }
    await this.take(agentId, row);
  }

  private async take(agentId: string, row: TicketRow) {
    const now = Date.now();
    const ticketId = row.id;
    const outrun = this.store.assign(ticketId, agentId, now);
    this.store.cancelTimer("offer_expiry", String(ticketId));
    this.store.cancelTimer("sticky_expiry", String(ticketId));
    for (const other of outrun) this.send(other, { type: "offer.withdrawn", ticketId, reason: "taken" }, now);
    if (outrun.length > 0) this.dispatch(now); // the others' freed room goes to the next waiting ticket
    if (this.store.config().closeAutoAssign) {
      for (const agent of this.store.agents()) if (agent.id !== agentId && agent.connected) this.send(agent.id, { type: "ticket.taken", ticketId }, now);
    }
    this.startAgentTimeout(ticketId, now);
    // The ticket is this agent's from here on; its history comes from D1 (a reassigned ticket has one).
    const [messages, , extras] = await Promise.all([
      ticketHistory(this.env.DB, ticketId),
      markAssigned(this.env.DB, ticketId, agentId, now),
      this.extrasFor([ticketId], agentId),
    ]);
    if (!this.holds(agentId, ticketId)) return; // closed or revoked while D1 answered
    this.send(agentId, { type: "ticket.assigned", ticket: withExtras(JSON.parse(row.view) as TicketView, extras.get(ticketId)), messages }, Date.now());
  }

  private async reply(ws: WebSocket, agentId: string, frame: Extract<ClientFrame, { type: "reply" }>) {
    if (!this.holds(agentId, frame.ticketId)) {
      return this.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId });
    }
    let text = frame.text;
    if (frame.canned !== undefined) {
      const view = JSON.parse(this.store.ticket(frame.ticketId)!.view) as TicketView;
      const found = await findCannedFor(this.env.DB, { accountId: view.accountId, shortcut: frame.canned, queueId: this.queueId });
      if (!found) {
        return this.reject(ws, agentId, "no_such_canned_answer", `No canned answer "${frame.canned}" for this ticket's account`, { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId, canned: frame.canned });
      }
      text = renderTemplate(found.body, ticketVars(view, { "queue.name": found.queueName, "agent.name": this.store.agent(agentId)?.name ?? "" }));
    }
    if (!text) return this.reject(ws, agentId, "invalid_frame", "The reply has no text", { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId });
    // Translation Provider: the customer gets the reply in their language; the agent's words are kept with it.
    const outgoing = await translateReply(this.env, this.store.config().translation, frame.ticketId, text);
    const stored = await storeReply(this.env.DB, { ticketId: frame.ticketId, authorId: agentId, text: outgoing.text, clientMsgId: frame.clientMsgId });
    if (!stored) return this.reject(ws, agentId, "ticket_closed", "The ticket is closed", { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId });
    if ("refused" in stored) return this.reject(ws, agentId, "client_msg_id_taken", "This clientMsgId names another message of the ticket (a note)", { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId });
    if (stored.created && outgoing.original) {
      await saveReplyOriginal(this.env, stored.message.id, outgoing.original);
      stored.message.translation = { language: outgoing.original.language, text: outgoing.original.text, sourceLanguage: outgoing.original.contactLanguage };
    }
    this.agentWrote(frame.ticketId, Date.now());
    this.send(agentId, { type: "reply.queued", clientMsgId: frame.clientMsgId, message: stored.message }, Date.now());
    if (stored.created) await this.enqueueDelivery(agentId, stored.message, "send");
  }

  /** The agent has read the ticket up to a message: customer messages after it are unread. */
  private async read(ws: WebSocket, agentId: string, frame: Extract<ClientFrame, { type: "read" }>) {
    if (!this.holds(agentId, frame.ticketId)) return this.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId: frame.ticketId });
    const mark = await markRead(this.env.DB, { ticketId: frame.ticketId, userId: agentId, messageId: frame.messageId });
    if (!mark) return this.reject(ws, agentId, "no_such_message", "No message with this id on this ticket", { ticketId: frame.ticketId, messageId: frame.messageId });
    this.send(agentId, { type: "ticket.read", ticketId: frame.ticketId, ...mark }, Date.now());
  }

  /** The holder changes the ticket's subject or tags. */
  private async updateTicket(ws: WebSocket, agentId: string, frame: Extract<ClientFrame, { type: "ticket.update" }>) {
    if (!this.holds(agentId, frame.ticketId)) return this.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId: frame.ticketId });
    const updated = await updateTicketFields(this.env.DB, frame.ticketId, normalizeTicketUpdate(frame));
    if (!updated) return this.reject(ws, agentId, "ticket_closed", "The ticket is closed", { ticketId: frame.ticketId });
    await this.ticketChanged(frame.ticketId, updated);
  }

  /**
   * A ticket's subject or tags changed (on the socket or through the API): the copy here follows,
   * and the agent holding it gets `ticket.updated` with its whole view.
   */
  async ticketChanged(ticketId: number, change: { subject: string | null; tags: string[] }): Promise<void> {
    const row = this.store.ticket(ticketId);
    if (!row) return;
    const view = { ...(JSON.parse(row.view) as TicketView), subject: change.subject, tags: change.tags };
    this.store.setView(ticketId, view);
    if (row.state === "assigned" && row.agent_id) await this.sendTicketUpdated(row.agent_id, ticketId);
  }

  /** `ticket.updated` with the ticket's view as the agent sees it now (unread, reply window from D1). */
  private async sendTicketUpdated(agentId: string, ticketId: number) {
    const extras = await this.extrasFor([ticketId], agentId);
    const row = this.store.ticket(ticketId);
    if (row?.state !== "assigned" || row.agent_id !== agentId) return; // left the agent while D1 answered
    this.send(agentId, { type: "ticket.updated", ticket: withExtras(JSON.parse(row.view) as TicketView, extras.get(ticketId)) }, Date.now());
  }

  /** D1's additions to agents' ticket views; none when D1 fails (the views are still useful without them). */
  private async extrasFor(ticketIds: number[], agentId: string): Promise<Map<number, TicketExtras>> {
    try {
      return await ticketExtras(this.env.DB, ticketIds, agentId);
    } catch (err) {
      console.error("could not read ticket extras", err);
      return new Map();
    }
  }

  /** An internal note: stored with the ticket's history for agents, never queued for the customer. */
  private async note(ws: WebSocket, agentId: string, frame: Extract<ClientFrame, { type: "note" }>) {
    const ref = { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId };
    if (!this.holds(agentId, frame.ticketId)) return this.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", ref);
    const stored = await storeNote(this.env.DB, { ticketId: frame.ticketId, authorId: agentId, text: frame.text, clientMsgId: frame.clientMsgId });
    if (!stored) return this.reject(ws, agentId, "ticket_closed", "The ticket is closed", ref);
    if ("refused" in stored) return this.reject(ws, agentId, "client_msg_id_taken", "This clientMsgId names another message of the ticket (a reply)", ref);
    this.send(agentId, { type: "note.added", clientMsgId: frame.clientMsgId, message: stored.message }, Date.now());
  }

  /** Closes a held ticket, with a disposition from the account's list (required where the account says so). */
  private async close(ws: WebSocket, agentId: string, frame: Extract<ClientFrame, { type: "close" }>) {
    const row = this.store.ticket(frame.ticketId);
    if (!row || !this.holds(agentId, frame.ticketId)) return this.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId: frame.ticketId });
    const settings = await this.settingsFor(row);
    const refused = dispositionRefusal(settings, frame.disposition);
    if (refused) return this.reject(ws, agentId, refused.code, refused.message, { ticketId: frame.ticketId, dispositions: settings.dispositions });
    const disposition = frame.disposition ?? null;
    await closeTicket(this.env.DB, frame.ticketId, { closedBy: agentId, disposition });
    this.forgetTicket(frame.ticketId, agentId, Date.now(), disposition);
    this.dispatch(Date.now());
  }

  private async edit(ws: WebSocket, agentId: string, frame: Extract<ClientFrame, { type: "edit" }>) {
    if (!this.holds(agentId, frame.ticketId)) return this.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId: frame.ticketId });
    const { provider } = JSON.parse(this.store.ticket(frame.ticketId)!.view) as TicketView;
    if (!EDITABLE_PROVIDERS.has(provider)) {
      return this.reject(ws, agentId, "edit_not_supported", `${sourceName(provider)} (${provider}) does not let a sent message be edited; send a new reply instead`, {
        ticketId: frame.ticketId,
        messageId: frame.messageId,
      });
    }
    const result = await storeAgentEdit(this.env.DB, frame);
    if ("refused" in result) {
      const text = result.refused === "not_found" ? "No reply of yours with this id on this ticket" : "The reply has not been sent yet; edit it once it is sent";
      return this.reject(ws, agentId, result.refused === "not_found" ? "no_such_message" : "not_sent_yet", text, { messageId: frame.messageId });
    }
    this.send(agentId, { type: "message.updated", message: result.message }, Date.now());
    await this.enqueueDelivery(agentId, result.message, "edit");
  }

  private async enqueueDelivery(agentId: string, message: MessageView, op: "send" | "edit") {
    try {
      await this.env.OUTBOX.send({ messageId: message.id, ticketId: message.ticketId, op });
    } catch (err) {
      console.error("could not enqueue delivery", message.id, err);
      this.send(agentId, { type: "delivery", ticketId: message.ticketId, messageId: message.id, status: "failed", reason: "could not be queued for delivery; send it again" }, Date.now());
    }
  }

  private holds(agentId: string, ticketId: number) {
    const row = this.store.ticket(ticketId);
    return row?.state === "assigned" && row.agent_id === agentId;
  }

  private forgetTicket(ticketId: number, by: string | null, now: number, disposition: string | null = null) {
    const row = this.store.ticket(ticketId);
    if (!row) return;
    const offerees = this.store.offerees(ticketId);
    this.store.removeTicket(ticketId);
    if (row.agent_id && row.state === "assigned") {
      this.store.markFreed(row.agent_id, now);
      this.send(row.agent_id, { type: "ticket.closed", ticketId, by, disposition }, now);
    }
    for (const agentId of offerees) this.send(agentId, { type: "offer.withdrawn", ticketId, reason: "closed" }, now);
  }

  private withdrawOffersOf(agentId: string, reason: "offline", now: number) {
    for (const row of this.store.offeredTo(agentId)) {
      if (row.state === "assigned" && row.transfer_to === agentId && row.agent_id) {
        // A colleague's transfer to an agent who went away: the colleague keeps the ticket.
        this.store.endTransfer(row.id);
        this.send(agentId, { type: "offer.withdrawn", ticketId: row.id, reason }, now);
        this.send(row.agent_id, { type: "transfer.failed", ticketId: row.id, reason: "unavailable" }, now);
        continue;
      }
      if (!this.store.dropOffer(row.id, agentId)) {
        this.store.requeue(row.id);
        this.store.cancelTimer("offer_expiry", String(row.id));
      }
      this.send(agentId, { type: "offer.withdrawn", ticketId: row.id, reason }, now);
    }
  }

  // ---- conversation timers

  /** A customer message: the idle clocks restart, an unanswered-message clock starts if none runs, the agent's wait for an answer ends. */
  private customerWrote(ticketId: number, now: number) {
    const c = this.store.config();
    const ref = String(ticketId);
    if (c.idleSessionTimeoutS > 0) this.store.schedule("idle_session", ref, now + c.idleSessionTimeoutS * 1000);
    if (c.messageTimeoutMin > 0) this.store.schedule("message_timeout", ref, now + c.messageTimeoutMin * 60_000);
    if (c.contactMessageTimeoutS > 0 && !this.hasTimer("contact_message", ref)) this.store.schedule("contact_message", ref, now + c.contactMessageTimeoutS * 1000);
    this.store.cancelTimer("agent_message", ref);
  }

  /** An agent's reply: the customer is answered, and now the customer's answer is awaited. */
  private agentWrote(ticketId: number, now: number) {
    const c = this.store.config();
    const ref = String(ticketId);
    this.store.cancelTimer("agent_timeout", ref);
    this.store.cancelTimer("contact_message", ref);
    if (c.idleSessionTimeoutS > 0) this.store.schedule("idle_session", ref, now + c.idleSessionTimeoutS * 1000);
    if (c.messageTimeoutMin > 0) this.store.schedule("message_timeout", ref, now + c.messageTimeoutMin * 60_000);
    if (c.agentMessageTimeoutS > 0) this.store.schedule("agent_message", ref, now + c.agentMessageTimeoutS * 1000);
  }

  /**
   * Ends the ticket's conversation on a timer: it leaves the queue and the agent's desk; the ticket
   * closes (idle session) or stays open for the customer's next message. A notice goes to the customer.
   */
  private async endConversation(ticketId: number, reason: ConversationEnd, closeTicket: boolean, now: number, notice?: string) {
    const row = this.store.ticket(ticketId);
    if (!row) return;
    const offerees = this.store.offerees(ticketId);
    this.store.removeTicket(ticketId);
    if (row.state === "assigned" && row.agent_id) {
      this.store.markFreed(row.agent_id, now);
      const displayUntil = now + this.store.config().closedWebchatDisplayTimeS * 1000;
      this.send(row.agent_id, { type: "conversation.ended", ticketId, reason, ticketClosed: closeTicket, displayUntil }, now);
    }
    for (const agentId of offerees) this.send(agentId, { type: "offer.withdrawn", ticketId, reason: "closed" }, now);
    const ended = await endConversation(this.env.DB, { ticketId, reason, closeTicket, notice }, now);
    if (ended.notice) await this.env.OUTBOX.send({ messageId: ended.notice.id, ticketId, op: "send" });
  }

  // ---- presence

  private socketsOf(agentId: string): WebSocket[] {
    return this.ctx.getWebSockets(agentId);
  }

  private socketGone(ws: WebSocket) {
    const att = ws.deserializeAttachment() as SocketAttachment | null;
    if (!att || att.observer) return;
    const now = Date.now();
    const others = this.socketsOf(att.agentId).filter((s) => s !== ws && s.readyState === WebSocket.OPEN);
    if (others.length === 0) {
      // Offers cannot be accepted without a socket; held tickets wait out the grace period.
      this.withdrawOffersOf(att.agentId, "offline", now);
      this.store.schedule("presence_grace", att.agentId, now + this.store.config().presenceGraceS * 1000);
      this.dispatch(now);
    }
    this.armAlarm();
    this.publish(now);
  }

  private closeSockets(agentId: string, code: number, reason: string) {
    for (const socket of this.socketsOf(agentId)) {
      try {
        socket.close(code, reason);
      } catch {
        // already closing
      }
    }
  }

  /**
   * Offline: every ticket the agent held goes to someone else. `abandoned` (past the grace period,
   * not signed out): tickets of accounts with reassignAbandoned off stay the agent's.
   */
  private goOffline(agent: AgentRow, now: number, opts: { abandoned?: boolean } = {}) {
    this.store.setConnected(agent.id, false);
    this.withdrawOffersOf(agent.id, "offline", now);
    const held = this.store.heldBy(agent.id);
    this.revoke(opts.abandoned ? held.filter((row) => this.settingsOf(row).reassignAbandoned) : held, agent.id, "offline", now);
  }

  /** Takes tickets back from an agent into the queue (frames first, D1 after: a failed write is redone by the next message's routing). */
  private revoke(rows: TicketRow[], agentId: string, reason: "offline" | "agent_timeout" | "agent_unavailable", now: number) {
    if (rows.length === 0) return;
    for (const row of rows) {
      this.store.revoke(row.id, agentId);
      this.store.cancelTimer("assigned_wait", String(row.id));
      this.send(agentId, { type: "ticket.revoked", ticketId: row.id, reason }, now);
      this.startQueueWait(row.id, now);
      this.startPositionUpdates(row.id, now);
    }
    this.store.markFreed(agentId, now);
    this.ctx.waitUntil(releaseTickets(this.env.DB, rows.map((r) => r.id), now).catch((err) => console.error("releasing tickets failed", err)));
  }

  /** Agent Timeout: the agent holding the ticket must answer the customer within the queue's time. */
  private startAgentTimeout(ticketId: number, now: number) {
    const { agentTimeoutS } = this.store.config();
    if (agentTimeoutS > 0) this.store.schedule("agent_timeout", String(ticketId), now + agentTimeoutS * 1000);
  }

  /** Closes sockets that stopped pinging; their close handler then runs the grace period. */
  private sweepSockets(now: number) {
    for (const ws of this.ctx.getWebSockets()) {
      const att = ws.deserializeAttachment() as SocketAttachment | null;
      if (!att) continue;
      const pinged = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      if (now - Math.max(pinged, att.lastActivity) > SOCKET_IDLE_LIMIT_MS) {
        try {
          ws.close(4000, "idle: no ping for 90 s");
        } catch {
          // already closing
        }
        this.socketGone(ws);
      }
    }
  }

  // ---- supervisors

  private estimate(position: number): number {
    const config = this.store.config();
    const online = this.store.agents().filter((a) => a.connected && a.chosen_status === "online").length;
    return estimateWaitS({ position, paceMs: this.store.stat("pace_ms"), agentsOnline: online, capS: config.holdEstimationUpperLimitS });
  }

  private queueState(now: number): QueueState {
    const seq = (this.store.stat("state_seq") ?? 0) + 1;
    this.store.setStat("state_seq", seq);
    const config = this.store.config();
    const pace = this.store.stat("pace_ms");
    return {
      type: "queue.state",
      seq,
      at: now,
      config: { strategy: config.strategy, closeAutoAssign: config.closeAutoAssign, priority: config.priority, leaveWhenEmpty: config.leaveWhenEmpty },
      agents: this.store.agents().map((a) => ({
        id: a.id,
        name: a.name,
        status: this.store.status(a),
        capacity: a.capacity,
        load: this.store.load(a.id),
        holding: this.store.heldBy(a.id).map((t) => t.id),
        offered: this.store.offeredTo(a.id).map((t) => t.id),
      })),
      waiting: this.store.unheldTickets().map((t, i) => ({
        ticketId: t.id,
        contact: (JSON.parse(t.view) as TicketView).contact.name,
        position: i + 1,
        ageS: Math.round((now - t.enqueued_at) / 1000),
        estimateS: this.estimate(i + 1),
        offeredTo: this.store.offerees(t.id),
        escalated: t.escalated === 1,
        onPlan: t.plan !== null,
      })),
      claimedByHigherPriority: [...this.store.claimedAgents(config.priority, now)].filter((id) => this.store.agent(id)),
      paceS: pace === null ? null : Math.round(pace / 1000),
    };
  }

  /** After every change: peer queues hear of a changed claim, watching supervisors get the queue's state. */
  private publish(now: number) {
    this.announceDemand(now);
    const observers = this.ctx.getWebSockets(OBSERVER_TAG);
    if (observers.length === 0) return;
    const text = JSON.stringify(this.queueState(now));
    for (const ws of observers) {
      try {
        ws.send(text);
      } catch {
        // closing
      }
    }
  }

  // ---- frames out

  /**
   * Numbers the frame in the agent's sequence, keeps it for replay, and sends it to each of the
   * agent's sockets. `liveOnly` fields go to the sockets open now and are never kept.
   */
  private send(agentId: string, frame: ServerFrame, now: number, liveOnly?: Record<string, unknown>) {
    const seq = this.store.appendFrame(agentId, frame, now);
    const text = JSON.stringify({ ...frame, ...liveOnly, seq });
    for (const ws of this.socketsOf(agentId)) {
      try {
        ws.send(text);
      } catch {
        // closing socket: the frame stays in the log for the replay
      }
    }
  }

  /** Answers one socket only (not logged): the frame carries the agent's latest sequence number. */
  private reject(ws: WebSocket, agentId: string, code: string, message: string, ref?: unknown) {
    const seq = this.store.agent(agentId)?.last_seq ?? 0;
    ws.send(JSON.stringify({ type: "error", code, message, ...(ref === undefined ? {} : { ref }), seq } satisfies ServerFrame & { seq: number }));
  }

  /** hello with the agent's state, then every frame after `lastSeq` the agent missed. */
  private greet(ws: WebSocket, agentId: string, lastSeq: number | null, extras: Map<number, TicketExtras>) {
    const agent = this.store.agent(agentId)!;
    const missed = lastSeq === null ? [] : this.store.framesAfter(agentId, lastSeq);
    const oldest = this.store.oldestFrameSeq(agentId);
    const complete = lastSeq === null || lastSeq >= agent.last_seq || (oldest !== null && oldest <= lastSeq + 1);
    const assigned = this.store.heldBy(agentId).map((t) => withExtras(JSON.parse(t.view) as TicketView, extras.get(t.id)));
    const offers = this.store.offeredTo(agentId).map((t) => this.offerView(t));
    const status: AgentStatus = this.store.status(agent);
    const hello: ServerFrame = {
      type: "hello",
      agent: { id: agent.id, name: agent.name, status, capacity: agent.capacity },
      queue: { id: this.ctx.id.name ?? this.ctx.id.toString() },
      tickets: assigned,
      offers,
      replayed: missed.length,
      complete,
    };
    ws.send(JSON.stringify({ ...hello, seq: agent.last_seq }));
    for (const text of missed) ws.send(text);
  }
}
