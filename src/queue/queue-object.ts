import { DurableObject } from "cloudflare:workers";
import { clientFrameSchema, type ClientFrame, type QueueStats } from "./protocol";
import type { MessageView } from "../kinds/views";
import type { RoutingConfig } from "../domain/routing-config";
import { coalescingBatches } from "../db/coalesced-batch";
import type { Env } from "../env";
import { meterD1, replyClockStart, replyLap } from "../db/meter";
import { QueueStore, type PeerClaim } from "./store";
import { hasTimer, socketsOf, type QueueHost, type SocketAttachment } from "./host";
import { send, sendToAll, reject } from "./frames-out";
import { dispatch } from "./dispatch";
import { capacityFreed, ensureMembership, newLedgerLink, reloadMembership, syncCapacity } from "./capacity";
import { ensureConfig } from "./queue-config";
import { fire, setAlarm } from "./timers";
import { publish, snapshot } from "./queue-state";
import { ensureQueueName, queueStatus } from "./customer-notices";
import { announceDemand, leaveIfEmpty, receivePlanned } from "./between-queues";
import { messageAdded, messageUpdated, routeInbound, type RouteOutcome } from "./inbound";
import { receiveTransfer, transferReturned } from "./transfers";
import type { InboundMessage, PlannedTicket, TransferBack, TransferIn } from "./arrivals";
import { accessExpired, closeSockets, connect, endAccess, goOffline, revokeSocket, socketGone, type AccessEnd } from "./presence";
import { forgetTicket, handleFrame } from "./agent-frames";
import { supervisorFrame } from "./supervisor";
import { spySocketGone } from "./spying";
import { queueStats } from "./live-figures";
import { ticketChanged } from "./ticket-views";
import { movedTo } from "./hand-over";
import { forgetTickets } from "./forget";
import { takeFirstAttempt, type FirstAttempt } from "../outbox/first-attempts";

export type { AgentIdentity, SocketAccess } from "./host";
export { SOCKET_IDLE_LIMIT_MS } from "./presence";
export type { AccessEnd } from "./presence";

export const PING = '{"type":"ping"}';
export const PONG = '{"type":"pong"}';

/**
 * One per queue. Holds presence, waiting tickets, live offers, per-agent load and timers in its
 * own SQLite; agents' sockets are hibernatable, so the object sleeps between events.
 */
