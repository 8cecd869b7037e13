import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { defaultRoutingConfig, type RoutingConfig } from "../../src/domain/routing-config";
import { seal, sha256Hex } from "../../src/security/crypto";
import type { QueueObject } from "../../src/queue/queue-object";

export const BASE = "https://hub.example.test";
export const BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
export const SECRET_TOKEN = "s3cr3t-Token_for-tests";
export const BOT_API = "https://bot-api.test";

let n = 0;
const uid = (p: string) => `${p}-${++n}-${crypto.randomUUID().slice(0, 8)}`;

export async function createQueue(routing: Partial<RoutingConfig> = {}) {
  const id = uid("queue");
  await env.DB.prepare("INSERT INTO queues (id, name, routing) VALUES (?1, ?2, ?3)")
    .bind(id, `Queue ${id}`, JSON.stringify({ ...defaultRoutingConfig, ...routing }))
    .run();
  return id;
}

export async function createUser(opts: { role?: "admin" | "supervisor" | "agent"; name?: string; capacity?: number; queues?: string[] } = {}) {
  const id = uid("user");
  const token = `tok-${id}`;
  await env.DB.batch([
    env.DB.prepare("INSERT INTO users (id, email, display_name, role, capacity) VALUES (?1, ?2, ?3, ?4, ?5)").bind(
      id,
      `${id}@example.test`,
      opts.name ?? `Agent ${id}`,
      opts.role ?? "agent",
      opts.capacity ?? 3,
    ),
    env.DB.prepare("INSERT INTO api_tokens (id, user_id, token_hash, label) VALUES (?1, ?2, ?3, 'test')").bind(uid("tok"), id, await sha256Hex(token)),
    ...(opts.queues ?? []).map((q) => env.DB.prepare("INSERT INTO queue_members (queue_id, user_id) VALUES (?1, ?2)").bind(q, id)),
  ]);
  return { id, token, name: opts.name ?? `Agent ${id}` };
}

