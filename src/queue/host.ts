// What the queue object's modules share: its storage and bindings, the caches it keeps while awake, and the steps every change ends with.
import type { Env } from "../env";
import type { ServerFrame } from "./protocol";
import type { QueueStore, Timer } from "./store";

/** Who is connecting, as the Worker authenticated them. Sent to the object in a header. */
export type AgentIdentity = { id: string; name: string; capacity: number; /** share under the percentage strategy */ weight?: number };

/** The token a socket was opened with: the socket closes when it is revoked or expires. */
export type SocketAccess = { tokenId: string; expiresAt: number | null };

/** An agent's socket, or a supervisor watching the queue (`observer`). `revoked`: closing, its frames are not handled. */
export type SocketAttachment = { agentId: string; connectedAt: number; lastActivity: number; observer?: true; access?: SocketAccess; revoked?: true };

export const OBSERVER_TAG = "observers";

/**
 * One queue object's state and bindings. `send`, `sendToAll`, `reject`, `dispatch` and `publish` are
 * the functions of frames-out, dispatch and queue-state bound to it: the modules reach them
 * here rather than importing one another in a circle.
 */
export interface QueueHost {
  readonly store: QueueStore;
  readonly env: Env;
  readonly ctx: DurableObjectState;
  readonly queueId: string;
  /** The queue's name, for templates; read from D1 now and then (renames show within QUEUE_NAME_TTL_MS). */
  queueName: { name: string; at: number } | undefined;
  /** The queues sharing a member with this one, as last read from D1 (reused for PEERS_TTL_MS). */
  peerCache: { at: number; priority: number | null; ids: string[] } | undefined;
  /** Reports to agents' ledgers in flight (capacity across queues, capacity.ts). */
  readonly ledger: LedgerLink;
  /** Each agent's sockets as the runtime last listed them; an agent's entry goes whenever one of their sockets opens or closes. */
  readonly sockets: Map<string, WebSocket[]>;
  send(agentId: string, frame: ServerFrame, now: number, liveOnly?: Record<string, unknown>): void;
  sendToAll(agentIds: readonly string[], frame: ServerFrame, now: number): void;
  reject(ws: WebSocket, agentId: string, code: string, message: string, ref?: unknown): void;
  dispatch(now: number): void;
  publish(now: number): void;
}

export function socketsOf(q: QueueHost, agentId: string): WebSocket[] {
  let sockets = q.sockets.get(agentId);
  if (!sockets) q.sockets.set(agentId, (sockets = q.ctx.getWebSockets(agentId)));
  return sockets;
}

/** One of the agent's sockets opened or closed: the next look asks the runtime again. */
export function socketsChanged(q: QueueHost, agentId: string) {
  q.sockets.delete(agentId);
}

export function hasTimer(q: QueueHost, kind: Timer["kind"], ref: string) {
  return q.store.hasTimer(kind, ref);
}

export function holds(q: QueueHost, agentId: string, ticketId: number) {
  const row = q.store.ticket(ticketId);
  return row?.state === "assigned" && row.agent_id === agentId;
}

/**
 * What the object keeps in memory for its reports: the latest sent per agent, picks and transfers
 * awaiting an answer, and how many queues each member of this queue belongs to (as D1 said at `at`).
 */
export type LedgerLink = {
  sent: Map<string, number>;
  waiters: Map<string, (granted: boolean) => void>;
  membership: { at: number; queues: Map<string, number> } | undefined;
  loading: Promise<void> | undefined;
};
