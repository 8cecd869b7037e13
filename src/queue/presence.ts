// Agents' sockets and presence: connecting, away and back, the grace period, going offline, and the socket sweep.
import { releaseTickets } from "../db/replies";
import type { TicketExtras } from "../db/agent-views";
import type { RoutingConfig } from "../domain/routing-config";
import type { AgentRow, TicketRow } from "./store";
import { OBSERVER_TAG, socketsChanged, socketsOf, type AgentIdentity, type QueueHost, type SocketAccess, type SocketAttachment } from "./host";
import { ensureQueueName, startPositionUpdates } from "./customer-notices";
import { startQueueWait } from "./between-queues";
import { greet } from "./frames-out";
import { queueState } from "./queue-state";
import { settingsOf } from "./ticket-settings";
import { extrasFor } from "./ticket-views";
import { learnElsewhere, loadMembership } from "./capacity";

/** A socket with no ping or frame for this long is treated as gone. */
export const SOCKET_IDLE_LIMIT_MS = 90_000;

/** Only the WebSocket upgrade arrives here; the Worker has authenticated the agent already. */
export async function connect(q: QueueHost, request: Request): Promise<Response> {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("Expected a WebSocket upgrade", { status: 426 });
  const identity = JSON.parse(decodeURIComponent(request.headers.get("X-Agent-Identity") ?? "null")) as AgentIdentity | null;
  const configHeader = request.headers.get("X-Queue-Config");
  if (!identity) return new Response("Missing agent identity", { status: 400 });
  const url = new URL(request.url);
  const lastSeq = Number(url.searchParams.get("lastSeq") ?? "NaN");
  await ensureQueueName(q);
  const observer = request.headers.get("X-Observer") === "1";
  const access = JSON.parse(decodeURIComponent(request.headers.get("X-Socket-Access") ?? "null")) as SocketAccess | null;
  // An agent back before the grace period ends keeps everything, even if the alarm runs while D1 answers below.
  if (!observer && q.store.agent(identity.id)?.connected) q.store.cancelTimer("presence_grace", identity.id);
  // What hello shows of the tickets the agent holds (unread, reply window) comes from D1: read before the socket opens.
  // A member this queue does not know yet: their number of queues (capacity across queues) is read with it.
  const [extras] = await Promise.all([
    observer ? new Map<number, TicketExtras>() : extrasFor(q, q.store.heldBy(identity.id).map((t) => t.id), identity.id),
    observer || q.ledger.membership?.queues.has(identity.id) ? undefined : loadMembership(q),
  ]);

  const now = Date.now();
  if (configHeader) q.store.setConfig(JSON.parse(decodeURIComponent(configHeader)) as RoutingConfig);
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  if (request.headers.get("X-Observer") === "1") {
    // A supervisor: no presence, no offers; the queue's whole state now and after every change.
    q.ctx.acceptWebSocket(server, [OBSERVER_TAG]);
    server.serializeAttachment({ agentId: identity.id, connectedAt: now, lastActivity: now, observer: true, ...(access ? { access } : {}) } satisfies SocketAttachment);
    server.send(JSON.stringify(queueState(q, now)));
    q.store.schedule("sweep", "sockets", now + q.store.config().periodToCheckS * 1000);
    return new Response(null, { status: 101, webSocket: client });
  }
  q.ctx.acceptWebSocket(server, [identity.id]);
  socketsChanged(q, identity.id);
  server.serializeAttachment({ agentId: identity.id, connectedAt: now, lastActivity: now, ...(access ? { access } : {}) } satisfies SocketAttachment);

  q.store.upsertAgent(identity, now);
  learnElsewhere(q, identity.id);
  q.store.cancelTimer("presence_grace", identity.id);
  agentIsBack(q, identity.id);
  greet(q, server, identity.id, Number.isInteger(lastSeq) && lastSeq >= 0 ? lastSeq : null, extras);
  q.store.schedule("sweep", "sockets", now + q.store.config().periodToCheckS * 1000);
  q.dispatch(now);
  q.publish(now);
  return new Response(null, { status: 101, webSocket: client });
}

export function socketGone(q: QueueHost, ws: WebSocket) {
  const att = ws.deserializeAttachment() as SocketAttachment | null;
  if (!att || att.observer) return;
  socketsChanged(q, att.agentId);
  const now = Date.now();
  const others = socketsOf(q, att.agentId).filter((s) => s !== ws && s.readyState === WebSocket.OPEN);
  if (others.length === 0) {
    // Offers cannot be accepted without a socket; held tickets wait out the grace period.
    withdrawOffersOf(q, att.agentId, "offline", now);
    q.store.schedule("presence_grace", att.agentId, now + q.store.config().presenceGraceS * 1000);
    q.dispatch(now);
  }
  q.publish(now);
}

export function closeSockets(q: QueueHost, agentId: string, code: number, reason: string) {
  for (const socket of socketsOf(q, agentId)) {
    try {
      socket.close(code, reason);
    } catch {
      // already closing
    }
  }
  socketsChanged(q, agentId);
}

/** An agent's own `presence` frame or a supervisor's command: away stops new offers, online resumes them. */
export function setState(q: QueueHost, agentId: string, status: "online" | "away", now: number, by?: { supervisorId: string }) {
  q.store.setChosenStatus(agentId, status);
  q.send(agentId, { type: "presence", status, ...(by ? { by } : {}) }, now);
  if (status === "away") withdrawOffersOf(q, agentId, "offline", now);
  else agentIsBack(q, agentId);
  q.dispatch(now);
}