export class QueueObject extends DurableObject<Env> {
  private readonly q: QueueHost;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, meterD1(env));
    const q: QueueHost = {
      store: new QueueStore(ctx.storage.sql, (at) => setAlarm(ctx, at)),
      // The object's events share its D1 round trips: an accept's or a delivery's batch asked for
      // while another is on its way goes with the next one (db/coalesced-batch.ts).
      env: { ...env, DB: coalescingBatches(env.DB) },
      ctx,
      get queueId() {
        return ctx.id.name ?? ctx.id.toString();
      },
      queueName: undefined,
      peerCache: undefined,
      ledger: newLedgerLink(),
      sockets: new Map(),
      send: (agentId, frame, now, liveOnly) => send(q, agentId, frame, now, liveOnly),
      sendToAll: (agentIds, frame, now) => sendToAll(q, agentIds, frame, now),
      reject: (ws, agentId, code, message, ref) => reject(q, ws, agentId, code, message, ref),
      // After offers are made and before the queue's state goes out, changed agents are reported to their ledgers.
      dispatch: (now) => {
        dispatch(q, now);
        syncCapacity(q);
      },
      publish: (now) => {
        syncCapacity(q);
        publish(q, now);
      },
    };
    this.q = q;
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    // After an eviction that closed sockets, agents marked connected but with no socket get their grace period.
    for (const agent of q.store.agents()) {
      if (agent.connected && socketsOf(q, agent.id).length === 0 && !hasTimer(q, "presence_grace", agent.id)) {
        q.store.schedule("presence_grace", agent.id, Date.now() + q.store.config().presenceGraceS * 1000);
      }
    }
  }

  // ---- RPC from the Worker

  async configure(config: RoutingConfig): Promise<void> {
    return this.entry("configure", async () => {
      await ensureQueueName(this.q, true);
      const priorityChanged = this.q.store.config().priority !== config.priority;
      this.q.store.setConfig(config);
      const now = Date.now();
      if (priorityChanged) announceDemand(this.q, now, { everyPeer: true });
      await leaveIfEmpty(this.q, now);
      this.afterEvent(now);
    });
  }

  /** The agent's ledger: a slot of theirs freed (in any queue) after this queue was refused one. */
  async capacityFreed(agentId: string, version: number): Promise<void> {
    return this.entry("capacityFreed", () => {
      capacityFreed(this.q, agentId, version);
      this.afterEvent(Date.now());
    });
  }

  /** Another queue's claim on agents it shares with this one (null: it has nothing waiting any more). */
  async peerDemand(queueId: string, claim: PeerClaim | null): Promise<void> {
    return this.entry("peerDemand", () => {
      this.q.store.setPeerDemand(queueId, claim);
      this.afterEvent(Date.now());
    });
  }

  /** The user is no longer a member: signed out of this queue at once, their tickets and offers go to others. */
  async memberRemoved(agentId: string): Promise<void> {
    return this.entry("memberRemoved", async () => {
      const agent = this.q.store.agent(agentId);
      if (!agent) return;
      const now = Date.now();
      this.q.store.cancelTimer("presence_grace", agentId);
      if (agent.connected) goOffline(this.q, agent, now);
      closeSockets(this.q, agentId, 4003, "no longer a member of this queue");
      await leaveIfEmpty(this.q, now);
      this.afterEvent(now);
    });
  }

  /** A member of this queue joined another: from now on their ledger counts their slots here too. */
  async memberJoinedElsewhere(_agentId: string): Promise<void> {
    return this.entry("memberJoinedElsewhere", async () => {
      await reloadMembership(this.q);
      this.afterEvent(Date.now());
    });
  }

  /**
   * The user's access ended (logout, new password, deactivated, deleted): their sockets here close
   * with 4004; see `endAccess`. Called for every queue the user may have a socket on.
   */
  async accessEnded(userId: string, end: AccessEnd): Promise<void> {
    return this.entry("accessEnded", async () => {
      const now = Date.now();
      endAccess(this.q, userId, end, now);
      await leaveIfEmpty(this.q, now);
      this.afterEvent(now);
    });
  }

  /** A ticket sent here by another queue's action plan: it waits here `timeoutS`, then goes on to `steps`. */
  async receivePlanned(input: PlannedTicket): Promise<void> {
    return this.entry("receivePlanned", () => receivePlanned(this.q, input));
  }

  /**
   * A customer message was stored for `ticket`. A new ticket waits for an agent; a message on a
   * ticket someone holds goes to that agent. Repeated calls for one message deliver it once.
   */
  async routeInbound(input: InboundMessage): Promise<RouteOutcome> {
    return this.entry("routeInbound", () => routeInbound(this.q, input));
  }

  /** A stored message changed (the customer edited it): the agent holding the ticket sees the new text. */
  async messageUpdated(message: MessageView): Promise<void> {
    return this.entry("messageUpdated", () => messageUpdated(this.q, message));
  }

  /** A message joined a ticket without routing (sent from the provider's own app): the agent holding it sees it. */
  async messageAdded(message: MessageView): Promise<void> {
    return this.entry("messageAdded", () => messageAdded(this.q, message));
  }

  /** The outbox reports a reply's delivery: its author hears of it. */
  async deliveryStatus(report: { agentId: string; ticketId: number; messageId: number; status: MessageView["status"]; reason: string | null }) {
    return this.entry("deliveryStatus", () => {
      if (!this.q.store.agent(report.agentId)) return;
      const { agentId, ...rest } = report;
      this.q.send(agentId, { type: "delivery", ...rest }, Date.now());
    });
  }

  /** How far a reply's first attempt got here, for the outbox settling a claim it left (`src/outbox/first-attempts.ts`). */
  async firstAttemptStopped(ticketId: number, clientMsgId: string): Promise<FirstAttempt | null> {
    return this.entry("firstAttemptStopped", () => takeFirstAttempt(this.ctx.storage.kv, ticketId, clientMsgId));
  }

  /** The ticket was closed outside the socket (admin API): forget it here and free the agent. */
  async ticketClosed(ticketId: number, by: string | null, disposition: string | null = null): Promise<void> {
    return this.entry("ticketClosed", async () => {
      const to = await movedTo(this.q, ticketId);
      if (to) return this.env.QUEUE_OBJECT.getByName(to).ticketClosed(ticketId, by, disposition);
      forgetTicket(this.q, ticketId, by, Date.now(), disposition);
      this.afterEvent(Date.now());
    });
  }

  /** Tickets erased from D1: forgotten here, their holders and offerees told; answers the ids this queue had. */
  async forgetTickets(ticketIds: number[]): Promise<number[]> {
    return this.entry("forgetTickets", () => {
      const now = Date.now();
      const held = forgetTickets(this.q, ticketIds, now);
      this.afterEvent(now);
      return held;
    });
  }

  /** A ticket transferred here from another queue: it waits for an agent here, and returns if nobody takes it in time. */
  async receiveTransfer(input: TransferIn) {
    return this.entry("receiveTransfer", () => receiveTransfer(this.q, input));
  }

  /** A ticket this queue transferred away came back unaccepted: it is the transferring agent's again. */
  async transferReturned(input: TransferBack) {
    return this.entry("transferReturned", () => transferReturned(this.q, input));
  }

  /** Where a waiting ticket stands: its position and the estimated wait (capped), or null once someone holds it. */
  async queueStatus(ticketId: number): Promise<{ position: number; waiting: number; estimateS: number } | null> {
    return this.entry("queueStatus", () => queueStatus(this.q, ticketId));
  }

  /** The queue's live figures and today's (GET /api/v1/queues/{id}/stats, the supervisor's `stats` frame). */
  async stats(): Promise<QueueStats> {
    return this.entry("stats", () => queueStats(this.q, Date.now()));
  }

  /** State as a supervisor sees it; also what tests look at. */
  async snapshot() {
    return this.entry("snapshot", () => snapshot(this.q));
  }

  /**
   * A ticket's subject or tags changed (on the socket or through the API): the copy here follows,
   * and the agent holding it gets `ticket.updated` with its whole view.
   */
  async ticketChanged(ticketId: number, change: { subject: string | null; tags: string[] }): Promise<void> {
    return this.entry("ticketChanged", () => ticketChanged(this.q, ticketId, change));
  }

  // ---- sockets

  /** Only the WebSocket upgrade arrives here; the Worker has authenticated the agent already. */
  override async fetch(request: Request): Promise<Response> {
    return this.entry("fetch", () => connect(this.q, request));
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const arrived = Date.now();
    let att: SocketAttachment | undefined;
    let ref: Record<string, unknown> | undefined;
    try {
      att = ws.deserializeAttachment() as SocketAttachment;
      if (att.revoked) return; // closing: its user's access ended
      const now = Date.now();
      if (accessExpired(att, now)) {
        revokeSocket(ws, "access expired");
        socketGone(this.q, ws);
        return;
      }
      ws.serializeAttachment({ ...att, lastActivity: now });
      await this.ready();
      if (att.observer) await supervisorFrame(this.q, ws, att.agentId, raw);
      else {
        const frame = this.parseFrame(ws, att.agentId, raw);
        ref = frame && frameRef(frame);
        if (frame?.type === "reply") {
          replyClockStart(frame.ticketId, frame.clientMsgId, arrived);
          replyLap(frame.ticketId, frame.clientMsgId, "1_ready_parse");
        }
        if (frame) await handleFrame(this.q, ws, att.agentId, frame);
      }
    } catch (err) {
      // Every frame gets an answer: a failure (a store write, D1) is logged and the sender told.
      console.error("frame failed", { queueId: this.q.queueId, userId: att?.agentId, ...ref }, err);
      const answer = { code: "internal_error", message: "The hub could not carry out this frame; try again", ...(ref ? { ref } : {}) };
      try {
        if (!att || att.observer) ws.send(JSON.stringify({ type: "error", ...answer }));
        else this.q.reject(ws, att.agentId, answer.code, answer.message, ref);
      } catch (sendErr) {
        console.error("could not answer a failed frame", sendErr);
      }
    }
    this.settle("webSocketMessage", Date.now());
  }

  /** The agent's frame, or undefined when it was refused (answered with an error frame). */
  private parseFrame(ws: WebSocket, agentId: string, raw: string | ArrayBuffer): ClientFrame | undefined {
    let json: unknown;
    try {
      json = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
    } catch {
      this.q.reject(ws, agentId, "invalid_json", "Frames must be JSON");
      return undefined;
    }
    const parsed = clientFrameSchema.safeParse(json);
    if (!parsed.success) {
      this.q.reject(ws, agentId, "invalid_frame", "The frame does not match the protocol", parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
      return undefined;
    }
    return parsed.data;
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    await this.entry("webSocketClose", () => {
      spySocketGone(this.q, ws);
      return socketGone(this.q, ws);
    }).catch(() => undefined);
    try {
      ws.close(code === 1005 ? 1000 : code, "bye");
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.entry("webSocketError", () => {
      spySocketGone(this.q, ws);
      return socketGone(this.q, ws);
    }).catch(() => undefined);
  }

  // ---- timers

  override async alarm(): Promise<void> {
    return this.entry("alarm", async () => {
      const now = Date.now();
      for (const timer of this.q.store.dueTimers(now)) {
        // Handlers await D1 and other objects: a timer rescheduled or cancelled meanwhile is not fired.
        if (!this.q.store.claimTimer(timer, now)) continue;
        try {
          await fire(this.q, timer, now);
        } catch (err) {
          console.error("timer failed", timer, err);
        }
      }
      this.q.store.timersTable.rearm(true); // the runtime cleared the alarm that woke us
      this.afterEvent(now);
    });
  }

  // ---- what every entry point shares

  /** What an event needs known before it runs: the queue's name (templates), its members' number of queues (capacity), its configuration. */
  private async ready() {
    await Promise.all([ensureQueueName(this.q), ensureMembership(this.q), ensureConfig(this.q)]);
  }

  /**
   * One wrapper around every RPC method, the socket upgrade, the alarm and socket closes: the queue
   * made ready, the event run, a failure logged with the entry point's name and thrown back to the
   * caller (an RPC's caller, the runtime retrying an alarm). Socket frames are answered instead (webSocketMessage).
   */
  private async entry<T>(name: string, event: () => T | Promise<T>): Promise<T> {
    try {
      await this.ready();
      return await event();
    } catch (err) {
      console.error("queue object event failed", { queueId: this.q.queueId, entry: name }, err);
      throw err;
    }
  }

  /** After a change: waiting tickets are offered, supervisors and peers hear (the alarm follows the timers by itself). */
  private afterEvent(now: number) {
    this.q.dispatch(now);
    this.q.publish(now);
  }

  /** After a socket frame: the state published (the frame's handler dispatched if it had to); a failure is logged. */
  private settle(name: string, now: number) {
    try {
      this.q.publish(now);
    } catch (err) {
      console.error("queue object event failed", { queueId: this.q.queueId, entry: name }, err);
    }
  }
}

/** What an error frame names of the frame it answers: its type and the ids it carried (never its text). */
function frameRef(frame: ClientFrame): Record<string, unknown> {
  const ref: Record<string, unknown> = { type: frame.type };
  if ("ticketId" in frame) ref.ticketId = frame.ticketId;
  if ("clientMsgId" in frame) ref.clientMsgId = frame.clientMsgId;
  if ("messageId" in frame) ref.messageId = frame.messageId;
  return ref;
}
