import { conversationSettingsSchema } from "../../domain/conversation-settings";
import { defaultRoutingConfig } from "../../domain/routing-config";
import { errorCodes, type ErrorCode } from "./error-codes";
import { operationsOf, type Doc, type Media, type Schema } from "./types";

// Examples of the bodies, shown on the reference page and filled in by its "Try it out".
// test/api/openapi-examples.test.ts parses each with the route's own zod schema.

const at = 1795300000000;
const queueId = "5f0c6d2e-8a41-4b7f-9c3d-2e1a0b9c8d7e";
const userId = "0b6e2a4c-3d5f-4e81-9a7b-6c5d4e3f2a1b";
const accountId = "a1d3c5e7-9b2f-4a6c-8e0d-1f3b5d7f9a2c";

const user = { id: userId, email: "ayse@example.com", displayName: "Ayşe Yılmaz", role: "agent", capacity: 3, active: true, passwordSet: true, createdAt: at, updatedAt: at };
const queue = { id: queueId, name: "Support", routing: defaultRoutingConfig, createdAt: at, updatedAt: at };
const account = {
  id: accountId,
  provider: "telegram",
  name: "Support bot",
  shortKey: "TG1",
  description: "The shop's Telegram bot",
  phone: null,
  key: "q1V3xk9PzT0aB2cD",
  queueId,
  settings: { apiBaseUrl: "https://api.telegram.org" },
  credentialsSet: { botToken: true, secretToken: true },
  receiveUrl: "https://hub.example.com/webhooks/telegram/q1V3xk9PzT0aB2cD",
  status: "active",
  statusReason: null,
  lastWebhookAt: at + 60_000,
  lastAuthFailureAt: null,
  lastAuthFailure: null,
  authFailureCount: 0,
  lastDeliveryErrorAt: null,
  lastDeliveryError: null,
  conversation: conversationSettingsSchema.parse({}),
  chatbotSecretSet: false,
  createdAt: at,
  updatedAt: at,
};
const ticket = {
  id: 1432, accountId, contactId: 311, queueId, status: "assigned", assigneeId: userId, subject: "İade talebi 📦", tags: ["iade"],
  createdAt: at, updatedAt: at + 120_000, lastMessageAt: at + 120_000, closedAt: null, disposition: null, closedBy: null,
};
const message = {
  id: 9001, conversationId: 512, direction: "in", authorId: null, body: "Merhaba, siparişim nerede?", attachments: [], providerMessageId: "777001:7",
  status: "received", statusReason: null, sentAt: at, createdAt: at, updatedAt: at, editedAt: null, deletedAt: null, revisions: [], reaction: null, replyTo: null, translation: null,
};
const reply = {
  ...message, id: 9002, direction: "out", authorId: userId, body: "Merhaba Maria, hemen bakıyorum.", providerMessageId: "777001:8",
  status: "delivered", sentAt: at + 120_000, createdAt: at + 120_000, updatedAt: at + 121_000, clientMsgId: "c-7f3a",
};
const cannedAnswer = { id: "5b0e8c1a-2d3f-4e5a-9b6c-7d8e9f0a1b2c", scope: "global", shortcut: "iade", body: "Merhaba {{contact.firstName}}, iade talebiniz alındı 📦", createdAt: at, updatedAt: at };
const conditions = [
  { field: "status", op: "in", value: ["open", "assigned"] },
  { field: "tags", op: "contains", value: "iade" },
];

const figures = {
  created: 37, handled: 29, abandoned: 2, firstResponse: { count: 31, avgS: 42.5, p90S: 95 }, handleTime: { count: 29, avgS: 612.3 },
  serviceLevel: { targetS: 20, within: 27, of: 33, pct: 81.8 },
};

