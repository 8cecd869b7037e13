import { sha256Hex } from "../../security/crypto";
import { login, type LoginOutcome } from "./api";
import type { ConnexeaseCredentials, ConnexeaseSettings } from "./config";

/** Connexease's JWTs live 24 h; the hub renews an hour early so a send never carries an expiring one. */
export const TOKEN_RENEW_AFTER_MS = 23 * 60 * 60 * 1000;

type Entry = { token: string; obtainedAt: number; fingerprint: string };

// Module memory: one token per account for as long as this isolate lives. A new isolate logs in
// again; a changed username, password or login URL never reuses the old token (fingerprint).
const tokens = new Map<string, Entry>();
const pending = new Map<string, Promise<LoginOutcome>>();

export type TokenContext = {
  accountId: string;
  creds: Pick<ConnexeaseCredentials, "username" | "password">;
  settings: ConnexeaseSettings;
  now: number;
};

/** A cached token younger than 23 h, else a new login (concurrent callers share one). */
export async function tokenFor(ctx: TokenContext, opts: { renew?: boolean } = {}): Promise<LoginOutcome> {
  const fingerprint = await sha256Hex(JSON.stringify([ctx.settings.apiBaseUrl, ctx.settings.loginPath, ctx.creds.username, ctx.creds.password]));
  const cached = tokens.get(ctx.accountId);
  if (!opts.renew && cached && cached.fingerprint === fingerprint && ctx.now - cached.obtainedAt < TOKEN_RENEW_AFTER_MS && ctx.now >= cached.obtainedAt) {
    return { ok: true, token: cached.token };
  }
  if (opts.renew || cached?.fingerprint !== fingerprint) tokens.delete(ctx.accountId);
  const key = `${ctx.accountId}:${fingerprint}`;
  let inFlight = pending.get(key);
  if (!inFlight) {
    inFlight = login(ctx.creds, ctx.settings, ctx.now).then((outcome) => {
      if (outcome.ok) tokens.set(ctx.accountId, { token: outcome.token, obtainedAt: ctx.now, fingerprint });
      return outcome;
    });
    inFlight.finally(() => pending.delete(key)).catch(() => undefined);
    pending.set(key, inFlight);
  }
  return inFlight;
}

/** Forgets an account's token (Connexease answered 401 with it). */
export function forgetToken(accountId: string) {
  tokens.delete(accountId);
}

/** Empties the cache: for tests. */
export function clearTokenCache() {
  tokens.clear();
  pending.clear();
}
