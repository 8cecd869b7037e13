import { z } from "@hono/zod-openapi";
import { audited } from "../../db/audit";
import {
  deleteQueue,
  getQueue,
  insertQueue,
  isMember,
  listQueues,
  listQueuesOfMember,
  queueDependents,
  updateQueue,
} from "../../db/queues";
import { loadQueueRouting } from "../../db/account-lookup";
import { getUser } from "../../db/users";
import { resolveRoutingConfig, routingConfigSchema, routingMessageFields, type StoredRoutingConfig } from "../../domain/routing-config";
import { badRequest, conflict, notFound } from "../../errors";
import type { Principal } from "../../kinds/principal";
import type { Db } from "../../db/database";
import { apiRoute, db, errors, isUniqueViolation, jsonBody, jsonResponse, router, uuidParam } from "./shared";
import { checkTemplateRefs } from "./templates";
import { queueSchema, routingSchema, toQueueView } from "./views";

const name = z.string().trim().min(1).max(100);

/**
 * Every queue and agent an action plan names must exist (a plan may name its own queue: wait
 * here), and an agent step must name a member of the queue it applies in: an agent step keeps
 * the ticket where the steps before it took it (this queue when none did), and only that queue's
 * members are ever offered its tickets.
 */
async function checkPlanTargets(d: Db, routing: StoredRoutingConfig, selfId: string) {
  const plan = routing.actionPlan;
  const lists = [
    { steps: plan.steps, at: "routing.actionPlan.steps" },
    ...plan.timeRules.map((r, j) => ({ steps: r.steps, at: `routing.actionPlan.timeRules.${j}.steps` })),
  ];
  const missing: { path: string; message: string }[] = [];
  for (const { steps, at } of lists) {
    let here = selfId;
    let hereExists = true;
    for (const [i, s] of steps.entries()) {
      const path = `${at}.${i}.to`;
      if ("queueId" in s.to) {
        here = s.to.queueId;
        hereExists = here === selfId || (await getQueue(d, here)) !== undefined;
        if (!hereExists) missing.push({ path, message: `No queue ${here}` });
      } else if (!(await getUser(d, s.to.agentId))) {
        missing.push({ path, message: `No user ${s.to.agentId}` });
      } else if (hereExists && !(await isMember(d, here, s.to.agentId))) {
        missing.push({ path, message: `User ${s.to.agentId} is not a member of queue ${here}, where this step applies` });
      }
    }
  }
  if (missing.length > 0) throw badRequest("The action plan names destinations that do not exist or cannot take the ticket", missing);
}
const routingDoc = {
  description: "The whole routing configuration; omitted fields take their defaults",
};

const list = apiRoute(["admin", "supervisor", "agent"], {
  method: "get",
  path: "/queues",
  tags: ["queues"],
  summary: "List queues (agents: the queues they belong to)",
  responses: { 200: jsonResponse(z.object({ items: z.array(queueSchema) }), "Queues by name") },
});

const read = apiRoute(["admin", "supervisor", "agent"], {
  method: "get",
  path: "/queues/{id}",
  tags: ["queues"],
  summary: "Read a queue (agents: only a queue they belong to)",
  request: { params: uuidParam },
  responses: { 200: jsonResponse(queueSchema, "The queue"), 404: errors[404] },
});

const create = apiRoute(["admin"], {
  method: "post",
  path: "/queues",
  tags: ["queues"],
  summary: "Create a queue",
  request: {
    body: jsonBody(z.strictObject({ name, routing: routingSchema.optional().openapi(routingDoc) }).openapi("QueueCreate")),
  },
  responses: { 201: jsonResponse(queueSchema, "Created"), 409: errors[409] },
});

const update = apiRoute(["admin"], {
  method: "patch",
  path: "/queues/{id}",
  tags: ["queues"],
  summary: "Rename a queue or replace its routing configuration",
  request: {
    params: uuidParam,
    body: jsonBody(
      z.strictObject({ name: name.optional(), routing: routingSchema.optional().openapi(routingDoc) }).openapi("QueueUpdate"),
    ),
  },
  responses: { 200: jsonResponse(queueSchema, "Updated"), 404: errors[404], 409: errors[409] },
});

