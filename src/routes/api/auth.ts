import { createMiddleware } from "hono/factory";
import type { AppContext } from "../../env";
import { forbidden, unauthorized } from "../../errors";
import { findPrincipalByTokenHash, touchToken } from "../../db/users";
import { sha256Hex } from "../../security/crypto";
import { openDb } from "../../db/database";
import type { Principal, Role } from "../../kinds/principal";

const TOUCH_INTERVAL_MS = 60_000;

/** A principal with the token it came with: sockets keep the token's id and expiry to close when it ends. */
export type Session = { principal: Principal; tokenId: string; expiresAt: number | null };

/** The principal a bearer token stands for, or null when unknown, expired or its user is inactive. */
export async function authenticateToken(d1: D1Database, token: string): Promise<Principal | null> {
  return (await authenticateSession(d1, token))?.principal ?? null;
}

export async function authenticateSession(d1: D1Database, token: string): Promise<Session | null> {
  if (!token) return null;
  const db = openDb(d1);
  const found = await findPrincipalByTokenHash(db, await sha256Hex(token));
  if (!found || !found.active) return null;
  const now = Date.now();
  if (found.expiresAt !== null && found.expiresAt <= now) return null;
  if (found.lastUsedAt === null || now - found.lastUsedAt > TOUCH_INTERVAL_MS) {
    await touchToken(db, found.tokenId, now);
  }
  return { principal: { userId: found.userId, role: found.role, displayName: found.displayName }, tokenId: found.tokenId, expiresAt: found.expiresAt };
}

export function bearerToken(header: string | undefined): string | null {
  const match = header?.match(/^Bearer +([^\s]+)\s*$/i);
  return match?.[1] ?? null;
}

export const requireAuth = createMiddleware<AppContext>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  const principal = token ? await authenticateToken(c.env.DB, token) : null;
  if (!principal) throw unauthorized();
  c.set("auth", principal);
  await next();
});

/** Runs after requireAuth: lets only the given roles through. */
export function requireRole(...allowed: Role[]) {
  return createMiddleware<AppContext>(async (c, next) => {
    const auth = c.get("auth");
    if (!auth) throw unauthorized();
    if (!allowed.includes(auth.role)) throw forbidden();
    await next();
  });
}