/** Response examples by the component the response refers to; a page of them is made from the item's. */
const views: Record<string, unknown> = {
  User: user,
  Queue: queue,
  Me: { user, queues: [queue] },
  LoginResult: { token: "Xk2vP9qRt7LmN3bW8yZc4dF6hJ1sA0eG5uT2iO9pQ8w", expiresAt: at + 30 * 86_400_000, user },
  SocketTicket: { ticket: "q3V8mN0zK1xYb7cR5tLw2pHs9dFg4jAe6uQiOo_EkZ-", expiresAt: at + 30_000 },
  Member: { userId, email: user.email, displayName: user.displayName, role: "agent", active: true, weight: 1, addedAt: at },
  Colleague: { userId, displayName: user.displayName },
  Account: account,
  AccountWithRevealed: { ...account, revealed: { secretToken: "hT3kq9ZrX2mB7vN4pL8wC1yD6fG0jS5a" } },
  TicketListItem: {
    id: 1432, accountId, accountName: "Support bot", accountShortKey: "TG1", provider: "telegram", contactId: 311, contactName: "Maria Garcia", contactHandle: "777001",
    contactUsername: "maria_g", queueId, queueName: "Support", status: "assigned", assigneeId: userId, agentName: user.displayName,
    subject: "İade talebi 📦", tags: ["iade"], disposition: null, closedBy: null, unread: 1, escalated: false, createdAt: at, updatedAt: at + 120_000,
    lastMessageAt: at + 120_000, firstReplyAt: at + 120_000, closedAt: null, preview: "Merhaba, siparişim nerede?",
  },
  TicketDetail: {
    ticket,
    contact: { id: 311, accountId, externalId: "777001", address: "777001", displayName: "Maria Garcia", username: "maria_g", language: "tr", createdAt: at, lastSeenAt: at },
    messages: [message, reply],
    unread: 0,
    replyWindow: { open: true, closesAt: null, kind: "none" },
    closing: { dispositions: ["Solved", "Çözüldü", "Follow-up"], dispositionRequired: true },
  },
  Ticket: ticket,
  TicketReadMark: { lastReadMessageId: 9001, unread: 0 },
  TicketsDeleted: { deleted: [1432, 1433], notFound: [99] },
  ContactErased: { contactId: 311, deletedTickets: [1432, 1433] },
  SavedSearch: { id: "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", ownerId: userId, name: "Open refunds", match: "all", conditions, shared: false, createdAt: at, updatedAt: at },
  CannedAnswer: cannedAnswer,
  Template: {
    id: "tpl_Q2n8xk3Lw0aB", name: "Karşılama", description: "The welcome message", body: "Merhaba {{contact.firstName}} 👋 {{queue.name}} ekibine bağlandınız.",
    variables: ["contact.firstName", "queue.name"], usedBy: [{ kind: "account", id: accountId, name: "Support bot", field: "conversation.messages.welcome" }],
    createdAt: at, updatedAt: at, createdBy: userId, updatedBy: userId,
  },
  TemplatePreview: { text: "Merhaba Ayşe 👋 Support ekibine bağlandınız.", variables: ["contact.firstName", "queue.name"] },
  QueueStats: {
    queueId, at, timeZone: "Europe/Istanbul", since: at - 5_400_000, waiting: 2, longestWaitS: 48, offersInFlight: 1, agentsByState: { online: 2, away: 0, offline: 1 }, load: 4, capacity: 6,
    today: figures,
    agents: [{ id: userId, name: user.displayName, status: "online", load: 2, capacity: 3, today: figures }],
  },
  Report: { from: at - 86_400_000 * 3, to: at, groupBy: "queue", timeZone: "UTC", rows: [{ key: queueId, name: "Support", figures }], total: figures },
  AuditEntry: { id: 501, actorId: userId, action: "queue.update", entityType: "queue", entityId: queueId, details: { name: "Support" }, at },
};

