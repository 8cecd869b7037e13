import type { Context } from "hono";
import { recordAuthFailure } from "../../db/account-lookup";
import type { AppContext } from "../../env";
import { errorBody } from "../../errors";

/**
 * What a refused webhook costs the hub: no D1 write (an account's failures are recorded at most
 * once a minute, the rest counted here and written with the next record), and, past the limits of
 * the Workers Rate Limiting bindings, a 429 instead of the 401/404. Only refusals are counted, so a
 * provider that authenticates is never limited by an attacker's refusals.
 */

export const RECORD_INTERVAL_MS = 60_000;
/** The period of both rate limiting bindings in wrangler.jsonc, answered as Retry-After. */
export const LIMIT_PERIOD_S = 60;
const MAX_ENTRIES = 10_000;
/**
 * A source's first refusals in each period are counted by this instance alone; the binding is
 * asked from this one on. A flood from many addresses, one request each, then never waits on it.
 */
const ASK_BINDING_FROM = 5;

type Ctx = Context<AppContext>;

/** Per account id: when its last failure was written, and how many came since. */
const failures = new Map<string, { recordedAt: number; unrecorded: number }>();
/**
 * Limiter keys (`source:<CF-Connecting-IP>`, `account:<id>`) the binding found over their limit,
 * until when: while there, refusals are answered 429 without asking the binding again.
 */
const blocked = new Map<string, number>();
/** Refusals per source in this instance since `since`. */
const bySource = new Map<string, { since: number; refusals: number }>();

/** The address Cloudflare saw the request come from; absent only when nothing in front sets it. */
export const sourceOf = (c: Ctx): string | null => c.req.header("CF-Connecting-IP") || null;

/** Whether `source` passed its refusal limit within the period: its unknown keys are then not even looked up. */
export function sourceBlocked(source: string | null, now = Date.now()): boolean {
  return source !== null && isBlocked(`source:${source}`, now);
}

function isBlocked(key: string, now = Date.now()) {
  const until = blocked.get(key);
  if (until === undefined) return false;
  if (until > now) return true;
  blocked.delete(key);
  return false;
}

export function tooManyRefusals(c: Ctx) {
  c.header("Retry-After", String(LIMIT_PERIOD_S));
  return c.json(errorBody("rate_limited", "Too many refused webhooks; try again later"), 429);
}

/** A receive URL naming no account (or an account of another provider): 404, or 429 past the source's limit. */
export async function refuseUnknown(c: Ctx, source: string | null) {
  if (!(await withinSourceLimit(c, source))) return tooManyRefusals(c);
  return c.json(errorBody("not_found", "No such receive URL"), 404);
}

/** A request that failed authentication: 401, or 429 past the source's or the account's limit. */
export async function refuseUnauthenticated(c: Ctx, account: { id: string; provider: string }, reason: string, source: string | null) {
  await noteFailure(c, account, reason);
  if (sourceBlocked(source) || isBlocked(`account:${account.id}`)) return tooManyRefusals(c);
  const [sourceOk, accountOk] = await Promise.all([
    withinSourceLimit(c, source),
    withinLimit(c.env.WEBHOOK_ACCOUNT_REFUSALS, `account:${account.id}`),
  ]);
  if (!sourceOk || !accountOk) return tooManyRefusals(c);
  return c.json(errorBody("unauthorized", "Webhook authentication failed"), 401);
}

/** Counts the failure; writes it (with the count since the last write) when the last write is a minute old. */
async function noteFailure(c: Ctx, account: { id: string; provider: string }, reason: string, now = Date.now()) {
  const seen = failures.get(account.id) ?? { recordedAt: -Infinity, unrecorded: 0 };
  seen.unrecorded += 1;
  failures.set(account.id, seen);
  if (now - seen.recordedAt < RECORD_INTERVAL_MS) return;
  const count = seen.unrecorded;
  seen.recordedAt = now;
  seen.unrecorded = 0;
  console.warn(JSON.stringify({ event: "webhook_auth_failed", provider: account.provider, accountId: account.id, reason, refusals: count }));
  try {
    await recordAuthFailure(c.env.DB, account.id, reason, count, now);
  } catch (err) {
    // Not written: the count stays for the next attempt.
    seen.recordedAt = -Infinity;
    seen.unrecorded += count;
    throw err;
  }
}

async function withinSourceLimit(c: Ctx, source: string | null, now = Date.now()) {
  if (source === null) return true;
  if (sourceBlocked(source, now)) return false;
  let seen = bySource.get(source);
  if (!seen || now - seen.since >= LIMIT_PERIOD_S * 1000) {
    bySource.delete(source);
    if (bySource.size >= MAX_ENTRIES) bySource.delete(bySource.keys().next().value!);
    bySource.set(source, (seen = { since: now, refusals: 0 }));
  }
  seen.refusals += 1;
  return seen.refusals < ASK_BINDING_FROM || withinLimit(c.env.WEBHOOK_SOURCE_REFUSALS, `source:${source}`);
}

/** Asks the binding once more for `key`, unless it already said no within the period. */
async function withinLimit(limiter: RateLimit, key: string) {
  if (isBlocked(key)) return false;
  if ((await limiter.limit({ key })).success) return true;
  if (blocked.size >= MAX_ENTRIES) blocked.delete(blocked.keys().next().value!);
  blocked.set(key, Date.now() + LIMIT_PERIOD_S * 1000);
  return false;
}
