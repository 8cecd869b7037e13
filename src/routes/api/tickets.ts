import { z } from "@hono/zod-openapi";
import { ticketCloseAudit } from "../../db/audit";
import { isMember } from "../../db/queues";
import { messageStatuses } from "../../kinds/message";
import { closeTicket } from "../../db/replies";
import { dispositionRefusal, getContact, getTicket, listTicketMessages, loadConversationSettings, ticketForDetail, ticketRevisions, updateTicketFieldsAudited, type TicketRow } from "../../db/tickets";
import { ticketExtras } from "../../db/agent-views";
import { ApiError, badRequest, conflict, notFound } from "../../errors";
import { roles, type Principal } from "../../kinds/principal";
import type { Db } from "../../db/database";
import { apiRoute, db, errors, jsonBody, jsonResponse, router, timestamp } from "./shared";
import { ticketTranslations } from "../../db/translations";
import { normalizeTicketUpdate, ticketUpdateFields } from "../../queue/protocol";
import { attachmentViewSchema, messageTranslationSchema, replyWindowViewSchema } from "../../kinds/views";

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
    disposition: z.string().nullable().openapi({ description: "The outcome chosen when the ticket was closed, from its account's dispositions" }),
    closedBy: z.string().nullable().openapi({ description: "The user who closed it; null when a timer closed it" }),
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
    revisions: z
      .array(z.object({ body: z.string(), replacedAt: timestamp }))
      .openapi({ description: "Earlier versions of an edited message (the customer's edit or an agent's), oldest first" }),
    reaction: z.string().nullable().openapi({ description: "The customer's reaction to this message (an emoji), if any" }),
    clientMsgId: z
      .string()
      .optional()
      .openapi({ description: "An agent's reply or note: the clientMsgId its socket frame gave (a failed reply is resent with it and `\"resend\": true`)" }),
    replyTo: z.string().nullable().openapi({ description: "The provider's id of the message this one replies to, when the provider says" }),
    translation: messageTranslationSchema
      .nullable()
      .openapi("MessageTranslation", {
        description:
          "With a translating queue (docs/translation.md): a customer message in the agents' language, or the agent's own words behind a reply sent translated; null when there is none",
      }),
  })
  .openapi("Message");

const closingSchema = z
  .object({
    dispositions: z.array(z.string()).openapi({ description: "The account's dispositions, in its order: a close may name one (`disposition`)" }),
    dispositionRequired: z.boolean().openapi({ description: "The account has Mandatory Disposition: a close without one of `dispositions` is refused" }),
  })
  .openapi("TicketClosing", { description: "What closing this ticket takes, from its account's conversation settings" });

const allRoles = roles;

// The derived columns (inboundCount, the preview's) show in the list's rows (ticket-finding.ts).
const toTicketView = ({ current, inboundCount, firstReplyAt, previewMessageId, previewBody, previewKinds, escalatedAt, contactName, contactHandle, contactUsername, createdMaxAt, ...ticket }: TicketRow) =>
  ticket;

const read = apiRoute(allRoles, {
  method: "get",
  path: "/tickets/{id}",
  tags: ["tickets"],
  summary: "A ticket with its contact and every message, oldest first",
  request: { params: z.object({ id: z.coerce.number().int().positive() }) },
  responses: {
    200: jsonResponse(
      z
        .object({
          ticket: ticketSchema,
          contact: contactSchema,
          messages: z.array(messageSchema),
          unread: z.number().int().openapi({ description: "Customer messages after the caller's read mark (the socket's `read` frame)" }),
          replyWindow: replyWindowViewSchema.openapi("ReplyWindow", { description: "Whether a free-form reply can reach the customer now, and until when" }),
          closing: closingSchema,
        })
        .openapi("TicketDetail"),
      "The ticket",
    ),
    404: errors[404],
  },
});

const update = apiRoute(allRoles, {
  method: "patch",
  path: "/tickets/{id}",
  tags: ["tickets"],
  summary: "Change an open ticket's subject or tags (agents: only one they hold)",
  request: {
    params: z.object({ id: z.coerce.number().int().positive() }),
    body: jsonBody(
      z
        .strictObject({
          subject: ticketUpdateFields.subject.openapi({ description: "≤ 200 characters, trimmed; null or \"\" clears it" }),
          tags: ticketUpdateFields.tags.openapi({ description: "The whole list: ≤ 20 tags of 1–50 characters, trimmed, duplicates dropped" }),
        })
        .openapi("TicketUpdate"),
    ),
  },
  responses: { 200: jsonResponse(ticketSchema, "The ticket"), 404: errors[404], 409: errors[409] },
});

