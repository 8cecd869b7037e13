import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type AccountRow, countAccountTickets, deleteAccount, getAccount, insertAccount, listAccounts, updateAccount, updateAccountUnchanged } from "../../db/accounts";
import { audited, auditInsert } from "../../db/audit";
import { getQueue } from "../../db/queues";
import type { AppContext } from "../../env";
import { conversationMessageFields, conversationSettingsSchema, type StoredConversationSettings } from "../../domain/conversation-settings";
import { ApiError, badRequest, conflict, notFound } from "../../errors";
import { customCredentialsSchema, customSettingsSchema } from "../../providers/custom/config";
import { adapterFor } from "../../providers/registry";
import { telegramCredentialsSchema, telegramSettingsSchema } from "../../providers/telegram/config";
import { providerKinds, type ActivationResult, type ProviderKind } from "../../providers/types";
import { randomToken, seal, unseal } from "../../security/crypto";
import { accountSecrets, maskSecrets } from "../../security/redact";
import { publicOrigin, receiveUrl } from "../../domain/public-url";
import { forgetReceivingAccount } from "../webhooks/receiving-accounts";
import { providerSpec } from "./account-providers";
import type { Db } from "../../db/database";
import { apiRoute, db, errors, isUniqueViolation, jsonBody, jsonResponse, parseWith, router, timestamp, uuidParam } from "./shared";
import { checkTemplateRefs } from "./templates";
import { conversationSchema } from "./views";

