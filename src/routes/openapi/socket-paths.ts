import type { Operation, PathItem } from "./types";

const errorRef = { $ref: "#/components/schemas/Error" };
const error = (description: string) => ({ description, content: { "application/json": { schema: errorRef } } });

const closeCodes =
  "Close codes: 4000 idle (no frame or ping for 90 s), 4001 signed out of the queue by a supervisor, 4003 no longer a member of the queue, " +
  "4004 access ended (the token was revoked or expired, a new password, the user deactivated or deleted): do not reconnect automatically after 4001, 4003 or 4004.";

const queueParam = { name: "queue", in: "query", required: true, description: "The queue's id", schema: { type: "string", minLength: 1 } };
const accessTokenParam = {
  name: "access_token",
  in: "query",
  required: false,
  deprecated: true,
  description: "An API token in the URL: still accepted for existing clients, but URLs end up in logs. Use `ticket` (or the Authorization header) instead",
  schema: { type: "string" },
};
const upgradeHeader = { name: "Upgrade", in: "header", required: true, schema: { type: "string", enum: ["websocket"] } };

const socketSecurity: Record<string, string[]>[] = [{ socketTicket: [] }, { bearerAuth: [] }];

const refusals = {
  400: error("`validation_failed`: `queue` missing, a query parameter the socket does not take, or a ticket given together with a token"),
  401: error("`unauthorized`: no credential, or an unknown, expired or revoked token, or an unknown, used or expired ticket"),
  426: error("`upgrade_required`: a plain GET without the WebSocket upgrade"),
};

const agentSocket: Operation = {
  tags: ["sockets"],
  summary: "The agent's socket to a queue: offers, messages, replies",
  description:
    "Upgrades to a WebSocket carrying JSON frames: the protocol, every frame and the replay with `lastSeq` are in docs/agent-protocol.md. " +
    "Credentials, one of: a socket ticket (`?ticket=`, from POST /api/v1/auth/socket-ticket: single-use, 30 s; what browsers use), " +
    "the API token in the Authorization header, or the deprecated `?access_token=`. " +
    closeCodes,
  security: socketSecurity,
  parameters: [
    queueParam,
    { name: "lastSeq", in: "query", required: false, description: "The last `seq` the client saw: the frames after it are replayed", schema: { type: "integer", minimum: 0 } },
    accessTokenParam,
    upgradeHeader,
  ],
  responses: {
    101: { description: "Switching Protocols: the socket is open; the first frame is `hello`" },
    ...refusals,
    403: error("`forbidden`: the user is not an active member of the queue"),
  },
};

const supervisorSocket: Operation = {
  tags: ["sockets"],
  summary: "A supervisor or admin watching a queue live",
  description:
    "Upgrades to a WebSocket: the queue's state (agents, waiting tickets with ages, positions and estimates, offers in flight), spying on tickets, notes and figures; " +
    "the frames are in docs/agent-protocol.md. Credentials as for /agent/ws. " +
    closeCodes,
  security: socketSecurity,
  parameters: [queueParam, accessTokenParam, upgradeHeader],
  responses: {
    101: { description: "Switching Protocols: the socket is open and receives `queue.state`" },
    ...refusals,
    403: error("`forbidden`: agents do not watch queues"),
    404: error("`not_found`: no such queue"),
  },
};

export const socketTicketScheme = {
  type: "apiKey",
  in: "query",
  name: "ticket",
  description: "A socket ticket from POST /api/v1/auth/socket-ticket: opens one socket, once, within 30 s",
};

export function socketPaths(): Record<string, PathItem> {
  return { "/agent/ws": { get: agentSocket }, "/supervisor/ws": { get: supervisorSocket } };
}
