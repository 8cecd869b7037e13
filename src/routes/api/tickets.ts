import { z } from "@hono/zod-openapi";
import { isMember } from "../../db/queues";
import { messageStatuses } from "../../db/schema";
import { getContact, getTicket, listTicketMessages, listTickets, type TicketRow } from "../../db/tickets";
import { notFound } from "../../errors";
import { roles } from "./auth";
import { apiRoute, db, errors, jsonResponse, page, pageOf, pageQuery, router, timestamp } from "./shared";
import { attachmentViewSchema } from "../../queue/protocol";

const ticketStatus = z.enum(["open", "assigned", "closed"]);

const ticketSchema = z
  .object({
    id: z.number().int(),
    accountId: z.string(),
    contactId: z.number().int(),
    queueId: z.string(),
    status: ticketStatus,
    assigneeId: z.string().nullable(),
    subject: z.string().nullable(),
    tags: z.array(z.string()),
    createdAt: timestamp,
    updatedAt: timestamp,
    lastMessageAt: timestamp,
    closedAt: timestamp.nullable(),
  })
  .openapi("Ticket");

const contactSchema = z
  .object({
    id: z.number().int(),
    accountId: z.string(),
    externalId: z.string(),
    address: z.string(),
    displayName: z.string(),
    username: z.string().nullable(),
    language: z.string().nullable(),
    createdAt: timestamp,
    lastSeenAt: timestamp,
  })
  .openapi("Contact");

const attachmentSchema = attachmentViewSchema.openapi("Attachment");

const messageSchema = z
  .object({
    id: z.number().int(),
    conversationId: z.number().int().nullable(),
    direction: z.enum(["in", "out", "note", "system"]),
    authorId: z.string().nullable(),
    body: z.string(),
    attachments: z.array(attachmentSchema),
    providerMessageId: z.string().nullable(),
    status: z.enum(messageStatuses),
    statusReason: z.string().nullable(),
    sentAt: timestamp.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    editedAt: timestamp.nullable(),
    deletedAt: timestamp.nullable(),
  })
  .openapi("Message");

const allRoles = roles;

const toTicketView = ({ current, ...ticket }: TicketRow) => ticket;

const list = apiRoute(allRoles, {
  method: "get",
  path: "/tickets",
  tags: ["tickets"],
  summary: "List tickets, newest first (agents: tickets of their queues)",
  request: {
    query: z.object({ status: ticketStatus.optional(), queueId: z.string().min(1).max(64).optional(), ...pageQuery }),
  },
  responses: { 200: jsonResponse(pageOf(ticketSchema), "A page of tickets"), 404: errors[404] },
});

const read = apiRoute(allRoles, {
  method: "get",
  path: "/tickets/{id}",
  tags: ["tickets"],
  summary: "A ticket with its contact and every message, oldest first",
  request: { params: z.object({ id: z.coerce.number().int().positive() }) },
  responses: {
    200: jsonResponse(
      z.object({ ticket: ticketSchema, contact: contactSchema, messages: z.array(messageSchema) }).openapi("TicketDetail"),
      "The ticket",
    ),
    404: errors[404],
  },
});

export function ticketRoutes() {
  const app = router();

  app.openapi(list, async (c) => {
    const { status, queueId, cursor, limit } = c.req.valid("query");
    const d = db(c);
    const { role, userId } = c.var.auth;
    const agent = role === "agent";
    if (agent && queueId !== undefined && !(await isMember(d, queueId, userId))) throw notFound("Queue");
    const rows = await listTickets(d, { queueId, memberId: agent ? userId : undefined, status, before: cursor, limit });
    const { items, nextCursor } = page(rows, limit);
    return c.json({ items: items.map(toTicketView), nextCursor }, 200);
  });

  app.openapi(read, async (c) => {
    const { id } = c.req.valid("param");
    const d = db(c);
    const { role, userId } = c.var.auth;
    const ticket = await getTicket(d, id);
    const visible =
      ticket !== undefined &&
      (role !== "agent" || (await isMember(d, ticket.queueId, userId)));
    if (!visible) throw notFound("Ticket");
    const [contact, messages] = await Promise.all([getContact(d, ticket.contactId), listTicketMessages(d, id)]);
    if (!contact) throw notFound("Ticket");
    return c.json(
      {
        ticket: toTicketView(ticket),
        contact,
        messages: messages.map(({ accountId, ticketId, clientMsgId, attempts, claimedAt, ...m }) => m),
      },
      200,
    );
  });

  return app;
}
