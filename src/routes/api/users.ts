import { z } from "@hono/zod-openapi";
import { audited } from "../../db/audit";
import { listMembershipsOfUser } from "../../db/queues";
import { deleteTokensOfUser, deleteUser, getUser, insertUser, listUsers, queuesWithSocketsOf, updateUser, type UserPatch } from "../../db/users";
import { badRequest, conflict, notFound } from "../../errors";
import { hashPassword } from "../../security/crypto";
import { closeSocketsOf } from "./access";
import { roles } from "../../kinds/principal";
import { apiRoute, db, errors, isUniqueViolation, jsonBody, jsonResponse, router, timestamp, uuidParam } from "./shared";
import { toUserView, userSchema } from "./views";

const fields = {
  email: z.email().toLowerCase().max(254),
  displayName: z.string().trim().min(1).max(100),
  role: z.enum(roles),
  capacity: z.number().int().min(1).max(50).openapi({ description: "Tickets the user may hold at once (1–50)" }),
  password: z.string().min(8).max(256).openapi({ description: "Write-only; stored as a PBKDF2 hash" }),
  active: z.boolean().openapi({ description: "Inactive users cannot log in; their tokens stop working and their open sockets close (code 4004)" }),
};

const createBody = z
  .strictObject({
    ...fields,
    capacity: fields.capacity.default(3),
    password: fields.password.optional(),
    active: fields.active.default(true),
  })
  .openapi("UserCreate");

const updateBody = z
  .strictObject({
    email: fields.email.optional(),
    displayName: fields.displayName.optional(),
    role: fields.role.optional(),
    capacity: fields.capacity.optional(),
    password: fields.password.optional(),
    active: fields.active.optional(),
  })
  .openapi("UserUpdate");

const readers = ["admin", "supervisor"] as const;

const list = apiRoute(readers, {
  method: "get",
  path: "/users",
  tags: ["users"],
  summary: "List users",
  responses: { 200: jsonResponse(z.object({ items: z.array(userSchema) }), "Users by email") },
});

const read = apiRoute(readers, {
  method: "get",
  path: "/users/{id}",
  tags: ["users"],
  summary: "Read a user",
  request: { params: uuidParam },
  responses: { 200: jsonResponse(userSchema, "The user"), 404: errors[404] },
});

const create = apiRoute(["admin"], {
  method: "post",
  path: "/users",
  tags: ["users"],
  summary: "Create a user",
  request: { body: jsonBody(createBody) },
  responses: { 201: jsonResponse(userSchema, "Created"), 409: errors[409] },
});

const update = apiRoute(["admin"], {
  method: "patch",
  path: "/users/{id}",
  tags: ["users"],
  summary: "Change a user; a new password replaces the old one",
  description: "A new password or `active: false` revokes every token of the user and closes their open sockets (code 4004); a deactivated user's tickets go back to their queues.",
  request: { params: uuidParam, body: jsonBody(updateBody) },
  responses: { 200: jsonResponse(userSchema, "Updated"), 404: errors[404], 409: errors[409] },
});

const remove = apiRoute(["admin"], {
  method: "delete",
  path: "/users/{id}",
  tags: ["users"],
  summary: "Delete a user, their tokens and memberships",
  description: "Their open sockets close (code 4004) and their tickets go back to their queues.",
  request: { params: uuidParam },
  responses: { 204: { description: "Deleted" }, 404: errors[404], 409: errors[409] },
});

const memberships = apiRoute(readers, {
  method: "get",
  path: "/users/{id}/queues",
  tags: ["users"],
  summary: "The queues a user belongs to, with their percentage weight in each (change them with PUT /queues/{id}/members/{userId})",
  request: { params: uuidParam },
  responses: {
    200: jsonResponse(
      z.object({
        items: z.array(
          z
            .object({ queueId: z.string(), queueName: z.string(), weight: z.number().int(), addedAt: timestamp })
            .openapi("UserMembership"),
        ),
      }),
      "Memberships by queue name",
    ),
    404: errors[404],
  },
});

