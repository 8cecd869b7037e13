import { sql } from "drizzle-orm";
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { messageStatuses, type AttachmentMeta } from "../kinds/message";
import { providerKinds } from "../providers/types";

// Every time is epoch milliseconds. Defaults are explicit so rows written by raw SQL agree.
const now = () => integer({ mode: "number" }).notNull().default(sql`(CAST(unixepoch('subsec') * 1000 AS INTEGER))`);

export const users = sqliteTable(
  "users",
  {
  id: text().primaryKey(),
  email: text().notNull(),
  displayName: text().notNull(),
  role: text({ enum: ["admin", "supervisor", "agent"] }).notNull(),
  passwordHash: text(),
  /** How many tickets the agent may hold at once, across its queues. */
  capacity: integer().notNull().default(3),
  active: integer({ mode: "boolean" }).notNull().default(true),
  createdAt: now(),
  updatedAt: now(),
  },
  (t) => [uniqueIndex("users_email_idx").on(t.email)],
);

export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** SHA-256 of the token, hex. The token itself is shown once and never stored. */
    tokenHash: text().notNull(),
    label: text().notNull(),
    createdAt: now(),
    lastUsedAt: integer(),
    expiresAt: integer(),
  },
  (t) => [uniqueIndex("api_tokens_token_hash_idx").on(t.tokenHash), index("api_tokens_user_id_idx").on(t.userId)],
);

/** A socket ticket (migration 0017): single use, short-lived, kept as its SHA-256 only; goes with its token. */
export const socketTickets = sqliteTable(
  "socket_tickets",
  {
    ticketHash: text().primaryKey(),
    tokenId: text()
      .notNull()
      .references(() => apiTokens.id, { onDelete: "cascade" }),
    expiresAt: integer().notNull(),
  },
  (t) => [index("socket_tickets_token_id_idx").on(t.tokenId), index("socket_tickets_expires_at_idx").on(t.expiresAt)],
);

export const queues = sqliteTable(
  "queues",
  {
  id: text().primaryKey(),
  name: text().notNull(),
  /** Routing configuration, validated by `routingConfigSchema`. */
  routing: text({ mode: "json" }).notNull().$type<Record<string, unknown>>(),
  createdAt: now(),
  updatedAt: now(),
  },
  (t) => [uniqueIndex("queues_name_idx").on(t.name)],
);

export const queueMembers = sqliteTable(
  "queue_members",
  {
    queueId: text()
      .notNull()
      .references(() => queues.id, { onDelete: "cascade" }),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The member's share of the queue's tickets under the percentage strategy (0–100). */
    weight: integer().notNull().default(1),
    createdAt: now(),
  },
  (t) => [primaryKey({ columns: [t.queueId, t.userId] }), index("queue_members_user_id_idx").on(t.userId)],
);

export const channelAccounts = sqliteTable(
  "channel_accounts",
  {
    id: text().primaryKey(),
    provider: text({ enum: providerKinds }).notNull(),
    /** Short unguessable key in the receive URL. */
    key: text().notNull(),
    name: text().notNull(),
    queueId: text()
      .notNull()
      .references(() => queues.id),
    /** Non-secret, provider-specific settings (API base URL, …). */
    settings: text({ mode: "json" }).notNull().$type<Record<string, unknown>>(),
    /** Provider secrets as one AES-GCM sealed JSON object; never returned by the API. */
    credentials: text().notNull(),
    status: text({ enum: ["active", "pending", "error"] }).notNull().default("active"),
    statusReason: text(),
    lastWebhookAt: integer(),
    lastAuthFailureAt: integer(),
    lastAuthFailure: text(),
    /** Refused webhooks; written with each recorded failure (at most once a minute per isolate), so it trails by the last minute's refusals. */
    authFailureCount: integer().notNull().default(0),
    lastDeliveryErrorAt: integer(),
    lastDeliveryError: text(),
    /** How conversations behave: commands, automatic messages, dispositions; validated by `conversationSettingsSchema`. */
    conversation: text({ mode: "json" }).notNull().$type<Record<string, unknown>>().default(sql`'{}'`),
    /** The secret that signs requests to the account's chatbot, sealed like credentials. */
    chatbotSecret: text(),
    /** The account's short Key agents see on conversation tabs: 1-5 letters or digits, upper case, unique (migration 0018). */
    shortKey: text(),
    description: text(),
    phone: text(),
    createdAt: now(),
    updatedAt: now(),
  },
  (t) => [
    uniqueIndex("channel_accounts_key_idx").on(t.key),
    index("channel_accounts_queue_id_idx").on(t.queueId),
    uniqueIndex("channel_accounts_short_key_idx").on(t.shortKey).where(sql`${t.shortKey} IS NOT NULL`),
  ],
);

