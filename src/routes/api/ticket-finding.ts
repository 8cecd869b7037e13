// Finding interactions: the ticket list's filters, the search, the caller's read mark
// (docs/interactions.md). Agents see only the tickets of their queues, here as everywhere.
import { z } from "@hono/zod-openapi";
import { markRead } from "../../db/agent-views";
import { isMember } from "../../db/queues";
import { memberQueueIds } from "../../db/ticket-list";
import { findTickets } from "../../db/ticket-search";
import { getTicket } from "../../db/tickets";
import { checkSearch, filterConditions, operatorsFor, searchFieldNames, searchOperators, searchSchema, ticketStatuses, type Condition, type EnumValues } from "../../domain/search-conditions";
import { ApiError, notFound } from "../../errors";
import { roles, type Principal } from "../../kinds/principal";
import { providerKinds } from "../../providers/types";
import { openDb, type Db } from "../../db/database";
import { apiRoute, db, errors, jsonBody, jsonResponse, page, pageOf, pageQuery, router, timestamp } from "./shared";

export const searchEnums: EnumValues = { status: ticketStatuses, provider: providerKinds };

export const ticketListItemSchema = z
  .object({
    id: z.number().int().openapi({ description: "The ticket number" }),
    accountId: z.string(),
    accountName: z.string(),
    accountShortKey: z.string().nullable().openapi({ description: "The account's short Key for conversation tabs; null when it has none" }),
    provider: z.enum(providerKinds),
    contactId: z.number().int(),
    contactName: z.string().openapi({ description: "The contact's display name" }),
    contactHandle: z.string().openapi({ description: "The provider's id of the contact: a phone number, a Telegram user id, an IGSID…" }),
    contactUsername: z.string().nullable(),
    queueId: z.string(),
    queueName: z.string(),
    status: z.enum(ticketStatuses),
    assigneeId: z.string().nullable(),
    agentName: z.string().nullable().openapi({ description: "The display name of the agent holding it (or who held it when it closed)" }),
    subject: z.string().nullable(),
    tags: z.array(z.string()),
    disposition: z.string().nullable(),
    closedBy: z.string().nullable(),
    unread: z.number().int().openapi({ description: "The customer's messages after the caller's read mark" }),
    escalated: z.boolean().openapi({ description: "Contact Message Timeout escalated it" }),
    createdAt: timestamp,
    updatedAt: timestamp,
    lastMessageAt: timestamp,
    firstReplyAt: timestamp.nullable().openapi({ description: "An agent's first reply (automatic messages do not count)" }),
    closedAt: timestamp.nullable(),
    preview: z.string().openapi({ description: "The last message with the customer (notes aside): its first line, or its attachments' kinds" }),
  })
  .openapi("TicketListItem");

const time = z
  .union([z.coerce.number().int().nonnegative(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))])
  .openapi({ type: "string", description: "Epoch milliseconds, or an ISO 8601 date-time with its offset" });

/** The list's filters; the CSV export takes the same (without `cursor` and `limit`). */
export const ticketListFilters = {
  accountId: z.string().min(1).max(64).optional(),
  queueId: z.string().min(1).max(64).optional(),
  provider: z.enum(providerKinds).optional(),
  status: z.enum(ticketStatuses).optional(),
  assigneeId: z.string().min(1).max(64).optional().openapi({ description: "The agent holding it" }),
  unread: z.enum(["true", "false"]).transform((v) => v === "true").optional().openapi({ description: "Only tickets with (true) or without (false) customer messages after the caller's read mark" }),
  tags: z
    .string()
    .min(1)
    .max(1_000)
    .transform((s) => [...new Set(s.split(",").map((t) => t.trim()).filter(Boolean))])
    .refine((tags) => tags.length <= 20, "At most 20 tags")
    .optional()
    .openapi({ description: "Comma-separated tags, at most 20" }),
  tagsMatch: z.enum(["any", "all"]).default("any").openapi({ description: "Tickets with any of the tags (default) or all of them" }),
  disposition: z.string().min(1).max(100).optional(),
  contactId: z.coerce.number().int().positive().optional(),
  createdFrom: time.optional().openapi({ description: "Created at or after: epoch milliseconds or an ISO 8601 date-time with offset" }),
  createdTo: time.optional().openapi({ description: "Created before: epoch milliseconds or an ISO 8601 date-time with offset" }),
  closedFrom: time.optional().openapi({ description: "Closed at or after: epoch milliseconds or an ISO 8601 date-time with offset" }),
  closedTo: time.optional().openapi({ description: "Closed before: epoch milliseconds or an ISO 8601 date-time with offset" }),
  q: z.string().trim().min(1).max(200).optional().openapi({ description: "Words in any message of the ticket (full text: each word begins a word of the message; case and accents ignored)" }),
};

export const listQuery = z.object({ ...ticketListFilters, ...pageQuery });

type ListFilterValues = z.output<z.ZodObject<typeof ticketListFilters>>;

/**
 * What the list's filters select for the caller: the queues to walk (an agent's own; a `queueId`
 * of another queue is a 404 for an agent) and the other filters as conditions matched all.
 */
