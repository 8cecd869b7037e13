// Supervisors' commands on the socket: an agent's state (online, away, signed out), spying on a ticket, a note, the queue's figures.
import { recordAudit } from "../db/audit";
import { supervisorFrameSchema, type SupervisorFrame } from "./protocol";
import type { QueueHost } from "./host";
import { leaveIfEmpty } from "./between-queues";
import { closeSockets, goOffline, setState } from "./presence";
import { startSpying, stopSpying, supervisorNote } from "./spying";
import { queueStats } from "./live-figures";

export async function supervisorFrame(q: QueueHost, ws: WebSocket, supervisorId: string, raw: string | ArrayBuffer) {
  const answer = (code: string, message: string, ref?: unknown) => ws.send(JSON.stringify({ type: "error", code, message, ...(ref === undefined ? {} : { ref }) }));
  let frame: SupervisorFrame;
  try {
    const parsed = supervisorFrameSchema.safeParse(JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw)));
    if (!parsed.success) return answer("invalid_frame", "The frame does not match the protocol", parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
    frame = parsed.data;
  } catch {
    return answer("invalid_json", "Frames must be JSON");
  }
  switch (frame.type) {
    case "spy.start":
      return startSpying(q, ws, frame.ticketId, answer);
    case "spy.stop":
      return stopSpying(q, ws, frame.ticketId);
    case "note":
      return supervisorNote(q, ws, supervisorId, frame, answer);
    case "stats":
      return ws.send(JSON.stringify({ type: "queue.stats", ...(await queueStats(q, Date.now())) }));
  }
  const agent = q.store.agent(frame.agentId);
  if (!agent?.connected) return answer("agent_not_connected", "That agent is not signed in to this queue", { agentId: frame.agentId });
  const now = Date.now();
  const by = { supervisorId };
  if (frame.status === "offline") {
    // Signed out: the agent is told, their sockets close, and their tickets go to others now.
    q.send(agent.id, { type: "presence", status: "offline", by }, now);
    q.store.cancelTimer("presence_grace", agent.id);
    goOffline(q, agent, now);
    closeSockets(q, agent.id, 4001, "signed out by a supervisor");
    q.dispatch(now);
    await leaveIfEmpty(q, now);
  } else {
    setState(q, agent.id, frame.status, now, by);
  }
  await recordAudit(q.env.DB, { actorId: supervisorId, action: "agent.state", entityType: "user", entityId: agent.id, details: { queueId: q.queueId, status: frame.status } }).catch((err) =>
    console.error("audit write failed", err),
  );
}
