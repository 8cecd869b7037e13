import { env, exports } from "cloudflare:workers";
import { defaultRoutingConfig } from "../../src/domain/routing-config";
import { hashPassword, seal, sha256Hex } from "../../src/security/crypto";

export const BASE = "https://hub.example.test";
export const BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
export const PASSWORD = "correct horse battery";

let n = 0;
export const unique = (p: string) => `${p}-${++n}-${crypto.randomUUID().slice(0, 8)}`;

type Role = "admin" | "supervisor" | "agent";
type CallInit = { method?: string; token?: string; json?: unknown; body?: string; headers?: Record<string, string> };

/** One request to the hub as a client makes it; `json` is sent as the body with its content type. */
export async function call(path: string, init: CallInit = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  let body = init.body;
  if (init.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(init.json);
  } else if (body !== undefined) {
    headers["Content-Type"] ??= "application/json";
  }
  const res = await exports.default.fetch(`${BASE}${path}`, { method: init.method ?? "GET", headers, body });
  const text = await res.text();
  let data: any;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  return { status: res.status, headers: res.headers, text, data };
}

export type SeededUser = { id: string; email: string; token: string; role: Role };

/** A user with an API token, written straight to D1; `password` also sets a login password. */
export async function seedUser(
  role: Role,
  opts: { password?: string; active?: boolean; queues?: string[]; expiresAt?: number } = {},
): Promise<SeededUser> {
  const id = crypto.randomUUID();
  const email = `${unique(role)}@example.test`;
  const token = unique("token");
  const passwordHash = opts.password ? await hashPassword(opts.password) : null;
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO users (id, email, display_name, role, password_hash, active) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    ).bind(id, email, `${role} ${id.slice(0, 4)}`, role, passwordHash, opts.active === false ? 0 : 1),
    env.DB.prepare("INSERT INTO api_tokens (id, user_id, token_hash, label, expires_at) VALUES (?1, ?2, ?3, 'test', ?4)").bind(
      crypto.randomUUID(),
      id,
      await sha256Hex(token),
      opts.expiresAt ?? null,
    ),
    ...(opts.queues ?? []).map((q) => env.DB.prepare("INSERT INTO queue_members (queue_id, user_id) VALUES (?1, ?2)").bind(q, id)),
  ]);
  return { id, email, token, role };
}

export async function seedQueue(name = unique("Queue")) {
  const id = crypto.randomUUID();
  await env.DB.prepare("INSERT INTO queues (id, name, routing) VALUES (?1, ?2, ?3)")
    .bind(id, name, JSON.stringify(defaultRoutingConfig))
    .run();
  return id;
}

export async function seedAccount(queueId: string, apiBaseUrl = "https://bot-api.test") {
  const id = crypto.randomUUID();
  const key = unique("key");
  const credentials = await seal(env.SECRETS_KEY, JSON.stringify({ botToken: BOT_TOKEN, secretToken: "seeded-secret" }));
  await env.DB.prepare(
    "INSERT INTO channel_accounts (id, provider, key, name, queue_id, settings, credentials) VALUES (?1, 'telegram', ?2, 'Bot', ?3, ?4, ?5)",
  )
    .bind(id, key, queueId, JSON.stringify({ apiBaseUrl }), credentials)
    .run();
  return { id, key };
}

/** A contact, a ticket in `queueId` and its messages, oldest first. */
export async function seedTicket(accountId: string, queueId: string, bodies: string[] = ["Hello", "Anyone there?"]) {
  const contact = await env.DB.prepare(
    "INSERT INTO contacts (account_id, external_id, address, display_name, username) VALUES (?1, ?2, ?2, 'Zeynep', 'zeynep_c') RETURNING id",
  )
    .bind(accountId, unique("ext"))
    .first<{ id: number }>();
  const ticket = await env.DB.prepare(
    "INSERT INTO tickets (account_id, contact_id, queue_id, current) VALUES (?1, ?2, ?3, 1) RETURNING id",
  )
    .bind(accountId, contact!.id, queueId)
    .first<{ id: number }>();
  for (const [i, body] of bodies.entries()) {
    await env.DB.prepare(
      "INSERT INTO messages (account_id, ticket_id, direction, body, provider_message_id, status, attachments) VALUES (?1, ?2, 'in', ?3, ?4, 'received', ?5)",
    )
      .bind(accountId, ticket!.id, body, unique("pm"), i === 0 ? JSON.stringify([{ kind: "image", ref: "file-1", width: 10 }]) : "[]")
      .run();
  }
  return { ticketId: ticket!.id, contactId: contact!.id };
}

/** An admin, a supervisor, and an agent who belongs to `queueId` but not `otherQueueId`. */
export async function seedWorld() {
  const queueId = await seedQueue();
  const otherQueueId = await seedQueue();
  const [admin, supervisor, agent] = await Promise.all([
    seedUser("admin"),
    seedUser("supervisor"),
    seedUser("agent", { queues: [queueId] }),
  ]);
  return { admin, supervisor, agent, queueId, otherQueueId };
}

export async function auditRows(entityId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM audit_log WHERE entity_id = ?1 ORDER BY id").bind(entityId).all<{
    actor_id: string | null;
    action: string;
    entity_type: string;
    details: string | null;
  }>();
  return results;
}

export async function countRows(table: string, where = "1 = 1", ...binds: unknown[]) {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).bind(...binds).first<{ n: number }>();
  return row!.n;
}