export const contacts = sqliteTable(
  "contacts",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    accountId: text()
      .notNull()
      .references(() => channelAccounts.id, { onDelete: "cascade" }),
    /** The provider's id of the customer (Telegram user id, IGSID, E.164 number, …). */
    externalId: text().notNull(),
    /** Where replies go (Telegram chat id, …); usually the external id. */
    address: text().notNull(),
    displayName: text().notNull(),
    username: text(),
    language: text(),
    createdAt: now(),
    lastSeenAt: now(),
  },
  (t) => [
    uniqueIndex("contacts_account_id_external_id_idx").on(t.accountId, t.externalId),
    index("contacts_account_id_address_idx").on(t.accountId, t.address).where(sql`${t.address} != ${t.externalId}`),
  ],
);

export const tickets = sqliteTable(
  "tickets",
  {
    /** The number a customer can quote. */
    id: integer().primaryKey({ autoIncrement: true }),
    accountId: text()
      .notNull()
      .references(() => channelAccounts.id, { onDelete: "cascade" }),
    contactId: integer()
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    queueId: text()
      .notNull()
      .references(() => queues.id),
    status: text({ enum: ["open", "assigned", "closed"] }).notNull().default("open"),
    /** 1 for the contact's current ticket, NULL otherwise: the unique index allows one per contact. */
    current: integer(),
    assigneeId: text().references(() => users.id, { onDelete: "set null" }),
    subject: text(),
    tags: text({ mode: "json" }).notNull().$type<string[]>().default(sql`'[]'`),
    /** The outcome an agent chose when closing, from the account's dispositions. */
    disposition: text(),
    closedBy: text().references(() => users.id, { onDelete: "set null" }),
    createdAt: now(),
    updatedAt: now(),
    lastMessageAt: now(),
    closedAt: integer(),
    /** The customer's messages not unsent; kept by triggers on `messages` (migration 0013). */
    inboundCount: integer().notNull().default(0),
    /** When an agent first replied; kept by a trigger on `messages`. */
    firstReplyAt: integer(),
    /** The last message with the customer (not a note), for the list's preview; kept by triggers on `messages`. */
    previewMessageId: integer(),
    previewBody: text().notNull().default(""),
    previewKinds: text({ mode: "json" }).notNull().$type<string[]>().default(sql`'[]'`),
    /** When Contact Message Timeout escalated it. */
    escalatedAt: integer(),
    /** The contact's display name, external id and username, kept in step with the contact by triggers. */
    contactName: text().notNull().default(""),
    contactHandle: text().notNull().default(""),
    contactUsername: text(),
    /** The latest `created_at` of this ticket and every one before it (id order), set by the ingest's insert or else a trigger: never falls as ids rise. */
    createdMaxAt: integer().notNull().default(0),
    /** When an agent first took it (migration 0015): service level, handle time. */
    assignedAt: integer(),
  },
  (t) => [
    uniqueIndex("tickets_contact_id_current_idx").on(t.contactId, t.current),
    index("tickets_queue_id_status_idx").on(t.queueId, t.status),
    index("tickets_queue_id_id_idx").on(t.queueId, t.id),
    index("tickets_status_id_idx").on(t.status, t.id),
    index("tickets_assignee_id_status_idx").on(t.assigneeId, t.status).where(sql`${t.assigneeId} IS NOT NULL`),
    index("tickets_account_id_id_idx").on(t.accountId, t.id),
    index("tickets_assignee_id_id_idx").on(t.assigneeId, t.id).where(sql`${t.assigneeId} IS NOT NULL`),
    index("tickets_contact_id_id_idx").on(t.contactId, t.id),
    index("tickets_disposition_id_idx").on(t.disposition, t.id).where(sql`${t.disposition} IS NOT NULL`),
    index("tickets_created_max_at_idx").on(t.createdMaxAt),
    index("tickets_out_of_order_idx").on(t.id).where(sql`${t.createdAt} < ${t.createdMaxAt}`),
    index("tickets_queue_id_created_at_idx").on(t.queueId, t.createdAt),
    index("tickets_created_at_idx").on(t.createdAt),
  ],
);

