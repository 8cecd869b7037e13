import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { BASE, count, createQueue, createTelegramAccount, SECRET_TOKEN, telegramUpdate } from "../helpers/hub";

const app = createApp();
const utf8 = new TextEncoder();

/** A webhook whose body is `body` (a stream the test controls), with the body deadline at `deadlineMs`. */
async function post(key: string, body: ReadableStream<Uint8Array>, o: { deadlineMs?: number; headers?: Record<string, string> } = {}) {
  const request = new Request(`${BASE}/webhooks/telegram/${key}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN, ...o.headers },
    body,
  });
  return app.fetch(request, { ...env, WEBHOOK_BODY_TIMEOUT_MS: String(o.deadlineMs ?? 10_000) }, createExecutionContext());
}

describe("webhook bodies are read within bounds", () => {
  let account: { id: string; key: string };
  beforeEach(async () => {
    account = await createTelegramAccount(await createQueue());
  });

  const nothingStored = async () => {
    expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
    expect(await count("inbound_events", "account_id = ?1", account.id)).toBe(0);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(0);
  };

  it("408 for a body that trickles in and stalls past the deadline; nothing stored, the stream cancelled", async () => {
    const raw = utf8.encode(JSON.stringify(telegramUpdate({ updateId: 8001, userId: 7770001, messageId: 1, text: "Yavaş yavaş… 🐢" })));
    let cancelled = false;
    const trickle = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(raw.slice(0, 1)); // one byte, then nothing more
      },
      cancel() {
        cancelled = true;
      },
    });
    const res = await post(account.key, trickle, { deadlineMs: 300 });
    expect(res.status).toBe(408);
    expect(await res.json()).toEqual({ error: { code: "request_timeout", message: "The body did not arrive within 0.3 s" } });
    expect(cancelled).toBe(true);
    await nothingStored();
  });

  it("stores a body that arrives in small chunks within the deadline", async () => {
    const raw = utf8.encode(JSON.stringify(telegramUpdate({ updateId: 8002, userId: 7770002, messageId: 1, text: "Parça parça geldi ama geldi ✅" })));
    let at = 0;
    const chunks = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= raw.length) return controller.close();
        controller.enqueue(raw.slice(at, at + 7));
        at += 7;
      },
    });
    const res = await post(account.key, chunks);
    expect(res.status).toBe(200);
    expect(await count("messages", "account_id = ?1 AND body = ?2", account.id, "Parça parça geldi ama geldi ✅")).toBe(1);
  });

  it("413 as soon as a streamed body passes 1 MiB, without reading the rest", async () => {
    const chunk = utf8.encode(`"${"ğ".repeat(32 * 1024)}"`); // 64 KiB + 2 bytes
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(chunk);
      },
    });
    const res = await post(account.key, endless);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: "payload_too_large", message: "Body over 1 MiB" } });
    // 16 chunks fit in 1 MiB; the 17th passes it, and the stream may have one more queued.
    expect(pulled).toBeLessThanOrEqual(18);
    await nothingStored();
  });

  it("413 for a declared Content-Length over 1 MiB before any byte is read", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(utf8.encode("{"));
      },
    });
    const res = await exports.default.fetch(`${BASE}/webhooks/telegram/${account.key}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN, "Content-Length": String(2 * 1024 * 1024) },
      body: "x".repeat(2 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    expect((await res.json<any>()).error.code).toBe("payload_too_large");
    const direct = await post(account.key, body, { headers: { "Content-Length": String(1024 * 1024 + 1) } });
    expect(direct.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(1);
    await nothingStored();
  });

  it("keeps answering other requests while a webhook body stalls", async () => {
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(utf8.encode("{"));
      },
    });
    const slow = post(account.key, stalled, { deadlineMs: 2_000 });
    const health = await exports.default.fetch(`${BASE}/healthz`);
    expect(health.status).toBe(200);
    const other = await exports.default.fetch(`${BASE}/webhooks/telegram/${account.key}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN },
      body: JSON.stringify(telegramUpdate({ updateId: 8005, userId: 7770005, messageId: 1, text: "Ben beklemedim 🚀" })),
    });
    expect(other.status).toBe(200);
    expect((await slow).status).toBe(408);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(1);
  });
});
