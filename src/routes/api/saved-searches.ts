// Saved searches: CRUD under /saved-searches (docs/interactions.md#saved-searches).
import { z } from "@hono/zod-openapi";
import { createSavedSearch, deleteSavedSearch, getSavedSearch, listSavedSearches, updateSavedSearch, type SavedSearch } from "../../db/saved-searches";
import type { ConditionInput } from "../../domain/search-conditions";
import { ApiError, notFound } from "../../errors";
import { roles, type Principal } from "../../kinds/principal";
import { apiRoute, errors, jsonBody, jsonResponse, router, timestamp, uuidParam } from "./shared";
import { checkedSearch, searchBodySchema } from "./ticket-finding";

const savedSearchSchema = z
  .object({
    id: z.string(),
    ownerId: z.string(),
    name: z.string(),
    match: z.enum(["all", "any"]),
    conditions: searchBodySchema.shape.conditions,
    shared: z.boolean().openapi({ description: "Listed to every user; only supervisors and admins share" }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .openapi("SavedSearch");

const name = z.string().trim().min(1).max(100);
const shared = z.boolean().openapi({ description: "Share with every user (supervisors and admins only)" });

const createBody = z
  .strictObject({ name, match: searchBodySchema.shape.match, conditions: searchBodySchema.shape.conditions, shared: shared.default(false) })
  .openapi("SavedSearchCreate");
const updateBody = z
  .strictObject({ name: name.optional(), match: z.enum(["all", "any"]).optional(), conditions: searchBodySchema.shape.conditions.optional(), shared: shared.optional() })
  .openapi("SavedSearchUpdate");

const list = apiRoute(roles, {
  method: "get",
  path: "/saved-searches",
  tags: ["saved searches"],
  summary: "The caller's saved searches and every shared one, by name",
  responses: { 200: jsonResponse(z.object({ items: z.array(savedSearchSchema) }), "Saved searches") },
});

const read = apiRoute(roles, {
  method: "get",
  path: "/saved-searches/{id}",
  tags: ["saved searches"],
  summary: "One of the caller's saved searches, or a shared one",
  request: { params: uuidParam },
  responses: { 200: jsonResponse(savedSearchSchema, "The saved search"), 404: errors[404] },
});

const create = apiRoute(roles, {
  method: "post",
  path: "/saved-searches",
  tags: ["saved searches"],
  summary: "Save a search (its conditions are checked as POST /tickets/search checks them)",
  request: { body: jsonBody(createBody) },
  responses: { 201: jsonResponse(savedSearchSchema, "The saved search"), 403: errors[403] },
});

const update = apiRoute(roles, {
  method: "patch",
  path: "/saved-searches/{id}",
  tags: ["saved searches"],
  summary: "Change a saved search (its owner; an admin also a shared one)",
  request: { params: uuidParam, body: jsonBody(updateBody) },
  responses: { 200: jsonResponse(savedSearchSchema, "The saved search"), 403: errors[403], 404: errors[404] },
});

const remove = apiRoute(roles, {
  method: "delete",
  path: "/saved-searches/{id}",
  tags: ["saved searches"],
  summary: "Delete a saved search (its owner; an admin also a shared one)",
  request: { params: uuidParam },
  responses: { 204: { description: "Deleted" }, 403: errors[403], 404: errors[404] },
});

/** The body's conditions as stored: the search's schema parsed them already (fields and operators are known). */
const checkedInput = (conditions: unknown[]) => conditions as ConditionInput[];

const mayShare = (auth: Principal) => auth.role !== "agent";

function refuseSharing(auth: Principal) {
  if (!mayShare(auth)) throw new ApiError(403, "forbidden", "Only supervisors and admins share searches");
}

/** The search if the caller sees it (theirs or shared), else 404. */
async function visible(d1: D1Database, auth: Principal, id: string): Promise<SavedSearch> {
  const s = await getSavedSearch(d1, id);
  if (!s || (s.ownerId !== auth.userId && !s.shared)) throw notFound("Saved search");
  return s;
}

/** Its owner changes it; an admin also a shared one; anyone else who sees it gets 403. */
async function changeable(d1: D1Database, auth: Principal, id: string): Promise<SavedSearch> {
  const s = await visible(d1, auth, id);
  if (s.ownerId !== auth.userId && auth.role !== "admin") throw new ApiError(403, "forbidden", "Only its owner or an admin changes a shared search");
  return s;
}

export function savedSearchRoutes() {
  const app = router();

  app.openapi(list, async (c) => c.json({ items: await listSavedSearches(c.env.DB, c.var.auth.userId) }, 200));

  app.openapi(read, async (c) => c.json(await visible(c.env.DB, c.var.auth, c.req.valid("param").id), 200));

  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    if (body.shared) refuseSharing(c.var.auth);
    checkedSearch({ match: body.match, conditions: body.conditions });
    const saved = await createSavedSearch(c.env.DB, c.var.auth.userId, { ...body, match: body.match, conditions: checkedInput(body.conditions) });
    return c.json(saved, 201);
  });

  app.openapi(update, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const current = await changeable(c.env.DB, c.var.auth, id);
    if (body.shared) refuseSharing(c.var.auth);
    checkedSearch({ match: body.match ?? current.match, conditions: body.conditions ?? current.conditions });
    const saved = await updateSavedSearch(c.env.DB, id, { ...body, conditions: body.conditions && checkedInput(body.conditions) });
    if (!saved) throw notFound("Saved search");
    return c.json(saved, 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    await changeable(c.env.DB, c.var.auth, id);
    if (!(await deleteSavedSearch(c.env.DB, id))) throw notFound("Saved search");
    return c.body(null, 204);
  });

  return app;
}
