import { z } from "@hono/zod-openapi";
import { getAccount } from "../../db/accounts";
import { auditInsert, audited } from "../../db/audit";
import { deleteMember, getMember, getQueue, insertMember, isMember, listMembers, setMemberWeight } from "../../db/queues";
import { getUser, queuesWithSocketsOf, usersByIds } from "../../db/users";
import type { Db } from "../../db/database";
import { routingConfigSchema } from "../../domain/routing-config";
import { ApiError, notFound } from "../../errors";
import type { Env } from "../../env";
import { roles } from "../../kinds/principal";
import { apiRoute, db, errors, jsonBody, jsonResponse, router, timestamp, uuidParam } from "./shared";

const memberSchema = z
  .object({
    userId: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(roles),
    active: z.boolean(),
    weight: z.number().int().openapi({ description: "Share of the queue's tickets under the percentage strategy" }),
    addedAt: timestamp,
  })
  .openapi("Member");

const memberParams = z.object({ id: z.string().min(1).max(64), userId: z.string().min(1).max(64) });
const managers = ["admin", "supervisor"] as const;

const list = apiRoute(managers, {
  method: "get",
  path: "/queues/{id}/members",
  tags: ["members"],
  summary: "List a queue's members",
  request: { params: uuidParam },
  responses: { 200: jsonResponse(z.object({ items: z.array(memberSchema) }), "Members by email"), 404: errors[404] },
});

const colleagueSchema = z.object({ userId: z.string(), displayName: z.string() }).openapi("Colleague");

const colleagues = apiRoute(roles, {
  method: "get",
  path: "/queues/{id}/colleagues",
  tags: ["members"],
  summary: "The queue's active members by name, without emails: whom an agent of the queue may transfer a ticket to",
  request: { params: uuidParam },
  responses: { 200: jsonResponse(z.object({ items: z.array(colleagueSchema) }), "The active members"), 404: errors[404] },
});

const add = apiRoute(managers, {
  method: "put",
  path: "/queues/{id}/members/{userId}",
  tags: ["members"],
  summary: "Make a user a member of a queue (idempotent); optionally set their percentage weight",
  request: {
    params: memberParams,
    body: {
      required: false,
      content: { "application/json": { schema: z.object({ weight: z.number().int().min(0).max(100).optional() }).strict().openapi("MemberSettings") } },
    },
  },
  responses: { 200: jsonResponse(memberSchema, "The membership"), 404: errors[404] },
});

const remove = apiRoute(managers, {
  method: "delete",
  path: "/queues/{id}/members/{userId}",
  tags: ["members"],
  summary: "Remove a user from a queue",
  request: { params: memberParams },
  responses: { 204: { description: "Removed" }, 404: errors[404] },
});

const myQueueParams = z.object({ id: z.string().min(1).max(64) });

const join = apiRoute(roles, {
  method: "put",
  path: "/me/queues/{id}",
  tags: ["members"],
  summary: "Join a queue yourself (only where the queue's Agent Management Access and agentsMayJoin are on)",
  request: { params: myQueueParams },
  responses: { 200: jsonResponse(memberSchema, "Your membership"), 403: errors[403], 404: errors[404] },
});

const leave = apiRoute(roles, {
  method: "delete",
  path: "/me/queues/{id}",
  tags: ["members"],
  summary: "Leave a queue yourself (only where the queue's Agent Management Access is on); your tickets there go to others",
  request: { params: myQueueParams },
  responses: { 204: { description: "Left" }, 403: errors[403], 404: errors[404] },
});

const agentSchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    email: z.string(),
    role: z.enum(roles),
    active: z.boolean(),
    weight: z.number().int().openapi({ description: "Share of the queue's tickets under the percentage strategy" }),
    addedAt: timestamp,
  })
  .openapi("AccountAgent");

const accountAgents = apiRoute(managers, {
  method: "get",
  path: "/accounts/{id}/agents",
  tags: ["members"],
  summary: "The agents who work an account: the members of its queue",
  request: { params: uuidParam },
  responses: { 200: jsonResponse(z.object({ queueId: z.string(), items: z.array(agentSchema) }), "Members of the account's queue by email"), 404: errors[404] },
});

