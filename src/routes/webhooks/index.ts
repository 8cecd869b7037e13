import { Hono } from "hono";
import { loadAccountByKey, recordAuthFailure, type ReceivingAccount } from "../../db/account-lookup";
import { ingestEdit, ingestIgnored, ingestMessage, type IngestOutcome } from "../../db/ingest";
import type { AppContext, Env } from "../../env";
import { errorBody } from "../../errors";
import { adapterFor } from "../../providers/registry";
import { providerKinds, type InboundEvent, type ProviderKind } from "../../providers/types";
import { unseal } from "../../security/crypto";

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * POST /webhooks/{provider}/{accountKey}: authenticate over the raw bytes, normalize, store
 * idempotently, hand each message to the queue's object, then answer 200.
 */
export const webhooks = new Hono<AppContext>().post("/webhooks/:provider/:accountKey", async (c) => {
  const provider = c.req.param("provider");
  const adapter = isProvider(provider) ? adapterFor(provider) : undefined;
  const account = adapter ? await loadAccountByKey(c.env.DB, c.req.param("accountKey")) : null;
  // One answer for an unknown provider, an unknown key and a key of another provider kind.
  if (!adapter || !account || account.provider !== provider) {
    return c.json(errorBody("not_found", "No such receive URL"), 404);
  }

  const rawBody = new Uint8Array(await c.req.arrayBuffer());
  if (rawBody.byteLength > MAX_BODY_BYTES) return c.json(errorBody("payload_too_large", "Body over 1 MiB"), 413);
  const request = { url: publicUrl(c.req.url, c.env), headers: c.req.raw.headers, rawBody };

  const creds = adapter.credentialsSchema.parse(JSON.parse(await unseal(c.env.SECRETS_KEY, account.credentials)));
  const failure = await adapter.authenticate(request, creds);
  if (failure) {
    console.warn(JSON.stringify({ event: "webhook_auth_failed", provider, accountId: account.id, reason: failure }));
    await recordAuthFailure(c.env.DB, account.id, failure);
    return c.json(errorBody("unauthorized", "Webhook authentication failed"), 401);
  }

  const events = adapter.normalize(request);
  for (const event of events) await ingestAndRoute(c.env, account, event);
  return c.json({ ok: true, events: events.length });
});

async function ingestAndRoute(env: Env, account: ReceivingAccount, event: InboundEvent) {
  switch (event.kind) {
    case "ignored":
      console.log(JSON.stringify({ event: "webhook_event_ignored", provider: account.provider, accountId: account.id, eventKey: event.eventKey, description: event.description }));
      await ingestIgnored(env.DB, account.id, event.eventKey);
      return;
    case "message":
      return routeMessage(env, account, await ingestMessage(env.DB, account, event));
    case "edit": {
      const outcome = await ingestEdit(env.DB, account, event);
      if (outcome.result === "stored" && outcome.ticket.status !== "closed") {
        await env.QUEUE_OBJECT.getByName(outcome.ticket.queueId).messageUpdated(outcome.message);
      }
      if (outcome.result === "unknown_message") {
        console.log(JSON.stringify({ event: "edit_of_unknown_message", accountId: account.id, eventKey: event.eventKey }));
      }
      return;
    }
  }
}

/** A retry re-notifies the queue too: its object delivers each message once, so a lost notice heals. */
async function routeMessage(env: Env, account: ReceivingAccount, outcome: IngestOutcome) {
  if (outcome.result === "unknown_message" || !outcome.ticket || !outcome.message) return;
  if (outcome.ticket.status === "closed") return;
  const { status: _s, queueId, assigneeId, ...ticket } = outcome.ticket;
  await env.QUEUE_OBJECT.getByName(queueId).routeInbound({ ticket, assigneeId, message: outcome.message, config: account.routing });
}

function isProvider(p: string): p is ProviderKind {
  return (providerKinds as readonly string[]).includes(p);
}

/** The URL the provider called: behind a proxy, rebuilt on the configured public origin. */
export function publicUrl(requestUrl: string, env: Pick<Env, "PUBLIC_BASE_URL">): string {
  if (!env.PUBLIC_BASE_URL) return requestUrl;
  const u = new URL(requestUrl);
  return `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}${u.pathname}${u.search}`;
}

