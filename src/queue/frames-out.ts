// Frames to agents: numbered and kept for replay, errors to one socket, and hello with the replay.
import { withExtras, type TicketExtras } from "../db/agent-views";
import type { AgentStatus, ServerFrame } from "./protocol";
import { socketsOf, type QueueHost } from "./host";
import { offerView } from "./offer-view";
import { boundFrame } from "./frame-bounds";
import { tellSpies } from "./spying";

/**
 * Numbers the frame in the agent's sequence, keeps it for replay, and sends it to each of the
 * agent's sockets, bounded in size (frame-bounds.ts). `liveOnly` fields go to the sockets open now and are never kept.
 */
export function send(q: QueueHost, agentId: string, frame: ServerFrame, now: number, liveOnly?: Record<string, unknown>) {
  const bounded = boundFrame(frame);
  tellSpies(q, bounded);
  const kept = q.store.appendFrame(agentId, bounded, now);
  const sockets = socketsOf(q, agentId);
  if (sockets.length === 0) return;
  const text = liveOnly ? JSON.stringify({ ...bounded, ...liveOnly, seq: kept.seq }) : kept.json;
  for (const ws of sockets) {
    try {
      ws.send(text);
    } catch {
      // closing socket: the frame stays in the log for the replay
    }
  }
}

/** The same frame to many agents (Close Auto Assign's waiting and taken tickets): kept for each, bounded and serialized once. */
export function sendToAll(q: QueueHost, agentIds: readonly string[], frame: ServerFrame, now: number) {
  if (agentIds.length === 0) return;
  const kept = q.store.appendFrameToAll(agentIds, boundFrame(frame), now);
  for (const [agentId, text] of kept) {
    for (const ws of socketsOf(q, agentId)) {
      try {
        ws.send(text);
      } catch {
        // closing socket: the frame stays in the log for the replay
      }
    }
  }
}

/** Answers one socket only (not logged): the frame carries the agent's latest sequence number. */
export function reject(q: QueueHost, ws: WebSocket, agentId: string, code: string, message: string, ref?: unknown) {
  const seq = q.store.lastFrameSeq(agentId);
  ws.send(JSON.stringify({ type: "error", code, message, ...(ref === undefined ? {} : { ref }), seq } satisfies ServerFrame & { seq: number }));
}

/** hello with the agent's state, then every frame after `lastSeq` the agent missed. */
export function greet(q: QueueHost, ws: WebSocket, agentId: string, lastSeq: number | null, extras: Map<number, TicketExtras>) {
  const agent = q.store.agent(agentId)!;
  const last = q.store.lastFrameSeq(agentId);
  const missed = lastSeq === null ? [] : q.store.framesAfter(agentId, lastSeq);
  const oldest = q.store.oldestFrameSeq(agentId);
  const complete = lastSeq === null || lastSeq >= last || (oldest !== null && oldest <= lastSeq + 1);
  const assigned = q.store.heldBy(agentId).map((t) => withExtras(t.view, extras.get(t.id)));
  const offers = q.store.offeredTo(agentId).filter((t) => !q.store.pendingOffer(t.id, agentId)).map((t) => offerView(q, t));
  const status: AgentStatus = q.store.status(agent);
  const hello: ServerFrame = {
    type: "hello",
    agent: { id: agent.id, name: agent.name, status, capacity: agent.capacity },
    queue: { id: q.ctx.id.name ?? q.ctx.id.toString() },
    tickets: assigned,
    offers,
    replayed: missed.length,
    complete,
  };
  ws.send(JSON.stringify({ ...hello, seq: last }));
  for (const text of missed) ws.send(text);
}
