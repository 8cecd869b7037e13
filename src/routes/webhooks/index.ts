import { Hono, type Context } from "hono";
import { claimReplayKey, releaseReplayKey, type ReceivingAccount } from "../../db/account-lookup";
import { coalescingAcrossRequests } from "../../db/coalesced-batch";
import { AccountChanged, ReplayedRequest } from "../../db/webhook-batch";
import type { AppContext } from "../../env";
import { errorBody } from "../../errors";
import { adapterFor } from "../../providers/registry";
import { providerKinds, type AccountContext, type ProviderAdapter, type ProviderKind } from "../../providers/types";
import { publicUrl } from "../../domain/public-url";
import { BODY_DEADLINE_MS, MAX_BODY_BYTES, readBoundedBody } from "./body";
import { receiveEvents } from "./events";
import { cachedReceiving, forgetReceivingAccountById, loadReceiving, receivingContext, type Receiving } from "./receiving-accounts";
import { refuseUnauthenticated, refuseUnknown, sourceBlocked, sourceOf, tooManyRefusals } from "./refusals";

/** `stale`: the account as this isolate read it longer ago than the TTL, good for storing only (the batch checks it). */
type Resolved = { adapter: ProviderAdapter<any, any>; account: ReceivingAccount; ctx: AccountContext<any, any>; stale: boolean };

const REPLAYED = "replayed request (nonce seen before)";

/** How many times one request reads its account again after the batch found it changed (a race with an edit). */
const MAX_REREADS = 2;

/**
 * /webhooks/{provider}/{accountKey}. POST: authenticate over the raw bytes, normalize, store
 * idempotently, hand each change to the queue's object, then answer 2xx. GET: the provider's
 * subscription handshake, where it has one.
 */
export const webhooks = new Hono<AppContext>()
  .get("/webhooks/:provider/:accountKey", async (c) => {
    const found = await resolve(c, false);
    if (found instanceof Response) return found;
    const answer = found.adapter.handshake?.(new URL(publicUrl(c.req.url, c.env)), found.ctx) ?? null;
    return answer ?? c.json(errorBody("method_not_allowed", "This receive URL takes POST"), 405);
  })
  .post("/webhooks/:provider/:accountKey", async (c) => {
    let found = await resolve(c, true);
    if (found instanceof Response) return found;

    const rawBody = await readBoundedBody(c.req.raw, MAX_BODY_BYTES, Number(c.env.WEBHOOK_BODY_TIMEOUT_MS) || BODY_DEADLINE_MS);
    const request = { url: publicUrl(c.req.url, c.env), method: "POST", headers: c.req.raw.headers, rawBody };

    // The account may come from this isolate's memory: the batch that stores the events proves it is
    // still the one in D1 or writes nothing (AccountChanged), and then the request is checked again
    // against the account read anew. A stale entry that refuses the request is read anew first.
    for (let rereads = 0; ; ) {
      const { adapter, account, ctx } = found;
      const auth = await adapter.authenticate(request, ctx);
      if (!auth.ok && found.stale && !sourceBlocked(sourceOf(c))) {
        found = await reread(c, adapter, account.key);
        if (found instanceof Response) return found;
        continue;
      }
      if (!auth.ok) return refuseUnauthenticated(c, account, auth.reason, sourceOf(c));

      // A one-time value is claimed by the batch that stores the request's first events.
      const replay = auth.replayKey ? { key: auth.replayKey, claimed: false } : undefined;
      try {
        // Stored in the D1 round trip of whatever webhooks this isolate is storing at the same moment.
        const env = { ...c.env, DB: coalescingAcrossRequests(c.env.DB, c.executionCtx) };
        const events = await receiveEvents(env, c.executionCtx, adapter, { account: replay ? { ...account, replay } : account, ctx }, request);
        // Nothing was stored (every event was seen before): the value is claimed on its own.
        if (replay && !replay.claimed && !(await claimReplayKey(c.env.DB, account.id, replay.key))) return refuseUnauthenticated(c, account, REPLAYED, sourceOf(c));
        return adapter.acknowledge?.(events) ?? c.json({ ok: true, events: events.length });
      } catch (err) {
        if (err instanceof ReplayedRequest) return refuseUnauthenticated(c, account, REPLAYED, sourceOf(c));
        // Nothing of a failed request must stand in the way of the provider's retry of it.
        if (replay?.claimed) await releaseReplayKey(c.env.DB, account.id, replay.key);
        if (!(err instanceof AccountChanged) || rereads++ >= MAX_REREADS) throw err;
        forgetReceivingAccountById(err.accountId);
        found = await reread(c, adapter, account.key);
        if (found instanceof Response) return found;
      }
    }
  });

/**
 * The adapter and account a receive URL names; one 404 for an unknown provider, key, or a key of
 * another kind. Read from this isolate's cache when it can be (no D1 read for a refusal); a source
 * over its refusal limit gets 429 rather than a D1 read for a key not cached. With `storing`, an
 * account cached longer than the TTL is still taken (marked stale): the batch storing checks it.
 */
async function resolve(c: Context<AppContext>, storing: boolean): Promise<Resolved | Response> {
  const provider = c.req.param("provider") ?? "";
  const adapter = isProvider(provider) ? adapterFor(provider) : undefined;
  if (!adapter) return c.json(errorBody("not_found", "No such receive URL"), 404);
  const key = c.req.param("accountKey") ?? "";
  const source = sourceOf(c);
  let lookup = cachedReceiving(key);
  // What a stale entry would answer without storing anything (404, 403) is read anew first.
  const storable = storing && lookup?.found?.account.provider === provider && lookup.found.account.status !== "pending";
  if (!lookup || (lookup.stale && !storable)) {
    // A source over its limit causes no D1 read; a key known to be an account is still served.
    if (!sourceBlocked(source)) lookup = await loadReceiving(c.env, key);
    else if (!lookup?.found) return tooManyRefusals(c);
  }
  if (!lookup.found || lookup.found.account.provider !== provider) return refuseUnknown(c, source);
  return withContext(c, adapter, lookup.found, lookup.stale === true);
}

/** The account read from D1 again: its cached entry is stale, or the batch found it changed. */
async function reread(c: Context<AppContext>, adapter: ProviderAdapter<any, any>, key: string): Promise<Resolved | Response> {
  const { found } = await loadReceiving(c.env, key);
  if (!found || found.account.provider !== c.req.param("provider")) return refuseUnknown(c, sourceOf(c));
  return withContext(c, adapter, found, false);
}

async function withContext(c: Context<AppContext>, adapter: ProviderAdapter<any, any>, receiving: Receiving, stale: boolean): Promise<Resolved | Response> {
  const { account } = receiving;
  if (account.status === "pending") return c.json(errorBody("channel_not_active", "This channel is not activated yet"), 403);
  return { adapter, account, ctx: await receivingContext(c.env, c.req.url, receiving), stale };
}

function isProvider(p: string): p is ProviderKind {
  return (providerKinds as readonly string[]).includes(p);
}
