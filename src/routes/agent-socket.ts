import { Hono, type Context } from "hono";
import { z } from "zod";
import { loadQueueRouting } from "../db/account-lookup";
import { activeMember } from "../db/queues";
import type { AppContext } from "../env";
import { ApiError, errorBody, unauthorized } from "../errors";
import type { AgentIdentity, SocketAccess } from "../queue/queue-object";
import { authenticateSession, bearerToken, type Session } from "./api/auth";
import { onlyDeclaredQuery } from "./api/shared";
import { redeemSocketTicket } from "./api/socket-tickets";

const querySchema = z.object({
  queue: z.string().min(1),
  lastSeq: z.coerce.number().int().min(0).optional(),
  ticket: z.string().min(1).max(128).optional(),
  access_token: z.string().optional(),
});

const ONE_CREDENTIAL = "Give one credential: ?ticket=, or the Authorization header or ?access_token=";

async function authenticateSocket(c: Context<AppContext>) {
  const parsed = querySchema.safeParse(c.req.query());
  if (!parsed.success) throw new ApiError(400, "validation_failed", "Expected ?queue=<queue id>", parsed.error.issues);
  const { ticket, access_token, ...query } = parsed.data;
  const header = bearerToken(c.req.header("Authorization"));
  let session: Session | null;
  if (ticket !== undefined) {
    if (header || access_token !== undefined) throw new ApiError(400, "validation_failed", ONE_CREDENTIAL);
    session = await redeemSocketTicket(c.env.DB, ticket);
  } else {
    // Browsers cannot set headers on a WebSocket: the token may come as ?access_token= (a ticket is better: URLs are logged).
    const token = header ?? access_token;
    session = token ? await authenticateSession(c.env.DB, token) : null;
  }
  if (!session) throw unauthorized();
  // The object keeps the token's id and expiry with the socket: it closes when the token is revoked or expires.
  const access: SocketAccess = { tokenId: session.tokenId, expiresAt: session.expiresAt };
  return { ...query, principal: session.principal, accessHeader: encodeURIComponent(JSON.stringify(access)) };
}

/**
 * GET /agent/ws?queue=<queueId>[&lastSeq=N][&ticket=…] — the agent's socket. The Worker authenticates
 * (a socket ticket, or a token in the header or as ?access_token=) and checks membership; the queue's
 * object accepts the socket.
 */
export const agentSocket = new Hono<AppContext>().get("/agent/ws", onlyDeclaredQuery(querySchema), async (c) => {
  const { queue, lastSeq, principal, accessHeader } = await authenticateSocket(c);

  const member = await activeMember(c.env.DB, queue, principal.userId);
  const routing = member ? await loadQueueRouting(c.env.DB, queue) : null;
  if (!member || !routing) return c.json(errorBody("forbidden", "You are not a member of this queue"), 403);
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    return c.json(errorBody("upgrade_required", "Connect with a WebSocket upgrade"), 426);
  }

  const identity: AgentIdentity = { id: member.id, name: member.display_name, capacity: member.capacity, weight: member.weight };
  const target = new URL("https://queue.internal/agent/ws");
  if (lastSeq !== undefined) target.searchParams.set("lastSeq", String(lastSeq));
  const headers = new Headers({ Upgrade: "websocket", "X-Agent-Identity": encodeURIComponent(JSON.stringify(identity)), "X-Queue-Config": encodeURIComponent(JSON.stringify(routing)), "X-Socket-Access": accessHeader });
  return c.env.QUEUE_OBJECT.getByName(queue).fetch(target, { headers });
});

/**
 * GET /supervisor/ws?queue=<queueId>[&ticket=…] — a supervisor or admin watching a queue live: agents and their
 * states, waiting tickets with ages, positions and estimates, offers in flight.
 */
export const supervisorSocket = new Hono<AppContext>().get("/supervisor/ws", onlyDeclaredQuery(querySchema), async (c) => {
  const { queue, principal, accessHeader } = await authenticateSocket(c);
  if (principal.role === "agent") return c.json(errorBody("forbidden", "Only supervisors and admins watch queues"), 403);
  const routing = await loadQueueRouting(c.env.DB, queue);
  if (!routing) return c.json(errorBody("not_found", "Queue not found"), 404);
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    return c.json(errorBody("upgrade_required", "Connect with a WebSocket upgrade"), 426);
  }
  const identity: AgentIdentity = { id: principal.userId, name: principal.displayName, capacity: 0 };
  const headers = new Headers({ Upgrade: "websocket", "X-Observer": "1", "X-Agent-Identity": encodeURIComponent(JSON.stringify(identity)), "X-Socket-Access": accessHeader });
  return c.env.QUEUE_OBJECT.getByName(queue).fetch("https://queue.internal/supervisor/ws", { headers });
});
