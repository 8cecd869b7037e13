import { createRoute, z } from "@hono/zod-openapi";
import { audited } from "../../db/audit";
import { listQueuesOfMember } from "../../db/queues";
import { deleteTokenByHash, findUserByEmail, getUser, insertToken, queuesWithSocketsOf } from "../../db/users";
import { unauthorized } from "../../errors";
import { hashPassword, randomToken, sha256Hex, verifyPassword } from "../../security/crypto";
import { closeSocketsOf } from "./access";
import { bearerToken } from "./auth";
import { roles } from "../../kinds/principal";
import { apiRoute, db, errors, jsonBody, jsonResponse, router, timestamp } from "./shared";
import { queueSchema, toQueueView, toUserView, userSchema } from "./views";

const TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const BAD_LOGIN = "Invalid email or password";

let timingHash: Promise<string> | undefined;
/** Checked when the email is unknown, so both failures take as long. */
const dummyHash = () => (timingHash ??= hashPassword(randomToken()));

const login = createRoute({
  method: "post",
  path: "/auth/login",
  tags: ["auth"],
  summary: "Exchange email and password for a bearer token",
  description: "Public. The token is shown once; it expires after 30 days.",
  security: [],
  "x-required-roles": ["public"],
  request: {
    body: jsonBody(
      z.strictObject({
        email: z.email().toLowerCase(),
        password: z.string().min(1).max(256),
      }),
    ),
  },
  responses: {
    200: jsonResponse(
      z.object({ token: z.string(), expiresAt: timestamp, user: userSchema }).openapi("LoginResult"),
      "Logged in",
    ),
    400: errors[400],
    401: errors[401],
  },
});

const logout = apiRoute(roles, {
  method: "post",
  path: "/auth/logout",
  tags: ["auth"],
  summary: "Revoke the bearer token of this request",
  description: "The sockets opened with this token close (code 4004); the user's other sessions stay.",
  responses: { 204: { description: "Revoked" } },
});

const me = apiRoute(roles, {
  method: "get",
  path: "/me",
  tags: ["auth"],
  summary: "The caller and the queues it is a member of",
  responses: {
    200: jsonResponse(z.object({ user: userSchema, queues: z.array(queueSchema) }).openapi("Me"), "The caller"),
  },
});

export function sessionRoutes() {
  const app = router();

  app.openapi(login, async (c) => {
    const { email, password } = c.req.valid("json");
    const d = db(c);
    const user = await findUserByEmail(d, email);
    const passwordOk = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user?.passwordHash || !user.active || !passwordOk) throw unauthorized(BAD_LOGIN);

    const token = randomToken();
    const now = Date.now();
    const expiresAt = now + TOKEN_TTL_MS;
    const tokenId = crypto.randomUUID();
    await audited(d, [insertToken(d, { id: tokenId, userId: user.id, tokenHash: await sha256Hex(token), label: "login", expiresAt })], { actorId: user.id, action: "auth.login", entityType: "user", entityId: user.id, details: { tokenId } });
    return c.json({ token, expiresAt, user: toUserView(user) }, 200);
  });

  app.openapi(logout, async (c) => {
    const d = db(c);
    const { userId, role } = c.var.auth;
    const token = bearerToken(c.req.header("authorization")) ?? "";
    const [deleted] = await audited(d, [deleteTokenByHash(d, await sha256Hex(token))], { actorId: userId, action: "auth.logout", entityType: "user", entityId: userId });
    const tokenId = deleted[0]?.id;
    if (tokenId) await closeSocketsOf(c.env, await queuesWithSocketsOf(d, userId, role !== "agent"), userId, { reason: "logged_out", tokenId });
    return c.body(null, 204);
  });

  app.openapi(me, async (c) => {
    const d = db(c);
    const user = await getUser(d, c.var.auth.userId);
    if (!user) throw unauthorized();
    const queues = await listQueuesOfMember(d, user.id);
    return c.json({ user: toUserView(user), queues: queues.map(toQueueView) }, 200);
  });

  return app;
}