export async function listSelection(d1: D1Database, auth: Principal, filters: ListFilterValues): Promise<{ queueIds?: string[]; conditions: Condition[] }> {
  if (auth.role === "agent" && filters.queueId !== undefined && !(await isMember(openDb(d1), filters.queueId, auth.userId))) throw notFound("Queue");
  const queueIds = filters.queueId !== undefined ? [filters.queueId] : await visibleQueues(d1, auth);
  return { queueIds, conditions: filterConditions({ ...filters, queueId: undefined }) };
}

const list = apiRoute(roles, {
  method: "get",
  path: "/tickets",
  tags: ["tickets"],
  summary: "List tickets, newest first, filtered (agents: tickets of their queues)",
  request: { query: listQuery },
  responses: { 200: jsonResponse(pageOf(ticketListItemSchema), "A page of tickets"), 404: errors[404] },
});

export const searchBodySchema = z
  .strictObject({
    match: z.enum(["all", "any"]).default("all").openapi({ description: "Tickets matching every enabled condition, or any of them" }),
    conditions: z
      .array(
        z
          .strictObject({
            field: z.enum(searchFieldNames as [string, ...string[]]),
            op: z.enum(searchOperators),
            value: z.unknown().optional().openapi({ description: "What the operator takes: a string, a list, a time, seconds, or true/false; none for is_empty and is_not_empty" }),
            disabled: z.boolean().optional().openapi({ description: "Kept, and ignored" }),
          })
          .openapi("SearchCondition"),
      )
      .max(50),
  })
  .openapi("TicketSearch", {
    description: `Fields and their operators: ${searchFieldNames.map((f) => `${f} (${operatorsFor(f).join(", ")})`).join("; ")}`,
  });

const search = apiRoute(roles, {
  method: "post",
  path: "/tickets/search",
  tags: ["tickets"],
  summary: "Tickets matching conditions, newest first (agents: tickets of their queues)",
  request: { query: z.object(pageQuery), body: jsonBody(searchBodySchema) },
  responses: { 200: jsonResponse(pageOf(ticketListItemSchema), "A page of tickets") },
});

const read = apiRoute(roles, {
  method: "post",
  path: "/tickets/{id}/read",
  tags: ["tickets"],
  summary: "Move the caller's read mark on the ticket forward to a message (never back)",
  request: {
    params: z.object({ id: z.coerce.number().int().positive() }),
    body: jsonBody(z.strictObject({ messageId: z.number().int().positive() }).openapi("TicketRead")),
  },
  responses: {
    200: jsonResponse(z.object({ lastReadMessageId: z.number().int(), unread: z.number().int() }).openapi("TicketReadMark"), "The mark now"),
    404: errors[404],
  },
});

/** The conditions of a search body, checked: a 400 naming each wrong condition by its index. */
export function checkedSearch(body: unknown): { match: "all" | "any"; conditions: Condition[] } {
  const checked = checkSearch(searchSchema.parse(body), searchEnums);
  if ("problems" in checked) {
    throw new ApiError(
      400,
      "validation_failed",
      "The request does not match the schema",
      checked.problems.map((p) => ({ path: `conditions.${p.index}`, message: p.message })),
    );
  }
  return checked;
}

/** The queues a caller's lists are limited to: an agent's own, everyone else's none (undefined). */
export async function visibleQueues(d1: D1Database, auth: Principal): Promise<string[] | undefined> {
  return auth.role === "agent" ? memberQueueIds(d1, auth.userId) : undefined;
}

async function visibleTicket(d: Db, auth: Principal, id: number) {
  const ticket = await getTicket(d, id);
  if (!ticket || (auth.role === "agent" && !(await isMember(d, ticket.queueId, auth.userId)))) throw notFound("Ticket");
  return ticket;
}

export function ticketFindingRoutes() {
  const app = router();

  app.openapi(list, async (c) => {
    const { cursor, limit, ...filters } = c.req.valid("query");
    const { queueIds, conditions } = await listSelection(c.env.DB, c.var.auth, filters);
    const rows = await findTickets(c.env.DB, { queueIds, conditions, match: "all", userId: c.var.auth.userId, before: cursor, limit });
    return c.json(page(rows, limit), 200);
  });

  app.openapi(search, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const { match, conditions } = checkedSearch(c.req.valid("json"));
    const queueIds = await visibleQueues(c.env.DB, c.var.auth);
    const rows = await findTickets(c.env.DB, { queueIds, conditions, match, userId: c.var.auth.userId, before: cursor, limit });
    return c.json(page(rows, limit), 200);
  });

  app.openapi(read, async (c) => {
    const { id } = c.req.valid("param");
    const { messageId } = c.req.valid("json");
    await visibleTicket(db(c), c.var.auth, id);
    const mark = await markRead(c.env.DB, { ticketId: id, userId: c.var.auth.userId, messageId });
    if (!mark) throw notFound("Message");
    return c.json(mark, 200);
  });

  return app;
}