export const conversations = sqliteTable(
  "conversations",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    ticketId: integer()
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    /** 1 while the conversation is open, NULL once ended: one open conversation per ticket. */
    open: integer(),
    startedAt: now(),
    endedAt: integer(),
    endReason: text(),
  },
  (t) => [uniqueIndex("conversations_ticket_id_open_idx").on(t.ticketId, t.open)],
);

export const messages = sqliteTable(
  "messages",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    accountId: text()
      .notNull()
      .references(() => channelAccounts.id, { onDelete: "cascade" }),
    ticketId: integer()
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    conversationId: integer().references(() => conversations.id, { onDelete: "set null" }),
    direction: text({ enum: ["in", "out", "note", "system"] }).notNull(),
    /** The agent who wrote an outbound message or note. */
    authorId: text().references(() => users.id, { onDelete: "set null" }),
    body: text().notNull().default(""),
    attachments: text({ mode: "json" }).notNull().$type<AttachmentMeta[]>().default(sql`'[]'`),
    /** The provider's id, unique per account: an inbound retry or a send echo stores nothing new. */
    providerMessageId: text(),
    /** The agent client's id for a reply: a reply re-sent after a reconnect stores nothing new. */
    clientMsgId: text(),
    status: text({ enum: messageStatuses }).notNull(),
    statusReason: text(),
    attempts: integer().notNull().default(0),
    /** When a send attempt claimed the message (status `sending`). */
    claimedAt: integer(),
    /** Provider's own time for inbound messages. */
    sentAt: integer(),
    createdAt: now(),
    updatedAt: now(),
    editedAt: integer(),
    /** The customer unsent it: body and attachments are emptied, this marks when. */
    deletedAt: integer(),
    /** The customer's reaction to this message (an emoji), if any. */
    reaction: text(),
    /** The provider id of the message this one replies to, when the provider says. */
    replyTo: text(),
  },
  (t) => [
    uniqueIndex("messages_account_id_provider_message_id_idx").on(t.accountId, t.providerMessageId),
    uniqueIndex("messages_ticket_id_client_msg_id_idx").on(t.ticketId, t.clientMsgId).where(sql`${t.clientMsgId} IS NOT NULL`),
    index("messages_ticket_id_id_idx").on(t.ticketId, t.id),
    /** A conversation deleted with its ticket (erasure) finds its messages through it (migration 0014). */
    index("messages_conversation_id_idx").on(t.conversationId),
    /** The outbox sweep's: only messages in flight, the oldest change first. */
    index("messages_queued_updated_at_idx").on(t.updatedAt).where(sql`${t.status} = 'queued'`),
    index("messages_sending_updated_at_idx").on(t.updatedAt).where(sql`${t.status} = 'sending'`),
  ],
);

/** Earlier versions of an edited message, so history keeps every version. */
export const messageRevisions = sqliteTable(
  "message_revisions",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    messageId: integer()
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    body: text().notNull(),
    /** When this version was replaced. */
    replacedAt: integer().notNull(),
  },
  (t) => [index("message_revisions_message_id_idx").on(t.messageId)],
);

/**
 * A message's text in a second language, so history holds both versions. Inbound: `text` is the
 * customer's message in the agents' language. A translated reply: `text` is the agent's original.
 * `language` is the language of `text`; `source_language` that of the message's own body.
 */
export const messageTranslations = sqliteTable("message_translations", {
  messageId: integer()
    .primaryKey()
    .references(() => messages.id, { onDelete: "cascade" }),
  language: text().notNull(),
  text: text().notNull(),
  sourceLanguage: text(),
  createdAt: now(),
});

/** Receipts of provider events already ingested: the idempotency key of every webhook event. */
export const inboundEvents = sqliteTable(
  "inbound_events",
  {
    accountId: text()
      .notNull()
      .references(() => channelAccounts.id, { onDelete: "cascade" }),
    eventKey: text().notNull(),
    receivedAt: now(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.eventKey] })],
);

/**
 * Delivery reports that arrived before the send's own answer recorded the provider's id: applied
 * (forward only) when it is recorded, so a fast report is never lost.
 */
export const pendingStatuses = sqliteTable(
  "pending_statuses",
  {
    accountId: text()
      .notNull()
      .references(() => channelAccounts.id, { onDelete: "cascade" }),
    providerMessageId: text().notNull(),
    status: text({ enum: messageStatuses }).notNull(),
    reason: text(),
    at: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.providerMessageId, t.status] }), index("pending_statuses_at_idx").on(t.at)],
);

