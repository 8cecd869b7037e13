// Deleting tickets and erasing contacts: D1 first, then every queue object lets go of the tickets.
import { z } from "@hono/zod-openapi";
import { eraseContact, erasableContact, erasableTickets, eraseTickets, type ErasableTicket } from "../../db/erasure";
import { listQueues } from "../../db/queues";
import { ApiError, notFound } from "../../errors";
import type { Env } from "../../env";
import type { Principal } from "../../kinds/principal";
import { openDb } from "../../db/database";
import { apiRoute, db, errors, jsonBody, jsonResponse, router } from "./shared";

/** The most tickets one bulk deletion takes. */
export const DELETE_MAX_IDS = 100;

const erasers = ["admin", "supervisor"] as const;

const deletedSchema = z
  .object({
    deleted: z.array(z.number().int()).openapi({ description: "The ticket ids erased" }),
    notFound: z.array(z.number().int()).openapi({ description: "Ids asked for that name no ticket" }),
  })
  .openapi("TicketsDeleted");

const forbiddenNote = "Supervisors only where the ticket's account sets `supervisorsMayDelete` (docs/conversations.md)";

const deleteOne = apiRoute(erasers, {
  method: "delete",
  path: "/tickets/{id}",
  tags: ["tickets"],
  summary: "Erase a ticket: its messages, revisions, translations, attachment metadata and read marks (admins; supervisors where the account allows)",
  description: forbiddenNote,
  request: { params: z.object({ id: z.coerce.number().int().positive() }) },
  responses: { 200: jsonResponse(deletedSchema, "Erased"), 404: errors[404] },
});

const deleteMany = apiRoute(erasers, {
  method: "post",
  path: "/tickets/delete",
  tags: ["tickets"],
  summary: `Erase up to ${DELETE_MAX_IDS} tickets at once, all or none (admins; supervisors where every ticket's account allows)`,
  description: forbiddenNote,
  request: {
    body: jsonBody(z.strictObject({ ids: z.array(z.number().int().positive()).min(1).max(DELETE_MAX_IDS) }).openapi("TicketsDelete")),
  },
  responses: { 200: jsonResponse(deletedSchema, "Erased") },
});

const deleteContact = apiRoute(erasers, {
  method: "delete",
  path: "/contacts/{id}",
  tags: ["contacts"],
  summary: "Erase a contact and everything of theirs: every ticket and message (right to erasure; admins, supervisors where the account allows)",
  description: forbiddenNote,
  request: { params: z.object({ id: z.coerce.number().int().positive() }) },
  responses: {
    200: jsonResponse(z.object({ contactId: z.number().int(), deletedTickets: z.array(z.number().int()) }).openapi("ContactErased"), "Erased"),
    404: errors[404],
  },
});

/** Supervisors delete only where each account lets them; `what` names each refused item in the details. */
function mayErase<T extends { supervisorsMayDelete: boolean; accountId: string }>(auth: Principal, items: readonly T[], what: (item: T) => string) {
  if (auth.role === "admin") return;
  const refused = items.filter((i) => !i.supervisorsMayDelete);
  if (refused.length > 0) {
    throw new ApiError(
      403,
      "erasure_not_allowed",
      "Supervisors may delete only where the account's supervisorsMayDelete setting is on",
      refused.map((i) => ({ path: what(i), message: `account ${i.accountId} does not let supervisors delete` })),
    );
  }
}

/**
 * Every queue object forgets the tickets: the one holding a ticket tells its agent, and any that
 * kept frames of it for replay overwrite them (a ticket may have passed through several queues).
 * A queue that cannot be reached is logged; D1 no longer has the tickets either way.
 */
async function forgetEverywhere(env: Env, queueIds: readonly string[], ticketIds: readonly number[]) {
  if (ticketIds.length === 0) return;
  const results = await Promise.allSettled(queueIds.map((id) => env.QUEUE_OBJECT.getByName(id).forgetTickets([...ticketIds])));
  results.forEach((r, i) => {
    if (r.status === "rejected") console.error("a queue could not forget erased tickets", { queueId: queueIds[i], tickets: ticketIds.length }, r.reason);
  });
}

async function erase(env: Env, auth: Principal, tickets: readonly ErasableTicket[]) {
  mayErase(auth, tickets, (t) => `ticket ${t.id}`);
  const deleted = await eraseTickets(env.DB, tickets.map((t) => t.id), auth.userId);
  await forgetEverywhere(env, (await listQueues(openDb(env.DB))).map((q) => q.id), deleted);
  return deleted;
}

export function erasureRoutes() {
  const app = router();

  app.openapi(deleteOne, async (c) => {
    const { id } = c.req.valid("param");
    const tickets = await erasableTickets(c.env.DB, [id]);
    if (tickets.length === 0) throw notFound("Ticket");
    const deleted = await erase(c.env, c.var.auth, tickets);
    return c.json({ deleted, notFound: [] }, 200);
  });

  app.openapi(deleteMany, async (c) => {
    const ids = [...new Set(c.req.valid("json").ids)];
    const tickets = await erasableTickets(c.env.DB, ids);
    const deleted = await erase(c.env, c.var.auth, tickets);
    const found = new Set(tickets.map((t) => t.id));
    return c.json({ deleted, notFound: ids.filter((id) => !found.has(id)).sort((a, b) => a - b) }, 200);
  });

  app.openapi(deleteContact, async (c) => {
    const { id } = c.req.valid("param");
    const contact = await erasableContact(c.env.DB, id);
    if (!contact) throw notFound("Contact");
    mayErase(c.var.auth, [contact], (k) => `contact ${k.id}`);
    if (!(await eraseContact(c.env.DB, id, c.var.auth.userId))) throw notFound("Contact");
    const ticketIds = contact.tickets.map((t) => t.id);
    await forgetEverywhere(c.env, (await listQueues(db(c))).map((q) => q.id), ticketIds);
    return c.json({ contactId: id, deletedTickets: ticketIds }, 200);
  });

  return app;
}