/** An account of any provider, credentials sealed as the API seals them. */
export async function createAccount(o: { provider: string; queueId: string; credentials: Record<string, unknown>; settings: Record<string, unknown>; status?: string }) {
  const id = uid("acct");
  const key = uid("key");
  await env.DB.prepare("INSERT INTO channel_accounts (id, provider, key, name, queue_id, settings, credentials, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
    .bind(id, o.provider, key, `${o.provider} account`, o.queueId, JSON.stringify(o.settings), await seal(env.SECRETS_KEY, JSON.stringify(o.credentials)), o.status ?? "active")
    .run();
  return { id, key, receiveUrl: `${BASE}/webhooks/${o.provider}/${key}` };
}

export async function createTelegramAccount(queueId: string, opts: { provider?: string } = {}) {
  const id = uid("acct");
  const key = uid("key");
  const credentials = await seal(env.SECRETS_KEY, JSON.stringify({ botToken: BOT_TOKEN, secretToken: SECRET_TOKEN }));
  await env.DB.prepare("INSERT INTO channel_accounts (id, provider, key, name, queue_id, settings, credentials) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
    .bind(id, opts.provider ?? "telegram", key, "Support bot", queueId, JSON.stringify({ apiBaseUrl: BOT_API }), credentials)
    .run();
  return { id, key };
}

/** Writes an account's conversation settings straight to D1, as an admin's PATCH would store them. */
export async function setConversation(accountId: string, conversation: Record<string, unknown>) {
  await env.DB.prepare("UPDATE channel_accounts SET conversation = ?2 WHERE id = ?1").bind(accountId, JSON.stringify(conversation)).run();
}

/** A Telegram Update in the Bot API's shape, from a private chat. */
export function telegramUpdate(o: { updateId: number; userId: number; messageId: number; text?: string; firstName?: string; date?: number }) {
  return {
    update_id: o.updateId,
    message: {
      message_id: o.messageId,
      from: { id: o.userId, is_bot: false, first_name: o.firstName ?? "Zeynep", last_name: "Çelik", username: "zeynep_c", language_code: "tr" },
      chat: { id: o.userId, first_name: o.firstName ?? "Zeynep", last_name: "Çelik", username: "zeynep_c", type: "private" },
      date: o.date ?? 1763700000,
      text: o.text ?? "Merhaba, siparişim nerede? 📦",
    },
  };
}

export function postTelegram(key: string, body: unknown, secret: string | null = SECRET_TOKEN) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (secret !== null) headers["X-Telegram-Bot-Api-Secret-Token"] = secret;
  return exports.default.fetch(`${BASE}/webhooks/telegram/${key}`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function queueStub(queueId: string) {
  return env.QUEUE_OBJECT.getByName(queueId);
}

/** Moves the queue's timers of `kind` (all when omitted) to now, then runs its alarm: time passing, deterministically. */
export async function fireTimers(queueId: string, kind?: string) {
  const stub = queueStub(queueId);
  await runInDurableObject(stub, (_o: QueueObject, state) => {
    const sql = state.storage.sql;
    if (kind) sql.exec("UPDATE timers SET due_at = 0 WHERE kind = ?", kind);
    else sql.exec("UPDATE timers SET due_at = 0");
  });
  return runDurableObjectAlarm(stub);
}

export async function count(table: string, where = "1 = 1", ...binds: unknown[]) {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).bind(...binds).first<{ n: number }>();
  return row!.n;
}

type Frame = { type: string; seq: number; [k: string]: any };

/** An agent's socket, as a desk client holds it: frames are buffered and awaited by type. */
export class AgentClient {
  readonly frames: Frame[] = [];
  private waiters: { type: string; resolve: (f: Frame) => void; from: number }[] = [];
  closed = false;
  closeCode: number | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      const f = JSON.parse(e.data as string) as Frame;
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => {
        const hit = this.frames.slice(w.from).find((x) => x.type === w.type);
        if (hit) w.resolve(hit);
        return !hit;
      });
    });
    ws.addEventListener("close", (e) => {
      this.closed = true;
      this.closeCode = e.code;
    });
  }

  static async connect(token: string, queueId: string, lastSeq?: number) {
    const q = new URLSearchParams({ queue: queueId });
    if (lastSeq !== undefined) q.set("lastSeq", String(lastSeq));
    const res = await exports.default.fetch(`${BASE}/agent/ws?${q}`, { headers: { Upgrade: "websocket", Authorization: `Bearer ${token}` } });
    if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
    res.webSocket.accept();
    const client = new AgentClient(res.webSocket);
    await client.next("hello");
    return client;
  }

  send(frame: unknown) {
    this.ws.send(JSON.stringify(frame));
  }

  /** The first frame of `type` not consumed yet; waits for it (bounded) if it has not arrived. */
  next(type: string, timeoutMs = 5000): Promise<Frame> {
    const idx = this.frames.findIndex((f, i) => i >= this.cursor && f.type === type);
    if (idx >= 0) {
      this.cursor = idx + 1;
      return Promise.resolve(this.frames[idx]!);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${type}" frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(this.cursor).map((f) => f.type))}`)), timeoutMs);
      this.waiters.push({
        type,
        from: this.cursor,
        resolve: (f) => {
          clearTimeout(timer);
          this.cursor = this.frames.indexOf(f) + 1;
          resolve(f);
        },
      });
    });
  }

  private cursor = 0;

  /** Frames of `type` received so far (consumed or not). */
  all(type: string) {
    return this.frames.filter((f) => f.type === type);
  }

  get lastSeq() {
    return Math.max(0, ...this.frames.map((f) => f.seq));
  }

  close() {
    this.ws.close(1000, "done");
  }
}

export const settle = () => new Promise((r) => setTimeout(r, 20));

/** One row of a query straight from D1. */
export const row = <T = any>(sql: string, ...binds: unknown[]) => env.DB.prepare(sql).bind(...binds).first<T>();