const emailTaken = (email: string) =>
  conflict(`A user with email ${email} already exists`, [{ path: "email", message: "Already taken" }]);

/** What an audit row may say about a user change: never the password. */
function auditDetails(body: { password?: string } & Record<string, unknown>) {
  const { password, ...rest } = body;
  return password === undefined ? rest : { ...rest, passwordChanged: true };
}

export function userRoutes() {
  const app = router();

  app.openapi(list, async (c) => c.json({ items: (await listUsers(db(c))).map(toUserView) }, 200));

  app.openapi(read, async (c) => {
    const user = await getUser(db(c), c.req.valid("param").id);
    if (!user) throw notFound("User");
    return c.json(toUserView(user), 200);
  });

  app.openapi(memberships, async (c) => {
    const { id } = c.req.valid("param");
    const d = db(c);
    if (!(await getUser(d, id))) throw notFound("User");
    return c.json({ items: await listMembershipsOfUser(d, id) }, 200);
  });

  app.openapi(create, async (c) => {
    const { password, ...body } = c.req.valid("json");
    const d = db(c);
    const id = crypto.randomUUID();
    const passwordHash = password === undefined ? null : await hashPassword(password);
    const [rows] = await audited(d, [insertUser(d, { id, ...body, passwordHash })], {
          actorId: c.var.auth.userId,
          action: "user.create",
          entityType: "user",
          entityId: id,
          details: auditDetails({ ...body, password }),
        })
      .catch((err) => {
        throw isUniqueViolation(err, "users.email") ? emailTaken(body.email) : err;
      });
    return c.json(toUserView(rows[0]!), 201);
  });

  app.openapi(update, async (c) => {
    const { id } = c.req.valid("param");
    const { password, ...body } = c.req.valid("json");
    if (Object.keys(body).length === 0 && password === undefined) throw badRequest("Nothing to update");
    const self = id === c.var.auth.userId;
    if (self && ((body.role !== undefined && body.role !== "admin") || body.active === false)) {
      throw conflict("You cannot remove your own admin access");
    }
    const d = db(c);
    const before = await getUser(d, id);
    if (!before) throw notFound("User");
    const patch: UserPatch = { ...body, updatedAt: Date.now() };
    if (password !== undefined) patch.passwordHash = await hashPassword(password);
    // A new password or a deactivation ends every session the user had, sockets included.
    const revokeSessions = password !== undefined || body.active === false;
    const watched = revokeSessions ? await queuesWithSocketsOf(d, id, before.role !== "agent" || (body.role ?? before.role) !== "agent") : [];
    const [rows] = await audited(d, [updateUser(d, id, patch), ...(revokeSessions ? [deleteTokensOfUser(d, id)] : [])], {
          actorId: c.var.auth.userId,
          action: "user.update",
          entityType: "user",
          entityId: id,
          details: auditDetails({ ...body, password }),
        })
      .catch((err) => {
        throw isUniqueViolation(err, "users.email") ? emailTaken(body.email ?? "") : err;
      });
    if (revokeSessions) await closeSocketsOf(c.env, watched, id, { reason: body.active === false ? "deactivated" : "password_changed" });
    return c.json(toUserView(rows[0]!), 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    if (id === c.var.auth.userId) throw conflict("You cannot delete yourself");
    const d = db(c);
    const user = await getUser(d, id);
    if (!user) throw notFound("User");
    // Read before the deletion takes the memberships with it.
    const watched = await queuesWithSocketsOf(d, id, user.role !== "agent");
    await audited(d, [deleteUser(d, id)], {
        actorId: c.var.auth.userId,
        action: "user.delete",
        entityType: "user",
        entityId: id,
        details: { email: user.email },
      });
    await closeSocketsOf(c.env, watched, id, { reason: "deleted" });
    return c.body(null, 204);
  });

  return app;
}
