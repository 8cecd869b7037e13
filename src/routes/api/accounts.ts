import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type AccountRow, countAccountTickets, deleteAccount, getAccount, insertAccount, listAccounts, updateAccount } from "../../db/accounts";
import { auditInsert } from "../../db/audit";
import { getQueue } from "../../db/queues";
import type { AppContext } from "../../env";
import { ApiError, badRequest, conflict, notFound } from "../../errors";
import { setWebhook } from "../../providers/telegram/api";
import { telegramCredentialsSchema, telegramSettingsSchema } from "../../providers/telegram/config";
import { providerKinds, type ProviderKind } from "../../providers/types";
import { randomToken, seal, unseal } from "../../security/crypto";
import { publicOrigin, receiveUrl } from "../public-url";
import { providerSpec } from "./account-providers";
import type { Db } from "./db";
import { apiRoute, db, errors, jsonBody, jsonResponse, parseWith, router, timestamp, uuidParam } from "./shared";

const accountSchema = z
  .object({
    id: z.string(),
    provider: z.enum(providerKinds),
    name: z.string(),
    key: z.string().openapi({ description: "The unguessable part of the receive URL" }),
    queueId: z.string(),
    settings: z.record(z.string(), z.unknown()),
    credentialsSet: z
      .record(z.string(), z.literal(true))
      .openapi({ description: "Names of the credentials stored; their values are never returned", example: { botToken: true, secretToken: true } }),
    receiveUrl: z.string().openapi({ description: "Where the provider must send its webhooks" }),
    status: z.enum(["active", "pending", "error"]),
    statusReason: z.string().nullable(),
    lastWebhookAt: timestamp.nullable(),
    lastAuthFailureAt: timestamp.nullable(),
    lastAuthFailure: z.string().nullable(),
    lastDeliveryErrorAt: timestamp.nullable(),
    lastDeliveryError: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .openapi("Account");

const name = z.string().trim().min(1).max(100);
const queueId = z.string().min(1).max(64);
const settings = z
  .record(z.string(), z.unknown())
  .openapi({ description: "Provider settings, replaced as a whole (telegram: TelegramSettings)" });
const credentials = z.record(z.string(), z.unknown()).openapi({
  description:
    "Write-only provider secrets, sealed at rest (telegram: TelegramCredentials; secretToken is generated when omitted). On update, the fields given replace the stored ones.",
});

const createBody = z
  .strictObject({
    provider: z.enum(providerKinds).openapi({ description: "Only telegram is supported so far" }),
    name,
    queueId,
    settings: settings.default({}),
    credentials,
  })
  .openapi("AccountCreate");

const updateBody = z
  .strictObject({ name: name.optional(), queueId: queueId.optional(), settings: settings.optional(), credentials: credentials.optional() })
  .openapi("AccountUpdate");

const readers = ["admin", "supervisor"] as const;

const list = apiRoute(readers, {
  method: "get",
  path: "/accounts",
  tags: ["accounts"],
  summary: "List channel accounts",
  responses: { 200: jsonResponse(z.object({ items: z.array(accountSchema) }), "Accounts by name") },
});

const read = apiRoute(readers, {
  method: "get",
  path: "/accounts/{id}",
  tags: ["accounts"],
  summary: "Read a channel account",
  request: { params: uuidParam },
  responses: { 200: jsonResponse(accountSchema, "The account"), 404: errors[404] },
});

const create = apiRoute(["admin"], {
  method: "post",
  path: "/accounts",
  tags: ["accounts"],
  summary: "Connect a channel account",
  request: { body: jsonBody(createBody) },
  responses: { 201: jsonResponse(accountSchema, "Created") },
});

const update = apiRoute(["admin"], {
  method: "patch",
  path: "/accounts/{id}",
  tags: ["accounts"],
  summary: "Change an account; new credentials are merged into the stored ones and clear an error status",
  request: { params: uuidParam, body: jsonBody(updateBody) },
  responses: { 200: jsonResponse(accountSchema, "Updated"), 404: errors[404] },
});

const remove = apiRoute(["admin"], {
  method: "delete",
  path: "/accounts/{id}",
  tags: ["accounts"],
  summary: "Delete an account that has no tickets",
  request: { params: uuidParam },
  responses: { 204: { description: "Deleted" }, 404: errors[404], 409: errors[409] },
});

const registerWebhook = apiRoute(["admin"], {
  method: "post",
  path: "/accounts/{id}/telegram/webhook",
  tags: ["accounts"],
  summary: "Register the account's receive URL with Telegram (setWebhook)",
  request: { params: uuidParam },
  responses: {
    200: jsonResponse(z.object({ ok: z.literal(true), url: z.string() }), "Telegram accepted the webhook"),
    404: errors[404],
    502: errors[502],
  },
});

type Ctx = Context<AppContext>;

function receiveUrlOf(c: Ctx, row: Pick<AccountRow, "provider" | "key">) {
  return receiveUrl(publicOrigin(c.req.url, c.env), row.provider, row.key);
}

async function openCredentials(c: Ctx, row: AccountRow): Promise<Record<string, unknown>> {
  return JSON.parse(await unseal(c.env.SECRETS_KEY, row.credentials)) as Record<string, unknown>;
}

async function toView(c: Ctx, row: AccountRow): Promise<z.infer<typeof accountSchema>> {
  const { credentials: sealed, ...rest } = row;
  const names = await openCredentials(c, row).then(Object.keys, () => []);
  return { ...rest, credentialsSet: Object.fromEntries(names.map((n) => [n, true as const])), receiveUrl: receiveUrlOf(c, row) };
}

function specOrReject(provider: ProviderKind) {
  const spec = providerSpec(provider);
  if (!spec) throw badRequest("provider not supported yet", [{ path: "provider", message: `${provider} is not supported yet` }]);
  return spec;
}

async function requireQueue(d: Db, id: string) {
  if (!(await getQueue(d, id))) throw badRequest("No queue with this id", [{ path: "queueId", message: "No such queue" }]);
}

async function loadAccount(d: Db, id: string) {
  const row = await getAccount(d, id);
  if (!row) throw notFound("Account");
  return row;
}

export function accountRoutes() {
  const app = router();
  app.openAPIRegistry.register("TelegramSettings", telegramSettingsSchema);
  app.openAPIRegistry.register("TelegramCredentials", telegramCredentialsSchema);

  app.openapi(list, async (c) => {
    const rows = await listAccounts(db(c));
    return c.json({ items: await Promise.all(rows.map((r) => toView(c, r))) }, 200);
  });

  app.openapi(read, async (c) => c.json(await toView(c, await loadAccount(db(c), c.req.valid("param").id)), 200));

  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    const spec = specOrReject(body.provider);
    const d = db(c);
    await requireQueue(d, body.queueId);
    const settings = parseWith(spec.settings, body.settings, "settings");
    const creds = parseWith(spec.credentials, { ...spec.generated(), ...body.credentials }, "credentials");
    const id = crypto.randomUUID();
    const [rows] = await d.batch([
      insertAccount(d, {
        id,
        provider: body.provider,
        key: randomToken(12),
        name: body.name,
        queueId: body.queueId,
        settings,
        credentials: await seal(c.env.SECRETS_KEY, JSON.stringify(creds)),
      }),
      auditInsert(d, {
        actorId: c.var.auth.userId,
        action: "account.create",
        entityType: "account",
        entityId: id,
        details: { provider: body.provider, name: body.name, queueId: body.queueId, settings, credentialFields: Object.keys(creds) },
      }),
    ]);
    return c.json(await toView(c, rows[0]!), 201);
  });

  app.openapi(update, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    if (Object.keys(body).length === 0) throw badRequest("Nothing to update");
    const d = db(c);
    const row = await loadAccount(d, id);
    const spec = specOrReject(row.provider);
    if (body.queueId !== undefined) await requireQueue(d, body.queueId);
    const patch: Partial<AccountRow> = { updatedAt: Date.now() };
    if (body.name !== undefined) patch.name = body.name;
    if (body.queueId !== undefined) patch.queueId = body.queueId;
    if (body.settings !== undefined) patch.settings = parseWith(spec.settings, body.settings, "settings");
    if (body.credentials !== undefined) {
      const merged = parseWith(spec.credentials, { ...(await openCredentials(c, row)), ...body.credentials }, "credentials");
      patch.credentials = await seal(c.env.SECRETS_KEY, JSON.stringify(merged));
      patch.status = "active";
      patch.statusReason = null;
    }
    const { credentials, ...details } = body;
    const [rows] = await d.batch([
      updateAccount(d, id, patch),
      auditInsert(d, {
        actorId: c.var.auth.userId,
        action: "account.update",
        entityType: "account",
        entityId: id,
        details: { ...details, ...(credentials ? { credentialFields: Object.keys(credentials) } : {}) },
      }),
    ]);
    return c.json(await toView(c, rows[0]!), 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    const d = db(c);
    const row = await loadAccount(d, id);
    const tickets = await countAccountTickets(d, id);
    if (tickets > 0) throw conflict(`The account has ${tickets} tickets; deleting it would erase their history`);
    await d.batch([
      deleteAccount(d, id),
      auditInsert(d, {
        actorId: c.var.auth.userId,
        action: "account.delete",
        entityType: "account",
        entityId: id,
        details: { provider: row.provider, name: row.name },
      }),
    ]);
    return c.body(null, 204);
  });

  app.openapi(registerWebhook, async (c) => {
    const d = db(c);
    const row = await loadAccount(d, c.req.valid("param").id);
    if (row.provider !== "telegram") throw badRequest(`This is a ${row.provider} account, not a telegram one`);
    const creds = telegramCredentialsSchema.parse(await openCredentials(c, row));
    const settings = telegramSettingsSchema.parse(row.settings);
    const url = receiveUrlOf(c, row);
    const result = await setWebhook(creds, settings, url);
    if (!result.ok) throw new ApiError(502, "provider_error", result.reason);
    await auditInsert(d, {
      actorId: c.var.auth.userId,
      action: "account.webhook_registered",
      entityType: "account",
      entityId: row.id,
      details: { url },
    });
    return c.json({ ok: true as const, url }, 200);
  });

  return app;
}