const addAccountAgents = apiRoute(managers, {
  method: "post",
  path: "/accounts/{id}/agents",
  tags: ["members"],
  summary: "Make users agents of an account: they join its queue (as PUT /queues/{id}/members/{userId} does, audited the same); those already members stay as they are",
  request: {
    params: uuidParam,
    body: jsonBody(
      z
        .strictObject({ userIds: z.array(z.string().min(1).max(64)).min(1).max(100).openapi({ example: ["5f0c2a1e-7f3b-4d8e-9a61-2b7c9d4e1f00"] }) })
        .openapi("AccountAgentsAdd"),
    ),
  },
  responses: { 200: jsonResponse(z.object({ queueId: z.string(), items: z.array(agentSchema) }), "The account's agents now"), 404: errors[404] },
});

const removeAccountAgent = apiRoute(managers, {
  method: "delete",
  path: "/accounts/{id}/agents/{userId}",
  tags: ["members"],
  summary: "Take an agent off an account: they leave its queue (as DELETE /queues/{id}/members/{userId})",
  request: { params: memberParams },
  responses: { 204: { description: "Removed" }, 404: errors[404] },
});

const toAgent = ({ userId, ...m }: Awaited<ReturnType<typeof listMembers>>[number]) => ({ id: userId, ...m });

async function accountQueue(d: Db, accountId: string) {
  const account = await getAccount(d, accountId);
  if (!account) throw notFound("Account");
  return account.queueId;
}

const selfServiceRefused = () => new ApiError(403, "not_allowed", "In this queue agents do not manage their own membership");

/** A member taken off a queue is signed out of it: their sockets there close and their tickets go to others. */
async function signOutOfQueue(env: Env, queueId: string, userId: string) {
  await env.QUEUE_OBJECT.getByName(queueId).memberRemoved(userId);
}

/** A user who joined a queue: the queues they were in already count their slots across queues from now on (capacity.ts). */
async function joinedQueue(env: Env, d: Db, queueId: string, userId: string) {
  const others = (await queuesWithSocketsOf(d, userId, false)).filter((q) => q !== queueId);
  const results = await Promise.allSettled(others.map((q) => env.QUEUE_OBJECT.getByName(q).memberJoinedElsewhere(userId)));
  results.forEach((r, i) => {
    if (r.status === "rejected") console.error("could not tell a queue its member joined another", { queueId: others[i], userId }, r.reason);
  });
}