const accountCreates: Record<string, { summary: string; value: unknown }> = {
  telegram: { summary: "Telegram", value: { provider: "telegram", name: "Support bot", queueId, credentials: { botToken: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" } } },
  meta: {
    summary: "Instagram through Meta",
    value: { provider: "meta", name: "Instagram", queueId, settings: { igAccountId: "17841400000000000", flavor: "instagram" }, credentials: { appSecrets: ["3f9c2b7a8e1d4c6b5a0f9e8d7c6b5a4f"], accessToken: "IGAAexampletoken" } },
  },
  connexease: {
    summary: "Connexease",
    value: { provider: "connexease", name: "Connexease WhatsApp", queueId, settings: { channelId: "8d5f2c3e-1b7a-4c59-9f0e-2a6b3c4d5e6f", accountId: "10234" }, credentials: { username: "api-user", password: "s3cret-pass" } },
  },
  twilio: {
    summary: "WhatsApp through Twilio",
    value: { provider: "twilio", name: "WhatsApp", queueId, settings: { accountSid: "AC0123456789abcdef0123456789abcdef", from: "whatsapp:+14155238886" }, credentials: { authToken: "0123456789abcdef0123456789abcdef" } },
  },
  sinch: {
    summary: "WhatsApp through Sinch",
    value: { provider: "sinch", name: "WhatsApp (Sinch)", queueId, settings: { projectId: "b5b4f7c2-0000-4000-8000-000000000000", appId: "01EXAMPLEAPP", region: "eu" }, credentials: { keyId: "key-id", keySecret: "key-secret" } },
  },
  custom: { summary: "Custom channel", value: { provider: "custom", name: "Web shop chat", queueId, settings: { outgoingUrl: "https://shop.example.com/hub-webhook" } } },
};

/** Request body examples by operation. */
const requests: Record<string, unknown> = {
  "POST /api/v1/auth/login": { email: "admin@example.com", password: "correct horse battery" },
  "POST /api/v1/queues": { name: "Support", routing: { strategy: "least-busy", agentTimeoutS: 30 } },
  "PATCH /api/v1/queues/{id}": { name: "Support (TR)" },
  "PUT /api/v1/queues/{id}/members/{userId}": { weight: 2 },
  "POST /api/v1/users": { email: "ayse@example.com", displayName: "Ayşe Yılmaz", role: "agent", capacity: 3, password: "a long passphrase" },
  "PATCH /api/v1/users/{id}": { capacity: 5, active: true },
  "PATCH /api/v1/accounts/{id}": { name: "Support bot (TR)", credentials: { botToken: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" } },
  "POST /api/v1/tickets/export.csv": { ids: [1432, 1433] },
  "PATCH /api/v1/tickets/{id}": { subject: "İade talebi 📦", tags: ["iade", "kargo"] },
  "POST /api/v1/tickets/delete": { ids: [1432, 1433] },
  "POST /api/v1/tickets/search": { match: "all", conditions },
  "POST /api/v1/tickets/{id}/read": { messageId: 9001 },
  "POST /api/v1/tickets/{id}/close": { disposition: "Çözüldü" },
  "POST /api/v1/saved-searches": { name: "Open refunds", match: "all", conditions, shared: false },
  "PATCH /api/v1/saved-searches/{id}": { shared: true },
  "POST /api/v1/canned-answers": { scope: "global", shortcut: "iade", body: "Merhaba {{contact.firstName}}, iade talebiniz alındı 📦" },
  "PATCH /api/v1/canned-answers/{id}": { body: "Merhaba {{contact.firstName}}, talebiniz alındı." },
};

const errorExamples: Record<string, { code: ErrorCode; message: string; details?: unknown }> = {
  400: { code: "validation_failed", message: "The request does not match the schema", details: [{ path: "name", message: "Too small: expected string to have >=1 characters" }] },
  401: { code: "unauthorized", message: "Missing or invalid credentials" },
  403: { code: "forbidden", message: "Your role does not allow this" },
  404: { code: "not_found", message: "Queue not found" },
  409: { code: "conflict", message: "A queue with this name exists" },
  502: { code: "provider_error", message: "Bad Request: bad webhook: HTTPS url must be provided for webhook" },
};

const refName = (schema: Schema | undefined) => (typeof schema?.$ref === "string" ? schema.$ref.split("/").pop()! : undefined);

/** A body made of its fields' own examples, when every required field has one. */
function fromFieldExamples(doc: Doc, schema: Schema | undefined): unknown {
  const target = refName(schema) ? doc.components.schemas[refName(schema)!] : schema;
  const properties = target?.properties;
  if (!properties) return undefined;
  const fields = Object.entries(properties).filter(([, p]) => p.example !== undefined);
  if (fields.length === 0 || (target.required ?? []).some((r) => properties[r]?.example === undefined)) return undefined;
  return Object.fromEntries(fields.map(([name, p]) => [name, p.example]));
}

/** The example of a response schema: a view, or a page of views. */
function responseExample(schema: Schema | undefined): unknown {
  const name = refName(schema);
  if (name) return name === "Error" ? undefined : views[name];
  const pageFields = Object.keys(schema?.properties ?? {});
  if (pageFields.some((f) => f !== "items" && f !== "nextCursor")) return undefined;
  const items = schema?.properties?.items as Schema | undefined;
  const item = items?.type === "array" ? views[refName(items.items as Schema) ?? ""] : undefined;
  if (item === undefined) return undefined;
  return "nextCursor" in (schema?.properties ?? {}) ? { items: [item], nextCursor: null } : { items: [item] };
}

export function addExamples(doc: Doc) {
  for (const { key, op } of operationsOf(doc)) {
    const body: Media | undefined = op.requestBody?.content?.["application/json"];
    if (body && body.example === undefined && !body.examples) {
      if (key === "POST /api/v1/accounts") body.examples = accountCreates;
      else body.example = key in requests ? requests[key] : fromFieldExamples(doc, body.schema);
    }
    for (const [status, response] of Object.entries(op.responses ?? {})) {
      const media = response.content?.["application/json"];
      if (!media || media.example !== undefined) continue;
      const error = errorExamples[status];
      const example = refName(media.schema) === "Error" ? (error && errorCodes[error.code].status === Number(status) ? { error } : undefined) : responseExample(media.schema);
      if (example !== undefined) media.example = example;
    }
  }
}
