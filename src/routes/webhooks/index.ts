import { Hono, type Context } from "hono";
import { claimReplayKey, releaseReplayKey, type ReceivingAccount } from "../../db/account-lookup";
import type { AppContext } from "../../env";
import { errorBody } from "../../errors";
import { adapterFor } from "../../providers/registry";
import { providerKinds, type AccountContext, type ProviderAdapter, type ProviderKind } from "../../providers/types";
import { publicOrigin, publicUrl, receiveUrl } from "../../domain/public-url";
import { BODY_DEADLINE_MS, MAX_BODY_BYTES, readBoundedBody } from "./body";
import { receiveEvents } from "./events";
import { cachedReceiving, confirmReceiving, loadReceiving, openReceiving, type Receiving } from "./receiving-accounts";
import { refuseUnauthenticated, refuseUnknown, sourceBlocked, sourceOf, tooManyRefusals } from "./refusals";

/** `cached`: the account as this isolate read it earlier, good for refusing only. */
type Resolved = { adapter: ProviderAdapter<any, any>; account: ReceivingAccount; ctx: AccountContext<any, any>; receiving: Receiving; cached: boolean };

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
    let { adapter, account, ctx } = found;

    const rawBody = await readBoundedBody(c.req.raw, MAX_BODY_BYTES, Number(c.env.WEBHOOK_BODY_TIMEOUT_MS) || BODY_DEADLINE_MS);
    const request = { url: publicUrl(c.req.url, c.env), method: "POST", headers: c.req.raw.headers, rawBody };

    let auth = await adapter.authenticate(request, ctx);
    if (auth.ok && found.cached) {
      const now = await current(c, found);
      if (now instanceof Response) return now;
      if (now.ctx.creds !== ctx.creds) auth = await adapter.authenticate(request, now.ctx);
      ({ account, ctx } = now);
    }
    const failure = !auth.ok ? auth.reason : auth.replayKey && !(await claimReplayKey(c.env.DB, account.id, auth.replayKey)) ? "replayed request (nonce seen before)" : null;
    if (failure) return refuseUnauthenticated(c, account, failure, sourceOf(c));

    try {
      const events = await receiveEvents(c.env, c.executionCtx, adapter, { account, ctx }, request);
      return adapter.acknowledge?.(events) ?? c.json({ ok: true, events: events.length });
    } catch (err) {
      // Nothing of a failed request must stand in the way of the provider's retry of it.
      if (auth.ok && auth.replayKey) await releaseReplayKey(c.env.DB, account.id, auth.replayKey);
      throw err;
    }
  });

/**
 * The adapter and account a receive URL names; one 404 for an unknown provider, key, or a key of
 * another kind. Read from this isolate's cache when it can be (no D1 read for a refusal); a source
 * over its refusal limit gets 429 rather than a D1 read for a key not cached.
 */
async function resolve(c: Context<AppContext>): Promise<Resolved | Response> {
  const provider = c.req.param("provider") ?? "";
  const adapter = isProvider(provider) ? adapterFor(provider) : undefined;
  if (!adapter) return c.json(errorBody("not_found", "No such receive URL"), 404);
  const key = c.req.param("accountKey") ?? "";
  const source = sourceOf(c);
  let lookup = cachedReceiving(key);
  if (!lookup || lookup.stale) {
    // A source over its limit causes no D1 read; a key known to be an account is still served.
    if (!sourceBlocked(source)) lookup = await loadReceiving(c.env, key);
    else if (!lookup?.found) return tooManyRefusals(c);
  }
  if (!lookup.found || lookup.found.account.provider !== provider) return refuseUnknown(c, source);
  return withContext(c, adapter, lookup.found, lookup.cached);
}

/** A request that authenticated against the cached account, checked against the account as D1 has it now. */
async function current(c: Context<AppContext>, found: Resolved): Promise<Resolved | Response> {
  const now = await confirmReceiving(c.env, found.account.key, found.receiving);
  if (!now || now.account.provider !== found.account.provider) return c.json(errorBody("not_found", "No such receive URL"), 404);
  return withContext(c, found.adapter, now, false);
}

async function withContext(c: Context<AppContext>, adapter: ProviderAdapter<any, any>, receiving: Receiving, cached: boolean): Promise<Resolved | Response> {
  const { account } = receiving;
  if (account.status === "pending") return c.json(errorBody("channel_not_active", "This channel is not activated yet"), 403);
  const { creds, settings } = await openReceiving(c.env, receiving);
  const ctx: AccountContext<any, any> = {
    accountId: account.id,
    creds,
    settings,
    receiveUrl: receiveUrl(publicOrigin(c.req.url, c.env), account.provider, account.key),
    now: Date.now(),
  };
  return { adapter, account, ctx, receiving, cached };
}

function isProvider(p: string): p is ProviderKind {
  return (providerKinds as readonly string[]).includes(p);
}