const close = apiRoute(allRoles, {
  method: "post",
  path: "/tickets/{id}/close",
  tags: ["tickets"],
  summary: "Close a ticket (agents: only one they hold), with a disposition from its account's list",
  request: {
    params: z.object({ id: z.coerce.number().int().positive() }),
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z
            .strictObject({ disposition: z.string().trim().min(1).max(100).optional().openapi({ description: "Required when the account has Mandatory Disposition" }) })
            .openapi("TicketClose"),
        },
      },
    },
  },
  responses: {
    200: jsonResponse(ticketSchema, "The closed ticket"),
    404: errors[404],
    409: errors[409],
  },
});

/** The ticket if the caller may see it (agents: tickets of their queues), else 404. */
async function visibleTicket(d: Db, auth: Principal, id: number) {
  const ticket = await getTicket(d, id);
  if (!ticket || (auth.role === "agent" && !(await isMember(d, ticket.queueId, auth.userId)))) throw notFound("Ticket");
  return ticket;
}

/** Agents change only the tickets they hold; supervisors and admins any. */
function mayChange(auth: Principal, ticket: TicketRow) {
  if (auth.role !== "agent") return;
  if (ticket.status !== "assigned" || ticket.assigneeId !== auth.userId) throw new ApiError(403, "not_your_ticket", "Agents may change only the tickets they hold");
}

export function ticketRoutes() {
  const app = router();

  app.openapi(read, async (c) => {
    const { id } = c.req.valid("param");
    const d = db(c);
    const { userId } = c.var.auth;
    // The ticket, what closing it takes and the caller's membership of its queue: one read.
    const head = await ticketForDetail(d, id, userId);
    if (!head || (c.var.auth.role === "agent" && !head.member)) throw notFound("Ticket");
    const { ticket, closing } = head;
    const [contact, messages, extras, revisions, translations] = await Promise.all([
      getContact(d, ticket.contactId),
      listTicketMessages(d, id),
      ticketExtras(c.env.DB, [id], userId),
      ticketRevisions(d, id),
      ticketTranslations(c.env.DB, id),
    ]);
    if (!contact) throw notFound("Ticket");
    const extra = extras.get(id);
    return c.json(
      {
        ticket: toTicketView(ticket),
        contact,
        messages: messages.map(({ accountId, ticketId, clientMsgId, attempts, claimedAt, ...m }) => {
          const t = translations.get(m.id);
          // As in the socket's message views (src/db/message-view.ts): only an agent's own id.
          const own = clientMsgId && m.authorId !== null && (m.direction === "out" || m.direction === "note") ? { clientMsgId } : {};
          return { ...m, ...own, revisions: revisions.get(m.id) ?? [], translation: t ? { language: t.language, text: t.text, sourceLanguage: t.sourceLanguage } : null };
        }),
        unread: extra?.unread ?? 0,
        replyWindow: extra?.replyWindow ?? { open: true, closesAt: null, kind: "none" },
        closing,
      },
      200,
    );
  });

  app.openapi(update, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    if (body.subject === undefined && body.tags === undefined) throw badRequest("Nothing to update");
    const d = db(c);
    const auth = c.var.auth;
    const ticket = await visibleTicket(d, auth, id);
    if (ticket.status === "closed") throw conflict("The ticket is closed");
    mayChange(auth, ticket);
    const change = normalizeTicketUpdate(body);
    const updated = await updateTicketFieldsAudited(c.env.DB, id, change, auth.userId);
    if (!updated) throw conflict("The ticket is closed");
    await c.env.QUEUE_OBJECT.getByName(ticket.queueId).ticketChanged(id, updated);
    return c.json(toTicketView((await getTicket(d, id))!), 200);
  });

  app.openapi(close, async (c) => {
    const { id } = c.req.valid("param");
    const input: { disposition?: string } = c.req.valid("json") ?? {};
    const d = db(c);
    const auth = c.var.auth;
    const ticket = await visibleTicket(d, auth, id);
    if (ticket.status === "closed") throw conflict("The ticket is closed already");
    mayChange(auth, ticket);
    const refused = dispositionRefusal(await loadConversationSettings(c.env.DB, ticket.accountId), input.disposition);
    if (refused) throw new ApiError(400, refused.code, refused.message, [{ path: "disposition", message: refused.message }]);
    const disposition = input.disposition ?? null;
    const now = Date.now();
    const audit = ticketCloseAudit(c.env.DB, auth.userId, id, disposition, now);
    if (!(await closeTicket(c.env.DB, id, { closedBy: auth.userId, disposition }, now, [audit]))) throw conflict("The ticket is closed already");
    await c.env.QUEUE_OBJECT.getByName(ticket.queueId).ticketClosed(id, auth.userId, disposition);
    return c.json(toTicketView((await getTicket(d, id))!), 200);
  });

  return app;
}
