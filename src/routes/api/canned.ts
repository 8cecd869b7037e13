import { z } from "@hono/zod-openapi";
import { accountExists } from "../../db/accounts";
import { audited } from "../../db/audit";
import { cannedVariables, deleteCanned, getCanned, insertCanned, isVisibleTo, listCanned, updateCanned, type CannedRow } from "../../db/canned";
import { templateSchema } from "../../domain/templates";
import { badRequest, conflict, notFound } from "../../errors";
import type { Principal } from "../../kinds/principal";
import type { Db } from "../../db/database";
import { apiRoute, db, errors, isUniqueViolation, jsonBody, jsonResponse, router, timestamp, uuidParam } from "./shared";

const scope = z
  .string()
  .min(1)
  .max(64)
  .openapi({ description: '"global" (every account) or the id of the account the answer belongs to' });
const shortcut = z
  .string()
  .regex(/^[a-z0-9_-]{1,32}$/, "Expected 1–32 characters of a–z, 0–9, _ and -")
  .openapi({ description: "What agents type to use it (the reply frame's `canned`)", example: "iade" });
const body = templateSchema(cannedVariables).openapi({
  description: `A template: ${cannedVariables.map((v) => `{{${v}}}`).join(", ")} are filled in when an agent sends it`,
  example: "Merhaba {{contact.firstName}}, iade talebiniz alındı 📦",
});

const cannedSchema = z
  .object({ id: z.string(), scope: z.string(), shortcut: z.string(), body: z.string(), createdAt: timestamp, updatedAt: timestamp })
  .openapi("CannedAnswer");

const toView = (r: CannedRow) => ({ id: r.id, scope: r.scope, shortcut: r.shortcut, body: r.body, createdAt: r.createdAt, updatedAt: r.updatedAt });

const list = apiRoute(["admin", "supervisor", "agent"], {
  method: "get",
  path: "/canned-answers",
  tags: ["canned answers"],
  summary: "List canned answers by shortcut (agents: the global ones and those of accounts of their queues)",
  request: {
    query: z.object({
      scope: scope.optional(),
      accountId: z.string().min(1).max(64).optional().openapi({ description: "Answers usable on this account: its own and the global ones" }),
    }),
  },
  responses: { 200: jsonResponse(z.object({ items: z.array(cannedSchema) }), "Canned answers") },
});

const read = apiRoute(["admin", "supervisor", "agent"], {
  method: "get",
  path: "/canned-answers/{id}",
  tags: ["canned answers"],
  summary: "Read a canned answer",
  request: { params: uuidParam },
  responses: { 200: jsonResponse(cannedSchema, "The canned answer"), 404: errors[404] },
});

const create = apiRoute(["admin", "supervisor"], {
  method: "post",
  path: "/canned-answers",
  tags: ["canned answers"],
  summary: "Create a canned answer",
  request: { body: jsonBody(z.strictObject({ scope, shortcut, body }).openapi("CannedAnswerCreate")) },
  responses: { 201: jsonResponse(cannedSchema, "Created"), 409: errors[409] },
});

const update = apiRoute(["admin", "supervisor"], {
  method: "patch",
  path: "/canned-answers/{id}",
  tags: ["canned answers"],
  summary: "Change a canned answer's scope, shortcut or body",
  request: {
    params: uuidParam,
    body: jsonBody(z.strictObject({ scope: scope.optional(), shortcut: shortcut.optional(), body: body.optional() }).openapi("CannedAnswerUpdate")),
  },
  responses: { 200: jsonResponse(cannedSchema, "Updated"), 404: errors[404], 409: errors[409] },
});

const remove = apiRoute(["admin", "supervisor"], {
  method: "delete",
  path: "/canned-answers/{id}",
  tags: ["canned answers"],
  summary: "Delete a canned answer",
  request: { params: uuidParam },
  responses: { 204: { description: "Deleted" }, 404: errors[404] },
});

async function checkScope(d: Db, value: string) {
  if (value === "global") return;
  if (!(await accountExists(d, value))) throw badRequest("No account with this id", [{ path: "scope", message: 'Expected "global" or the id of an account' }]);
}

const taken = (s: { scope: string; shortcut: string }) =>
  conflict(`The shortcut "${s.shortcut}" is already used in ${s.scope === "global" ? "the global answers" : "this account's answers"}`, [
    { path: "shortcut", message: "Already taken in this scope" },
  ]);

async function visible(d: Db, auth: Principal, id: string): Promise<CannedRow> {
  const row = await getCanned(d, id);
  if (!row || (auth.role === "agent" && !(await isVisibleTo(d, row, auth.userId)))) throw notFound("Canned answer");
  return row;
}

export function cannedRoutes() {
  const app = router();

  app.openapi(list, async (c) => {
    const { scope, accountId } = c.req.valid("query");
    const { role, userId } = c.var.auth;
    const rows = await listCanned(db(c), { scope, accountId, visibleTo: role === "agent" ? userId : undefined });
    return c.json({ items: rows.map(toView) }, 200);
  });

  app.openapi(read, async (c) => c.json(toView(await visible(db(c), c.var.auth, c.req.valid("param").id)), 200));

  app.openapi(create, async (c) => {
    const input = c.req.valid("json");
    const d = db(c);
    await checkScope(d, input.scope);
    const id = crypto.randomUUID();
    const [rows] = await audited(d, [insertCanned(d, { id, ...input })], { actorId: c.var.auth.userId, action: "canned.create", entityType: "canned_answer", entityId: id, details: input })
      .catch((err) => {
        throw isUniqueViolation(err, "canned_answers.scope") ? taken(input) : err;
      });
    return c.json(toView(rows[0]!), 201);
  });

  app.openapi(update, async (c) => {
    const { id } = c.req.valid("param");
    const patch = c.req.valid("json");
    if (Object.keys(patch).length === 0) throw badRequest("Nothing to update");
    const d = db(c);
    const current = await getCanned(d, id);
    if (!current) throw notFound("Canned answer");
    if (patch.scope !== undefined) await checkScope(d, patch.scope);
    const [rows] = await audited(d, [updateCanned(d, id, { ...patch, updatedAt: Date.now() })], { actorId: c.var.auth.userId, action: "canned.update", entityType: "canned_answer", entityId: id, details: patch })
      .catch((err) => {
        throw isUniqueViolation(err, "canned_answers.scope") ? taken({ ...current, ...patch }) : err;
      });
    return c.json(toView(rows[0]!), 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    const d = db(c);
    const current = await getCanned(d, id);
    if (!current) throw notFound("Canned answer");
    await audited(d, [deleteCanned(d, id)], { actorId: c.var.auth.userId, action: "canned.delete", entityType: "canned_answer", entityId: id, details: { scope: current.scope, shortcut: current.shortcut } });
    return c.body(null, 204);
  });

  return app;
}