export function memberRoutes() {
  const app = router();

  app.openapi(accountAgents, async (c) => {
    const d = db(c);
    const queueId = await accountQueue(d, c.req.valid("param").id);
    return c.json({ queueId, items: (await listMembers(d, queueId)).map(toAgent) }, 200);
  });

  app.openapi(addAccountAgents, async (c) => {
    const d = db(c);
    const queueId = await accountQueue(d, c.req.valid("param").id);
    const userIds = [...new Set(c.req.valid("json").userIds)];
    const found = await usersByIds(d, userIds);
    const missing = c.req.valid("json").userIds.flatMap((u, i) => (found.has(u) ? [] : [{ path: `userIds.${i}`, message: `No user ${u}` }]));
    if (missing.length > 0) throw new ApiError(400, "validation_failed", "The request does not match the schema", missing);
    const members = new Set((await listMembers(d, queueId)).map((m) => m.userId));
    const joining = userIds.filter((u) => !members.has(u));
    const [first, ...rest] = joining.flatMap((userId) => [
      insertMember(d, queueId, userId).onConflictDoNothing(),
      auditInsert(d, { actorId: c.var.auth.userId, action: "member.add", entityType: "queue", entityId: queueId, details: { userId } }),
    ]);
    if (first) await d.batch([first, ...rest]);
    for (const userId of joining) await joinedQueue(c.env, d, queueId, userId);
    return c.json({ queueId, items: (await listMembers(d, queueId)).map(toAgent) }, 200);
  });

  app.openapi(removeAccountAgent, async (c) => {
    const { id, userId } = c.req.valid("param");
    const d = db(c);
    const queueId = await accountQueue(d, id);
    if (!(await isMember(d, queueId, userId))) throw notFound("Membership");
    await audited(d, [deleteMember(d, queueId, userId)], { actorId: c.var.auth.userId, action: "member.remove", entityType: "queue", entityId: queueId, details: { userId } });
    await signOutOfQueue(c.env, queueId, userId);
    return c.body(null, 204);
  });

  app.openapi(list, async (c) => {
    const { id } = c.req.valid("param");
    const d = db(c);
    if (!(await getQueue(d, id))) throw notFound("Queue");
    return c.json({ items: await listMembers(d, id) }, 200);
  });

  app.openapi(colleagues, async (c) => {
    const { id } = c.req.valid("param");
    const d = db(c);
    const auth = c.var.auth;
    if (!(await getQueue(d, id)) || (auth.role === "agent" && !(await isMember(d, id, auth.userId)))) throw notFound("Queue");
    const items = (await listMembers(d, id)).filter((m) => m.active).map((m) => ({ userId: m.userId, displayName: m.displayName }));
    return c.json({ items }, 200);
  });

  app.openapi(add, async (c) => {
    const { id, userId } = c.req.valid("param");
    const { weight } = (c.req.valid("json") as { weight?: number } | undefined) ?? {};
    const d = db(c);
    const [queue, user] = await Promise.all([getQueue(d, id), getUser(d, userId)]);
    if (!queue) throw notFound("Queue");
    if (!user) throw notFound("User");
    if (!(await isMember(d, id, userId))) {
      await audited(d, [insertMember(d, id, userId, weight).onConflictDoNothing()], {
          actorId: c.var.auth.userId,
          action: "member.add",
          entityType: "queue",
          entityId: id,
          details: { userId, weight },
        });
      await joinedQueue(c.env, d, id, userId);
    } else if (weight !== undefined) {
      await audited(d, [setMemberWeight(d, id, userId, weight)], { actorId: c.var.auth.userId, action: "member.update", entityType: "queue", entityId: id, details: { userId, weight } });
    }
    const member = await getMember(d, id, userId);
    if (!member) throw notFound("Membership");
    return c.json(member, 200);
  });

  app.openapi(remove, async (c) => {
    const { id, userId } = c.req.valid("param");
    const d = db(c);
    if (!(await isMember(d, id, userId))) throw notFound("Membership");
    await audited(d, [deleteMember(d, id, userId)], { actorId: c.var.auth.userId, action: "member.remove", entityType: "queue", entityId: id, details: { userId } });
    await signOutOfQueue(c.env, id, userId);
    return c.body(null, 204);
  });

  app.openapi(join, async (c) => {
    const { id } = c.req.valid("param");
    const { userId } = c.var.auth;
    const d = db(c);
    const queue = await getQueue(d, id);
    if (!queue) throw notFound("Queue");
    const routing = routingConfigSchema.parse(queue.routing);
    if (!routing.agentManagementAccess || !routing.agentsMayJoin) throw selfServiceRefused();
    if (!(await isMember(d, id, userId))) {
      await audited(d, [insertMember(d, id, userId).onConflictDoNothing()], { actorId: userId, action: "member.join", entityType: "queue", entityId: id, details: { userId } });
      await joinedQueue(c.env, d, id, userId);
    }
    return c.json((await getMember(d, id, userId))!, 200);
  });

  app.openapi(leave, async (c) => {
    const { id } = c.req.valid("param");
    const { userId } = c.var.auth;
    const d = db(c);
    const queue = await getQueue(d, id);
    if (!queue || !(await isMember(d, id, userId))) throw notFound("Membership");
    if (!routingConfigSchema.parse(queue.routing).agentManagementAccess) throw selfServiceRefused();
    await audited(d, [deleteMember(d, id, userId)], { actorId: userId, action: "member.leave", entityType: "queue", entityId: id, details: { userId } });
    await signOutOfQueue(c.env, id, userId);
    return c.body(null, 204);
  });

  return app;
}