const remove = apiRoute(["admin"], {
  method: "delete",
  path: "/queues/{id}",
  tags: ["queues"],
  summary: "Delete a queue no account or ticket uses",
  request: { params: uuidParam },
  responses: { 204: { description: "Deleted" }, 404: errors[404], 409: errors[409] },
});

/** The queue if the caller may see it: agents only see queues they belong to. */
export async function visibleQueue(d: Db, auth: Principal, id: string) {
  const queue = await getQueue(d, id);
  if (!queue || (auth.role === "agent" && !(await isMember(d, id, auth.userId)))) throw notFound("Queue");
  return queue;
}

const nameTaken = (name: string) => conflict(`A queue named "${name}" already exists`, [{ path: "name", message: "Already taken" }]);

export function queueRoutes() {
  const app = router();

  app.openapi(list, async (c) => {
    const d = db(c);
    const { role, userId } = c.var.auth;
    const rows = role === "agent" ? await listQueuesOfMember(d, userId) : await listQueues(d);
    return c.json({ items: rows.map(toQueueView) }, 200);
  });

  app.openapi(read, async (c) => {
    const queue = await visibleQueue(db(c), c.var.auth, c.req.valid("param").id);
    return c.json(toQueueView(queue), 200);
  });

  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    const d = db(c);
    const routing: StoredRoutingConfig = body.routing ?? routingConfigSchema.parse({});
    const id = crypto.randomUUID();
    await checkPlanTargets(d, routing, id);
    const bodies = await checkTemplateRefs(d, routing, routingMessageFields, "routing");
    const [rows] = await audited(d, [insertQueue(d, { id, name: body.name, routing })], {
          actorId: c.var.auth.userId,
          action: "queue.create",
          entityType: "queue",
          entityId: id,
          details: { name: body.name, routing },
        })
      .catch((err) => {
        throw isUniqueViolation(err, "queues.name") ? nameTaken(body.name) : err;
      });
    await c.env.QUEUE_OBJECT.getByName(id).configure(resolveRoutingConfig(routing, bodies));
    return c.json(toQueueView(rows[0]!), 201);
  });

  app.openapi(update, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    if (body.name === undefined && body.routing === undefined) throw badRequest("Nothing to update");
    const d = db(c);
    if (!(await getQueue(d, id))) throw notFound("Queue");
    if (body.routing) await checkPlanTargets(d, body.routing, id);
    const bodies = body.routing ? await checkTemplateRefs(d, body.routing, routingMessageFields, "routing") : undefined;
    const [rows] = await audited(d, [updateQueue(d, id, { ...body, updatedAt: Date.now() })], { actorId: c.var.auth.userId, action: "queue.update", entityType: "queue", entityId: id, details: body })
      .catch((err) => {
        throw isUniqueViolation(err, "queues.name") ? nameTaken(body.name ?? "") : err;
      });
    const queue = toQueueView(rows[0]!);
    const running = bodies ? resolveRoutingConfig(queue.routing, bodies) : await loadQueueRouting(c.env.DB, id);
    if (running) await c.env.QUEUE_OBJECT.getByName(id).configure(running);
    return c.json(queue, 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    const d = db(c);
    const queue = await getQueue(d, id);
    if (!queue) throw notFound("Queue");
    const deps = await queueDependents(d, id);
    if (deps.accounts.length > 0) {
      throw conflict("Accounts still route to this queue; move or delete them first", { accounts: deps.accounts });
    }
    if (deps.tickets > 0) throw conflict(`${deps.tickets} tickets belong to this queue; it cannot be deleted`);
    await audited(d, [deleteQueue(d, id)], { actorId: c.var.auth.userId, action: "queue.delete", entityType: "queue", entityId: id, details: { name: queue.name } });
    return c.body(null, 204);
  });

  return app;
}