/**
 * Customer messages of a multi-event webhook that are stored but not yet routed to their queue,
 * written in the same transaction as the messages: routing after the provider's 2xx deletes them,
 * and a delayed outbox job routes whatever is left when that did not finish. The flags say what
 * the message's event created (for the welcome and new conversation messages).
 */
export const pendingRoutes = sqliteTable(
  "pending_routes",
  {
    accountId: text()
      .notNull()
      .references(() => channelAccounts.id, { onDelete: "cascade" }),
    eventKey: text().notNull(),
    providerMessageId: text().notNull(),
    contactCreated: integer({ mode: "boolean" }).notNull(),
    ticketCreated: integer({ mode: "boolean" }).notNull(),
    conversationCreated: integer({ mode: "boolean" }).notNull(),
    createdAt: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.eventKey] }), index("pending_routes_created_at_idx").on(t.createdAt)],
);

/** One-time values of signed webhooks (Sinch nonces): a request whose value was seen is a replay. */
export const webhookReplays = sqliteTable(
  "webhook_replays",
  {
    accountId: text()
      .notNull()
      .references(() => channelAccounts.id, { onDelete: "cascade" }),
    replayKey: text().notNull(),
    seenAt: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.replayKey] }), index("webhook_replays_seen_at_idx").on(t.seenAt)],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    actorId: text(),
    action: text().notNull(),
    entityType: text().notNull(),
    entityId: text().notNull(),
    details: text({ mode: "json" }).$type<Record<string, unknown>>(),
    at: now(),
  },
  (t) => [
    index("audit_log_entity_idx").on(t.entityType, t.entityId),
    index("audit_log_actor_idx").on(t.actorId),
    index("audit_log_action_idx").on(t.action),
    index("audit_log_entity_type_idx").on(t.entityType),
    index("audit_log_at_idx").on(t.at),
  ],
);

/** The template library (migration 0019, docs/templates.md): texts automatic messages refer to by id. */
export const templates = sqliteTable(
  "templates",
  {
    id: text().primaryKey(),
    name: text().notNull(),
    /** `name` lower-cased: names are unique whatever their case. */
    nameKey: text().notNull(),
    description: text().notNull().default(""),
    body: text().notNull(),
    createdAt: now(),
    updatedAt: now(),
    createdBy: text(),
    updatedBy: text(),
  },
  (t) => [uniqueIndex("templates_name_key_idx").on(t.nameKey)],
);

/** Ready answers agents insert by shortcut: global (no account) or for one account. */
export const cannedAnswers = sqliteTable(
  "canned_answers",
  {
    id: text().primaryKey(),
    /** "global", or the id of the account it belongs to. */
    scope: text().notNull(),
    shortcut: text().notNull(),
    /** A template: variables are filled in when an agent uses it. */
    body: text().notNull(),
    createdAt: now(),
    updatedAt: now(),
  },
  (t) => [uniqueIndex("canned_answers_scope_shortcut_idx").on(t.scope, t.shortcut)],
);

/** How far each agent has read each ticket: the unread count is the customer messages after it. */
export const ticketReads = sqliteTable(
  "ticket_reads",
  {
    ticketId: integer()
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    lastReadMessageId: integer().notNull(),
    /** The customer's messages up to the mark, kept by triggers (migration 0013): unread = the ticket's inbound count minus this. */
    readInbound: integer().notNull().default(0),
    updatedAt: now(),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.userId] }), index("ticket_reads_user_id_ticket_id_idx").on(t.userId, t.ticketId)],
);

/** Each ticket's tags, one row each, kept by triggers on `tickets` (migration 0013): a tag's tickets newest first. */
export const ticketTags = sqliteTable("ticket_tags", { tag: text().notNull(), ticketId: integer().notNull() }, (t) => [primaryKey({ columns: [t.tag, t.ticketId] })]);

/** A user's saved search (docs/interactions.md); `shared` ones are listed to every user. */
export const savedSearches = sqliteTable(
  "saved_searches",
  {
    id: text().primaryKey(),
    ownerId: text()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text().notNull(),
    match: text({ enum: ["all", "any"] }).notNull(),
    conditions: text({ mode: "json" }).notNull().$type<unknown[]>(),
    shared: integer({ mode: "boolean" }).notNull().default(false),
    createdAt: now(),
    updatedAt: now(),
  },
  (t) => [index("saved_searches_owner_id_idx").on(t.ownerId), index("saved_searches_shared_idx").on(t.shared).where(sql`${t.shared} = 1`)],
);