/** The agent can answer again: their tickets stop waiting to be handed to the queue. */
function agentIsBack(q: QueueHost, agentId: string) {
  for (const row of q.store.heldBy(agentId)) q.store.cancelTimer("assigned_wait", String(row.id));
}

function withdrawOffersOf(q: QueueHost, agentId: string, reason: "offline", now: number) {
  for (const row of q.store.offeredTo(agentId)) {
    if (row.state === "assigned" && row.transfer_to === agentId && row.agent_id) {
      // A colleague's transfer to an agent who went away: the colleague keeps the ticket.
      q.store.endTransfer(row.id);
      q.send(agentId, { type: "offer.withdrawn", ticketId: row.id, reason }, now);
      q.send(row.agent_id, { type: "transfer.failed", ticketId: row.id, reason: "unavailable" }, now);
      continue;
    }
    if (!q.store.dropOffer(row.id, agentId)) {
      q.store.requeue(row.id);
      q.store.cancelTimer("offer_expiry", String(row.id));
    }
    q.send(agentId, { type: "offer.withdrawn", ticketId: row.id, reason }, now);
  }
}

/**
 * Offline: every ticket the agent held goes to someone else. `abandoned` (past the grace period,
 * not signed out): tickets of accounts with reassignAbandoned off stay the agent's.
 */
export function goOffline(q: QueueHost, agent: AgentRow, now: number, opts: { abandoned?: boolean } = {}) {
  q.store.setConnected(agent.id, false);
  withdrawOffersOf(q, agent.id, "offline", now);
  const held = q.store.heldBy(agent.id);
  revoke(q, opts.abandoned ? held.filter((row) => settingsOf(row).reassignAbandoned) : held, agent.id, "offline", now);
}

/** Takes tickets back from an agent into the queue (frames first, D1 after: a failed write is redone by the next message's routing). */
export function revoke(q: QueueHost, rows: TicketRow[], agentId: string, reason: "offline" | "agent_timeout" | "agent_unavailable", now: number) {
  if (rows.length === 0) return;
  for (const row of rows) {
    q.store.revoke(row.id, agentId);
    q.store.cancelTimer("assigned_wait", String(row.id));
    q.send(agentId, { type: "ticket.revoked", ticketId: row.id, reason }, now);
    startQueueWait(q, row.id, now);
    startPositionUpdates(q, row.id, now);
  }
  q.store.markFreed(agentId, now);
  q.ctx.waitUntil(releaseTickets(q.env.DB, rows.map((r) => r.id), now).catch((err) => console.error("releasing tickets failed", err)));
}

/** Why a user's access ended; `logged_out` ends one token's sessions, the others every session of the user. */
export type AccessEnd = { reason: "logged_out" | "password_changed" | "deactivated" | "deleted"; tokenId?: string };

/** Close code of a socket whose token was revoked or expired, or whose user lost access. */
export const ACCESS_ENDED = 4004;

/**
 * The user's access ended: their sockets here (agent and supervisor) close with ACCESS_ENDED. A user
 * deactivated or deleted lets go of every ticket now, as if signed out by a supervisor; otherwise
 * (logout, new password) the agent is gone as after a disconnect, and may come back within the grace period.
 */
export function endAccess(q: QueueHost, userId: string, end: AccessEnd, now: number) {
  const closing = q.ctx.getWebSockets().filter((ws) => {
    const att = ws.deserializeAttachment() as SocketAttachment | null;
    return att?.agentId === userId && (end.tokenId === undefined || att.access?.tokenId === end.tokenId);
  });
  const agent = q.store.agent(userId);
  const gone = end.reason === "deactivated" || end.reason === "deleted";
  if (gone && agent) {
    // Whether connected or not (an account may keep an absent agent's tickets): nothing stays theirs.
    q.store.cancelTimer("presence_grace", userId);
    goOffline(q, agent, now);
  }
  for (const ws of closing) revokeSocket(ws, `access revoked: ${end.reason.replace("_", " ")}`);
  socketsChanged(q, userId);
  if (!gone) for (const ws of closing) socketGone(q, ws);
}

/** Whether the socket's token has expired; such a socket is closed rather than heard. */
export function accessExpired(att: SocketAttachment, now: number) {
  return att.access?.expiresAt != null && att.access.expiresAt <= now;
}

/** Closes a socket whose access ended; frames it still sends are not handled (see `revoked`). */
export function revokeSocket(ws: WebSocket, reason: string) {
  const att = ws.deserializeAttachment() as SocketAttachment | null;
  try {
    if (att) ws.serializeAttachment({ ...att, revoked: true } satisfies SocketAttachment);
    ws.close(ACCESS_ENDED, reason);
  } catch {
    // already closing
  }
}

/** Closes sockets that stopped pinging or whose token expired; the agent then has the grace period. */
export function sweepSockets(q: QueueHost, now: number) {
  for (const ws of q.ctx.getWebSockets()) {
    const att = ws.deserializeAttachment() as SocketAttachment | null;
    if (!att) continue;
    if (accessExpired(att, now)) {
      revokeSocket(ws, "access expired");
      socketGone(q, ws);
      continue;
    }
    const pinged = q.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
    if (now - Math.max(pinged, att.lastActivity) > SOCKET_IDLE_LIMIT_MS) {
      try {
        ws.close(4000, "idle: no ping for 90 s");
      } catch {
        // already closing
      }
      socketGone(q, ws);
    }
  }
}
