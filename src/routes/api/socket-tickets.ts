import { z } from "@hono/zod-openapi";
import { openDb } from "../../db/database";
import { insertSocketTicket, takeSocketTicket } from "../../db/socket-tickets";
import { unauthorized } from "../../errors";
import { roles } from "../../kinds/principal";
import { randomToken, sha256Hex } from "../../security/crypto";
import { bearerToken, type Session } from "./auth";
import { apiRoute, db, jsonResponse, router, timestamp } from "./shared";

export const SOCKET_TICKET_TTL_MS = 30_000;

export const socketTicketSchema = z
  .object({
    ticket: z.string().openapi({ description: "Pass as `?ticket=` on /agent/ws or /supervisor/ws; it opens one socket, once" }),
    expiresAt: timestamp.openapi({ description: "Epoch milliseconds; unused, the ticket is worthless after this" }),
  })
  .openapi("SocketTicket");

const issue = apiRoute(roles, {
  method: "post",
  path: "/auth/socket-ticket",
  tags: ["auth"],
  summary: "A single-use ticket to open a socket with, instead of the token in the URL",
  description:
    "A browser cannot set headers on a WebSocket, and a URL ends up in logs: rather than the long-lived token as " +
    "`?access_token=`, it asks for a ticket and opens `/agent/ws?queue=…&ticket=…` or `/supervisor/ws?queue=…&ticket=…` " +
    "within 30 seconds. The ticket is good for one upgrade of either socket, by the caller only: the socket's own " +
    "checks (role, membership) apply as they would to the token, and the socket closes (code 4004) when this " +
    "token is revoked or expires. Only its SHA-256 is stored; it is spent by the first request that presents it.",
  responses: { 200: jsonResponse(socketTicketSchema, "The ticket, shown once") },
});

export function socketTicketRoutes() {
  const app = router();

  app.openapi(issue, async (c) => {
    const ticket = randomToken();
    const expiresAt = Date.now() + SOCKET_TICKET_TTL_MS;
    const tokenHash = await sha256Hex(bearerToken(c.req.header("authorization")) ?? "");
    if (!(await insertSocketTicket(db(c), { ticketHash: await sha256Hex(ticket), tokenHash, expiresAt }))) throw unauthorized();
    return c.json({ ticket, expiresAt }, 200);
  });

  return app;
}

/**
 * Spends a ticket (one D1 round trip) and returns the session it was asked in, as a token's
 * `authenticateSession` would: null when it is unknown, already used or expired, or when its token
 * or user has lost access since. The socket keeps the token's id, so revoking it closes the socket.
 */
export async function redeemSocketTicket(d1: D1Database, ticket: string, now = Date.now()): Promise<Session | null> {
  const found = await takeSocketTicket(openDb(d1), await sha256Hex(ticket));
  if (!found || found.expiresAt <= now || !found.active) return null;
  if (found.tokenExpiresAt !== null && found.tokenExpiresAt <= now) return null;
  return { principal: { userId: found.userId, role: found.role, displayName: found.displayName }, tokenId: found.tokenId, expiresAt: found.tokenExpiresAt };
}
