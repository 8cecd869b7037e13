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
const MAX_BLOCKED_SOURCES = 10_000;

type Ctx = Context<AppContext>;

/** Per account id: when its last failure was written, and how many came since. */
const failures = new Map<string, { recordedAt: number; unrecorded: number }>();
/** Sources (CF-Connecting-IP) over their refusal limit, until when. */
const blockedSources = new Map<string, number>();

/** The address Cloudflare saw the request come from; absent only when nothing in front sets it. */
export const sourceOf = (c: Ctx): string | null => c.req.header("CF-Connecting-IP") || null;

/** Whether `source` passed its refusal limit within the period: its unknown keys are then not even looked up. */
export function sourceBlocked(source: string | null, now = Date.now()): boolean {
  if (source === null) return false;
  const until = blockedSources.get(source);
  if (until === undefined) return false;
  if (until > now) return true;
  blockedSources.delete(source);
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
  const [sourceOk, accountOk] = await Promise.all([withinSourceLimit(c, source), withinLimit(c.env.WEBHOOK_ACCOUNT_REFUSALS, `account:${account.id}`)]);
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

async function withinSourceLimit(c: Ctx, source: string | null) {
  if (source === null) return true;
  if (sourceBlocked(source)) return false;
  if (await withinLimit(c.env.WEBHOOK_SOURCE_REFUSALS, `source:${source}`)) return true;
  if (blockedSources.size >= MAX_BLOCKED_SOURCES) blockedSources.delete(blockedSources.keys().next().value!);
  blockedSources.set(source, Date.now() + LIMIT_PERIOD_S * 1000);
  return false;
}

async function withinLimit(limiter: RateLimit, key: string) {
  return (await limiter.limit({ key })).success;
}
