import { Hono, type Context } from "hono";
import { handleCustomerMessage } from "../../automations/customer-message";
import { claimReplayKey, loadAccountByKey, recordAuthFailure, releaseReplayKey, type ReceivingAccount } from "../../db/account-lookup";
import { ingestEdit, ingestIgnored, ingestMessage } from "../../db/ingest";
import { ingestDelete, ingestEcho, ingestReaction, ingestStatus, type ChangedMessage } from "../../db/ingest-reports";
import type { AppContext, Env } from "../../env";
import { errorBody } from "../../errors";
import { adapterFor } from "../../providers/registry";
import { providerKinds, type AccountContext, type InboundEvent, type ProviderAdapter, type ProviderKind } from "../../providers/types";
import { unseal } from "../../security/crypto";
import { publicOrigin, publicUrl, receiveUrl } from "../public-url";

const MAX_BODY_BYTES = 1024 * 1024;

type Resolved = { adapter: ProviderAdapter<any, any>; account: ReceivingAccount; ctx: AccountContext<any, any> };

/**
 * /webhooks/{provider}/{accountKey}. POST: authenticate over the raw bytes, normalize, store
 * idempotently, hand each change to the queue's object, then answer 2xx. GET: the provider's
 * subscription handshake, where it has one.
 */
export const webhooks = new Hono<AppContext>()
  .get("/webhooks/:provider/:accountKey", async (c) => {
    const found = await resolve(c);
    if (found instanceof Response) return found;
    const answer = found.adapter.handshake?.(new URL(publicUrl(c.req.url, c.env)), found.ctx) ?? null;
    return answer ?? c.json(errorBody("method_not_allowed", "This receive URL takes POST"), 405);
  })
  .post("/webhooks/:provider/:accountKey", async (c) => {
    const found = await resolve(c);
    if (found instanceof Response) return found;
    const { adapter, account, ctx } = found;

    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    if (rawBody.byteLength > MAX_BODY_BYTES) return c.json(errorBody("payload_too_large", "Body over 1 MiB"), 413);
    const request = { url: publicUrl(c.req.url, c.env), method: "POST", headers: c.req.raw.headers, rawBody };

    const auth = await adapter.authenticate(request, ctx);
    const failure = !auth.ok ? auth.reason : auth.replayKey && !(await claimReplayKey(c.env.DB, account.id, auth.replayKey)) ? "replayed request (nonce seen before)" : null;
    if (failure) {
      console.warn(JSON.stringify({ event: "webhook_auth_failed", provider: account.provider, accountId: account.id, reason: failure }));
      await recordAuthFailure(c.env.DB, account.id, failure);
      return c.json(errorBody("unauthorized", "Webhook authentication failed"), 401);
    }

    try {
      const events = adapter.normalize(request, ctx);
      for (const event of events) await ingestAndRoute(c.env, account, event);
      return adapter.acknowledge?.(events) ?? c.json({ ok: true, events: events.length });
    } catch (err) {
      // Nothing of a failed request must stand in the way of the provider's retry of it.
      if (auth.ok && auth.replayKey) await releaseReplayKey(c.env.DB, account.id, auth.replayKey);
      throw err;
    }
  });

/** The adapter and account a receive URL names; one 404 for an unknown provider, key, or a key of another kind. */
async function resolve(c: Context<AppContext>): Promise<Resolved | Response> {
  const provider = c.req.param("provider") ?? "";
  const adapter = isProvider(provider) ? adapterFor(provider) : undefined;
  const account = adapter ? await loadAccountByKey(c.env.DB, c.req.param("accountKey") ?? "") : null;
  if (!adapter || !account || account.provider !== provider) return c.json(errorBody("not_found", "No such receive URL"), 404);
  if (account.status === "pending") return c.json(errorBody("channel_not_active", "This channel is not activated yet"), 403);
  const ctx: AccountContext<any, any> = {
    accountId: account.id,
    creds: adapter.credentialsSchema.parse(JSON.parse(await unseal(c.env.SECRETS_KEY, account.credentials))),
    settings: adapter.settingsSchema.parse(account.settings),
    receiveUrl: receiveUrl(publicOrigin(c.req.url, c.env), account.provider, account.key),
    now: Date.now(),
  };
  return { adapter, account, ctx };
}

async function ingestAndRoute(env: Env, account: ReceivingAccount, event: InboundEvent) {
  switch (event.kind) {
    case "ignored":
      console.log(JSON.stringify({ event: "webhook_event_ignored", provider: account.provider, accountId: account.id, eventKey: event.eventKey, description: event.description }));
      return ingestIgnored(env.DB, account.id, event.eventKey);
    case "message":
      return handleCustomerMessage(env, account, await ingestMessage(env.DB, account, event), event);
    case "edit": {
      const outcome = await ingestEdit(env.DB, account, event);
      if (outcome.result === "unknown_message") return logUnknown(account, event);
      if (outcome.result === "stored" && outcome.ticket.status !== "closed") {
        await env.QUEUE_OBJECT.getByName(outcome.ticket.queueId).messageUpdated(outcome.message);
      }
      return;
    }
    case "delete":
      return tell(env, account, event, await ingestDelete(env.DB, account, event), "updated");
    case "reaction":
      return tell(env, account, event, await ingestReaction(env.DB, account, event), "updated");
    case "echo":
      return tell(env, account, event, await ingestEcho(env.DB, account, event), "added");
    case "status": {
      const outcome = await ingestStatus(env.DB, account, event);
      if (outcome.result === "unknown_message") return logUnknown(account, event);
      for (const { message, queueId } of outcome.changed) {
        if (!message.authorId) continue;
        await env.QUEUE_OBJECT.getByName(queueId).deliveryStatus({
          agentId: message.authorId,
          ticketId: message.ticketId,
          messageId: message.id,
          status: message.status,
          reason: message.statusReason,
        });
      }
      return;
    }
  }
}

/** Changes to messages already in a ticket go to the agent holding it. */
async function tell(env: Env, account: ReceivingAccount, event: InboundEvent, outcome: { result: string; changed: ChangedMessage[] }, as: "added" | "updated") {
  if (outcome.result === "unknown_message") return logUnknown(account, event);
  for (const { message, queueId, ticketStatus } of outcome.changed) {
    if (ticketStatus === "closed") continue;
    const queue = env.QUEUE_OBJECT.getByName(queueId);
    await (as === "added" ? queue.messageAdded(message) : queue.messageUpdated(message));
  }
}

function logUnknown(account: ReceivingAccount, event: InboundEvent) {
  console.log(JSON.stringify({ event: "webhook_event_for_unknown_message", provider: account.provider, accountId: account.id, kind: event.kind, eventKey: event.eventKey }));
}

function isProvider(p: string): p is ProviderKind {
  return (providerKinds as readonly string[]).includes(p);
}
