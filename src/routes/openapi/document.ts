import { errorCodes } from "./error-codes";
import { addExamples } from "./examples";
import { operationIds } from "./operation-ids";
import { withPlainPatterns } from "./patterns";
import { typeAccountsByProvider } from "./provider-schemas";
import { receivePaths, webhookAcceptedSchema } from "./receive-paths";
import { socketPaths, socketTicketScheme } from "./socket-paths";
import { operationsOf, type Doc } from "./types";

export const tags = [
  { name: "auth", description: "Logging in and the caller's own identity" },
  { name: "queues", description: "Queues, their routing configuration and their live figures" },
  { name: "members", description: "Which users work in which queue" },
  { name: "users", description: "Admins, supervisors and agents" },
  { name: "accounts", description: "Channel accounts: where provider webhooks come in and replies go out" },
  { name: "tickets", description: "Customer tickets and their message history: the list, the search, read marks, export and erasure" },
  { name: "contacts", description: "Erasing a customer and everything of theirs" },
  { name: "saved searches", description: "Ticket searches kept by a user, or shared with everyone by a supervisor or an admin" },
  { name: "templates", description: "The template library: named texts with variables that automatic messages refer to" },
  { name: "canned answers", description: "Ready replies agents send by shortcut" },
  { name: "reports", description: "Service figures (handled, abandoned, first response, handle time, service level) over a date range" },
  { name: "audit", description: "Who changed what" },
  { name: "webhooks", description: "Receive URLs the providers call: each authenticates over the raw bytes with its own signature, not a bearer token" },
  { name: "sockets", description: "The agent's and the supervisor's WebSockets (docs/agent-protocol.md)" },
];

export const info = {
  title: "channel-hub",
  version: "0.1.0",
  description:
    "The JSON API of channel-hub, its receive URLs and its sockets. Send `Authorization: Bearer <token>` (from POST /api/v1/auth/login; " +
    "on this page: Authorize). Every error is `{\"error\":{\"code\",\"message\",\"details\"}}`, `code` one of the Error schema's.",
};

/** Where the hub runs: this page's own origin, or a deployment named by its host. */
const servers = [
  { url: "/", description: "The hub serving this document" },
  {
    url: "https://{host}",
    description: "A deployment of the hub",
    variables: { host: { default: "channel-hub.your-subdomain.workers.dev", description: "The deployment's host name (its PUBLIC_BASE_URL)" } },
  },
];

/** The generated document, completed with what the routes' zod schemas cannot say. */
export function completeDocument(doc: Doc): Doc {
  withPlainPatterns(doc);
  doc.servers = servers;
  doc.security = [{ bearerAuth: [] }];
  doc.components.securitySchemes = { ...doc.components.securitySchemes, socketTicket: socketTicketScheme };

  const schemas = doc.components.schemas;
  const codes = Object.keys(errorCodes);
  const error = schemas.Error?.properties?.error;
  if (error?.properties?.code) {
    error.properties.code = {
      type: "string",
      enum: codes,
      description: Object.entries(errorCodes).map(([code, e]) => `- \`${code}\` (${e.status}): ${e.when}`).join("\n"),
    };
    error.properties.details = { description: "With `validation_failed`: `[{path, message}]`, one per problem; otherwise what the code's case adds, if anything" };
  }
  schemas.WebhookAccepted = webhookAcceptedSchema;
  typeAccountsByProvider(doc);

  Object.assign(doc.paths, receivePaths(), socketPaths());
  for (const { key, op } of operationsOf(doc)) {
    const id = operationIds[key];
    if (id) op.operationId = id;
  }
  addExamples(doc);
  if (doc.webhooks && Object.keys(doc.webhooks).length === 0) delete doc.webhooks;
  return doc;
}