const accountSchema = z
  .object({
    id: z.string(),
    provider: z.enum(providerKinds),
    name: z.string(),
    shortKey: z.string().nullable().openapi({ description: "The account's short Key agents see on conversation tabs (1-5 letters or digits, upper case)", example: "TG1" }),
    description: z.string().nullable(),
    phone: z.string().nullable().openapi({ example: "+90 212 555 0101" }),
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
    authFailureCount: z.number().int().openapi({
      description:
        "Refused webhooks so far. Failures are written at most once a minute per account (each Worker instance counts the rest in memory and adds them with its next write), so the latest minute's may not show yet",
    }),
    lastDeliveryErrorAt: timestamp.nullable(),
    lastDeliveryError: z.string().nullable(),
    conversation: conversationSchema,
    chatbotSecretSet: z.boolean().openapi({ description: "Whether requests to the chatbot are signed: a secret exists (its value is never returned)" }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .openapi("Account");

const accountWithRevealedSchema = accountSchema
  .extend({
    revealed: z
      .record(z.string(), z.string())
      .optional()
      .openapi({
        description:
          "Secrets shown in this answer only, never again: every credential the hub generated because the body omitted it (telegram `secretToken`, meta `verifyToken`, connexease/sinch `webhookSecret`, custom `signingSecret`) — give it to the provider —, for custom, `accessToken` when activation succeeded (the hub keeps only its hash), and `chatbotSecret` when this request set a chatbot (the key of the `X-Hub-Signature-256` HMAC on requests to it).",
        example: { accessToken: "q3J…", signingSecret: "Zb8…", chatbotSecret: "k9Q…" },
      }),
  })
  .openapi("AccountWithRevealed");

const name = z.string().trim().min(1).max(100);
const shortKey = z
  .string()
  .regex(/^[A-Za-z0-9]{1,5}$/, "Expected 1 to 5 letters (A-Z) or digits")
  .transform((k) => k.toUpperCase())
  .nullable()
  .openapi({ description: "A short Key agents see on conversation tabs: 1-5 letters or digits, stored upper case, unique whatever its case; null for none", example: "TG1" });
const description = z.string().trim().max(500).nullable().openapi({ description: "Free text for the people who run the hub; null for none" });
const phone = z
  .string()
  .trim()
  .max(32)
  .regex(/^\+?[0-9][0-9 ().-]{2,31}$/, "Expected a phone number such as +90 212 555 01 01")
  .nullable()
  .openapi({ description: "The account's phone number (E.164, spaces and dashes allowed); null for none", example: "+90 212 555 0101" });
const queueId = z.string().min(1).max(64);
const settings = z
  .record(z.string(), z.unknown())
  .openapi({ description: "Provider settings, replaced as a whole (telegram: TelegramSettings)" });
const credentials = z.record(z.string(), z.unknown()).openapi({
  description:
    "Write-only provider secrets, sealed at rest; their fields per provider are in docs/providers/<provider>.md. Webhook secrets omitted here are generated and shown once in `revealed`. On update, the fields given replace the stored ones.",
});

const conversation = conversationSchema.optional().openapi({
  description:
    "How conversations behave: customer commands, automatic messages, business hours, chatbot (docs/conversations.md). Replaced as a whole; omitted fields take their defaults. Setting a chatbot generates its signing secret, shown once in `revealed.chatbotSecret`",
});

const createBody = z
  .strictObject({
    provider: z.enum(providerKinds).openapi({ description: "telegram, meta (Instagram), connexease, twilio (WhatsApp), sinch (WhatsApp) or custom" }),
    name,
    shortKey: shortKey.optional(),
    description: description.optional(),
    phone: phone.optional(),
    queueId,
    settings: settings.default({}),
    credentials: credentials.default({}),
    conversation,
  })
  .openapi("AccountCreate");

const updateBody = z
  .strictObject({
    name: name.optional(),
    shortKey: shortKey.optional(),
    description: description.optional(),
    phone: phone.optional(),
    queueId: queueId.optional(),
    settings: settings.optional(),
    credentials: credentials.optional(),
    conversation,
  })
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
  responses: {
    201: jsonResponse(
      accountWithRevealedSchema,
      "Created. A channel with an activation step (custom) is activated before this answer: `status` active with `revealed.accessToken`, or pending with `statusReason`",
    ),
  },
});

const update = apiRoute(["admin"], {
  method: "patch",
  path: "/accounts/{id}",
  tags: ["accounts"],
  summary:
    "Change an account; new credentials are merged into the stored ones and clear an error status. A custom channel whose settings (outgoingUrl) change goes back to pending until activated again",
  request: { params: uuidParam, body: jsonBody(updateBody) },
  responses: { 200: jsonResponse(accountWithRevealedSchema, "Updated; `revealed.chatbotSecret` when this update set a chatbot"), 404: errors[404] },
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

const activate = apiRoute(["admin"], {
  method: "post",
  path: "/accounts/{id}/activate",
  tags: ["accounts"],
  summary:
    "Activate a custom channel (again): the hub POSTs a challenge to its outgoingUrl; on an echo a new access token replaces the old one and is shown once in `revealed`; otherwise the channel is pending with the reason",
  request: { params: uuidParam },
  responses: {
    200: jsonResponse(accountWithRevealedSchema, "The account after the attempt: active with `revealed.accessToken`, or pending with `statusReason`"),
    404: errors[404],
    409: errors[409],
  },
});

type Ctx = Context<AppContext>;

/** Credential fields only activation sets (custom: accessTokenHash). */
const activationOnly = (provider: ProviderKind): readonly string[] => adapterFor(provider)?.activationOnlyCredentials ?? [];

/** 400 for credentials an admin may never set (custom: accessTokenHash, set by activation only). */
function refuseActivationOnly(provider: ProviderKind, given: Record<string, unknown> | undefined) {
  const refused = activationOnly(provider).filter((n) => given && n in given);
  if (refused.length === 0) return;
  throw new ApiError(
    400,
    "validation_failed",
    "The request does not match the schema",
    refused.map((n) => ({ path: `credentials.${n}`, message: "Set by activation only (POST /api/v1/accounts/{id}/activate), never by an admin" })),
  );
}

function withoutActivationOnly(provider: ProviderKind, creds: Record<string, unknown>) {
  const drop = new Set(activationOnly(provider));
  return Object.fromEntries(Object.entries(creds).filter(([k]) => !drop.has(k)));
}

/** Runs the adapter's activation; null for providers without one. Never throws. The reason is masked of the account's secrets. */
async function runActivation(
  c: Ctx,
  account: Pick<AccountRow, "id" | "provider" | "key">,
  creds: Record<string, unknown>,
  settings: Record<string, unknown>,
): Promise<ActivationResult | null> {
  const adapter = adapterFor(account.provider);
  if (!adapter?.activate) return null;
  let result: ActivationResult;
  try {
    result = await adapter.activate({ accountId: account.id, creds, settings, receiveUrl: receiveUrlOf(c, account), now: Date.now() });
  } catch (err) {
    result = { status: "pending", reason: `activation failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  return result.status === "pending" ? { ...result, reason: await maskSecrets(result.reason, accountSecrets(creds, settings)) } : result;
}

/** The credentials and status an activation outcome leaves: a pending channel keeps no access token. */
function afterActivation(provider: ProviderKind, creds: Record<string, unknown>, result: ActivationResult) {
  return result.status === "active"
    ? { creds: { ...creds, ...result.credentialsPatch }, status: "active" as const, statusReason: null, revealed: result.reveal }
    : { creds: withoutActivationOnly(provider, creds), status: "pending" as const, statusReason: result.reason, revealed: undefined };
}

/** Writes `patch` only if nobody changed the account since `row` was read (an activation is a slow round trip). */
async function updateUnchanged(d: Db, row: AccountRow, patch: Partial<AccountRow>) {
  const updated = await updateAccountUnchanged(d, row, patch);
  if (!updated) throw conflict("The account changed while this request ran; try again");
  return updated;
}

function receiveUrlOf(c: Ctx, row: Pick<AccountRow, "provider" | "key">) {
  return receiveUrl(publicOrigin(c.req.url, c.env), row.provider, row.key);
}

async function openCredentials(c: Ctx, row: AccountRow): Promise<Record<string, unknown>> {
  return JSON.parse(await unseal(c.env.SECRETS_KEY, row.credentials)) as Record<string, unknown>;
}

async function toView(c: Ctx, row: AccountRow): Promise<z.infer<typeof accountSchema>> {
  const { credentials: _sealed, chatbotSecret, conversation, ...rest } = row;
  const names = await openCredentials(c, row).then(Object.keys, () => []);
  return {
    ...rest,
    credentialsSet: Object.fromEntries(names.map((n) => [n, true as const])),
    receiveUrl: receiveUrlOf(c, row),
    conversation: conversationSettingsSchema.parse(conversation),
    chatbotSecretSet: chatbotSecret !== null,
  };
}

/**
 * The chatbot secret a change of conversation settings leaves: a new one when a chatbot is set
 * where none was (shown once), none without a chatbot, otherwise the stored one.
 */
async function chatbotSecretFor(c: Ctx, next: StoredConversationSettings, stored: string | null): Promise<{ sealed: string | null; revealed?: string }> {
  if (!next.chatbot) return { sealed: null };
  if (stored !== null) return { sealed: stored };
  const secret = randomToken(32);
  return { sealed: await seal(c.env.SECRETS_KEY, secret), revealed: secret };
}

function specOrReject(provider: ProviderKind) {
  const spec = providerSpec(provider);
  if (!spec) throw badRequest("provider not supported yet", [{ path: "provider", message: `${provider} is not supported yet` }]);
  return spec;
}

/** A 409 at `shortKey` for the unique index's refusal; other errors go on. */
const shortKeyTaken = (key: string | null | undefined) => (err: unknown): never => {
  if (isUniqueViolation(err, "channel_accounts.short_key")) {
    throw conflict(`Another account has the Key ${key}`, [{ path: "shortKey", message: "Already taken by another account" }]);
  }
  throw err;
};

async function requireQueue(d: Db, id: string) {
  if (!(await getQueue(d, id))) throw badRequest("No queue with this id", [{ path: "queueId", message: "No such queue" }]);
}

async function loadAccount(d: Db, id: string) {
  const row = await getAccount(d, id);
  if (!row) throw notFound("Account");
  return row;
}

/**
 * PATCH rules of a channel that must prove its endpoint: new settings (another outgoingUrl) put it
 * back to pending and drop its access token until it is activated again; new credentials (a new
 * signingSecret) never activate a pending channel.
 */
async function activationPatch(c: Ctx, row: AccountRow, settingsSchema: z.ZodType<Record<string, unknown>>, patch: Partial<AccountRow>) {
  const before = settingsSchema.safeParse(row.settings);
  const changed = patch.settings !== undefined && (!before.success || JSON.stringify(before.data) !== JSON.stringify(patch.settings));
  if (changed) {
    const current = patch.credentials ? (JSON.parse(await unseal(c.env.SECRETS_KEY, patch.credentials)) as Record<string, unknown>) : await openCredentials(c, row);
    return {
      ...patch,
      credentials: await seal(c.env.SECRETS_KEY, JSON.stringify(withoutActivationOnly(row.provider, current))),
      status: "pending" as const,
      statusReason: `settings changed: the outgoing webhook must answer the challenge again (POST /api/v1/accounts/${row.id}/activate)`,
    };
  }
  if (row.status === "pending") {
    const { status: _status, statusReason: _reason, ...rest } = patch;
    return rest;
  }
  return patch;
}

export function accountRoutes() {
  const app = router();
  app.openAPIRegistry.register("TelegramSettings", telegramSettingsSchema);
  app.openAPIRegistry.register("TelegramCredentials", telegramCredentialsSchema);
  app.openAPIRegistry.register("CustomSettings", customSettingsSchema);
  app.openAPIRegistry.register(
    "CustomCredentials",
    customCredentialsSchema
      .omit({ accessTokenHash: true })
      .partial()
      .openapi({ description: "signingSecret is generated (and shown once) when omitted; accessTokenHash is set by activation only and refused here" }),
  );

  app.openapi(list, async (c) => {
    const rows = await listAccounts(db(c));
    return c.json({ items: await Promise.all(rows.map((r) => toView(c, r))) }, 200);
  });

  app.openapi(read, async (c) => c.json(await toView(c, await loadAccount(db(c), c.req.valid("param").id)), 200));

  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    const spec = specOrReject(body.provider);
    refuseActivationOnly(body.provider, body.credentials);
    const d = db(c);
    await requireQueue(d, body.queueId);
    const settings = parseWith(spec.settings, body.settings, "settings");
    const generated = spec.generated();
    let creds = parseWith(spec.credentials, { ...generated, ...body.credentials }, "credentials");
    const id = crypto.randomUUID();
    const key = randomToken(12);

    // A channel that must prove its endpoint is activated before the account is stored.
    const activation = await runActivation(c, { id, provider: body.provider, key }, creds, settings);
    const outcome = activation ? afterActivation(body.provider, creds, activation) : null;
    if (outcome) creds = outcome.creds;
    // Secrets the hub generated are shown once, here: the admin must give them to the provider.
    const shownGenerated = Object.keys(generated).filter(
      (n) => !(body.credentials && n in body.credentials) && typeof creds[n] === "string",
    );
    const revealed: Record<string, string> = { ...Object.fromEntries(shownGenerated.map((n) => [n, creds[n] as string])), ...outcome?.revealed };
    const conversation = body.conversation ?? conversationSettingsSchema.parse({});
    await checkTemplateRefs(d, conversation, conversationMessageFields, "conversation");
    const chatbot = await chatbotSecretFor(c, conversation, null);
    if (chatbot.revealed) revealed.chatbotSecret = chatbot.revealed;

    const [rows] = await audited(d, [insertAccount(d, {
        id,
        provider: body.provider,
        key,
        name: body.name,
        shortKey: body.shortKey ?? null,
        description: body.description ?? null,
        phone: body.phone ?? null,
        queueId: body.queueId,
        settings,
        credentials: await seal(c.env.SECRETS_KEY, JSON.stringify(creds)),
        conversation,
        chatbotSecret: chatbot.sealed,
        ...(outcome ? { status: outcome.status, statusReason: outcome.statusReason } : {}),
      })], {
        actorId: c.var.auth.userId,
        action: "account.create",
        entityType: "account",
        entityId: id,
        details: {
          provider: body.provider,
          name: body.name,
          ...(body.shortKey ? { shortKey: body.shortKey } : {}),
          queueId: body.queueId,
          settings,
          credentialFields: Object.keys(creds),
          ...(body.conversation ? { conversation } : {}),
          ...(chatbot.revealed ? { chatbotSecretGenerated: true } : {}),
          ...(outcome ? { activation: { status: outcome.status, reason: outcome.statusReason } } : {}),
        },
      }).catch(shortKeyTaken(body.shortKey));
    // The key may have been probed (and cached as unknown) before it existed.
    forgetReceivingAccount(key);
    const view = await toView(c, rows[0]!);
    return c.json(Object.keys(revealed).length > 0 ? { ...view, revealed } : view, 201);
  });

  app.openapi(update, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    if (Object.keys(body).length === 0) throw badRequest("Nothing to update");
    const d = db(c);
    const row = await loadAccount(d, id);
    const spec = specOrReject(row.provider);
    refuseActivationOnly(row.provider, body.credentials);
    if (body.queueId !== undefined) await requireQueue(d, body.queueId);
    const patch: Partial<AccountRow> = { updatedAt: Date.now() };
    if (body.name !== undefined) patch.name = body.name;
    if (body.shortKey !== undefined) patch.shortKey = body.shortKey;
    if (body.description !== undefined) patch.description = body.description;
    if (body.phone !== undefined) patch.phone = body.phone;
    if (body.queueId !== undefined) patch.queueId = body.queueId;
    if (body.settings !== undefined) patch.settings = parseWith(spec.settings, body.settings, "settings");
    if (body.credentials !== undefined) {
      const merged = parseWith(spec.credentials, { ...(await openCredentials(c, row)), ...body.credentials }, "credentials");
      patch.credentials = await seal(c.env.SECRETS_KEY, JSON.stringify(merged));
      patch.status = "active";
      patch.statusReason = null;
    }
    let chatbotSecret: string | undefined;
    if (body.conversation !== undefined) {
      await checkTemplateRefs(d, body.conversation, conversationMessageFields, "conversation");
      const chatbot = await chatbotSecretFor(c, body.conversation, row.chatbotSecret);
      patch.conversation = body.conversation;
      patch.chatbotSecret = chatbot.sealed;
      chatbotSecret = chatbot.revealed;
    }
    const { credentials, ...details } = body;
    const audit = {
      actorId: c.var.auth.userId,
      action: "account.update" as const,
      entityType: "account" as const,
      entityId: id,
      details: {
        ...details,
        ...(credentials ? { credentialFields: Object.keys(credentials) } : {}),
        ...(chatbotSecret ? { chatbotSecretGenerated: true } : {}),
      },
    };
    const answer = async (updated: AccountRow) => {
      forgetReceivingAccount(updated.key);
      const view = await toView(c, updated);
      return c.json(chatbotSecret ? { ...view, revealed: { chatbotSecret } } : view, 200);
    };
    if (adapterFor(row.provider)?.activate) {
      const updated = await updateUnchanged(d, row, await activationPatch(c, row, spec.settings, patch)).catch(shortKeyTaken(body.shortKey));
      await auditInsert(d, audit);
      return answer(updated);
    }
    const [rows] = await audited(d, [updateAccount(d, id, patch)], audit).catch(shortKeyTaken(body.shortKey));
    return answer(rows[0]!);
  });

  app.openapi(activate, async (c) => {
    const d = db(c);
    const row = await loadAccount(d, c.req.valid("param").id);
    const adapter = adapterFor(row.provider);
    if (!adapter?.activate) throw badRequest(`A ${row.provider} account has no activation step`);
    const creds = adapter.credentialsSchema.parse(await openCredentials(c, row)) as Record<string, unknown>;
    const settings = adapter.settingsSchema.parse(row.settings) as Record<string, unknown>;
    const outcome = afterActivation(row.provider, creds, (await runActivation(c, row, creds, settings))!);
    const updated = await updateUnchanged(d, row, {
      credentials: await seal(c.env.SECRETS_KEY, JSON.stringify(outcome.creds)),
      status: outcome.status,
      statusReason: outcome.statusReason,
    });
    forgetReceivingAccount(row.key);
    await auditInsert(d, {
      actorId: c.var.auth.userId,
      action: "account.activate",
      entityType: "account",
      entityId: row.id,
      details: { status: outcome.status, reason: outcome.statusReason },
    });
    const view = await toView(c, updated);
    return c.json(outcome.revealed ? { ...view, revealed: outcome.revealed } : view, 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    const d = db(c);
    const row = await loadAccount(d, id);
    const tickets = await countAccountTickets(d, id);
    if (tickets > 0) throw conflict(`The account has ${tickets === 1 ? "1 ticket" : `${tickets} tickets`}; deleting it would erase their history`);
    await audited(d, [deleteAccount(d, id)], {
        actorId: c.var.auth.userId,
        action: "account.delete",
        entityType: "account",
        entityId: id,
        details: { provider: row.provider, name: row.name },
      });
    forgetReceivingAccount(row.key);
    return c.body(null, 204);
  });

  app.openapi(registerWebhook, async (c) => {
    const d = db(c);
    const row = await loadAccount(d, c.req.valid("param").id);
    const adapter = adapterFor(row.provider);
    if (!adapter?.registerWebhook) throw badRequest(`This is a ${row.provider} account, not a telegram one`);
    const creds = adapter.credentialsSchema.parse(await openCredentials(c, row)) as Record<string, unknown>;
    const settings = adapter.settingsSchema.parse(row.settings) as Record<string, unknown>;
    const url = receiveUrlOf(c, row);
    const result = await adapter.registerWebhook({ accountId: row.id, creds, settings, receiveUrl: url, now: Date.now() });
    if (!result.ok) throw new ApiError(502, "provider_error", await maskSecrets(result.reason, accountSecrets(creds, settings)));
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
