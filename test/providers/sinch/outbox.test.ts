import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../../src/index";
import type { OutboxMessage } from "../../../src/outbox/message";
import e400 from "../../fixtures/sinch/error-400.json";
import e401 from "../../fixtures/sinch/error-401.json";
import e429 from "../../fixtures/sinch/error-429.json";
import e500 from "../../fixtures/sinch/error-500.json";
import sendOk from "../../fixtures/sinch/send-ok.json";
import tokenError from "../../fixtures/sinch/token-error-401.json";
import tokenOk from "../../fixtures/sinch/token-ok.json";
import { createAccount, createQueue, createUser } from "../../helpers/hub";
import { API_BASE, APP_ID, AUTH_URL, basic, creds, jsonResponse, PROJECT_ID, requestOf, settings, stubFetch } from "./helpers";

const SEND_URL = `${API_BASE}/v1/projects/${PROJECT_ID}/messages:send`;
const HOUR = 3_600_000;
let seq = 0;

/**
 * A ticket held by an agent with one queued reply, as the queue object leaves it before delivery.
 * `lastInboundAgoMs`: when the customer last wrote (null: never).
 */
async function storedReply(o: { text?: string; lastInboundAgoMs?: number | null; identity?: string } = {}) {
  const queueId = await createQueue();
  const account = await createAccount({ provider: "sinch", queueId, credentials: { ...creds }, settings: { ...settings } });
  const agent = await createUser({ queues: [queueId] });
  const identity = o.identity ?? `90532${String(1000000 + ++seq).slice(1)}`;
  const contact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, ?2, ?2, ?2) RETURNING id")
    .bind(account.id, identity)
    .first<{ id: number }>();
  const ticket = await env.DB.prepare("INSERT INTO tickets (account_id, contact_id, queue_id, status, current, assignee_id) VALUES (?1, ?2, ?3, 'assigned', 1, ?4) RETURNING id")
    .bind(account.id, contact!.id, queueId, agent.id)
    .first<{ id: number }>();
  const lastInboundAgo = o.lastInboundAgoMs === undefined ? 5 * 60_000 : o.lastInboundAgoMs;
  if (lastInboundAgo !== null) {
    await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, body, provider_message_id, status, sent_at) VALUES (?1, ?2, 'in', 'Merhaba', ?3, 'received', ?4)")
      .bind(account.id, ticket!.id, `01IN${seq}`, Date.now() - lastInboundAgo)
      .run();
  }
  const msg = await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, author_id, body, client_msg_id, status) VALUES (?1, ?2, 'out', ?3, ?4, 'c-1', 'queued') RETURNING id")
    .bind(account.id, ticket!.id, agent.id, o.text ?? "Siparişiniz yolda 🚚 — Grüße aus München")
    .first<{ id: number }>();
  return { accountId: account.id, messageId: msg!.id, ticketId: ticket!.id, identity };
}

/** Runs the Worker's queue handler on a batch; records what it acked and what it retried, with the delay. */
async function consume(body: OutboxMessage, opts: { attempts?: number } = {}) {
  const acks: string[] = [];
  const retries: { id: string; delaySeconds?: number }[] = [];
  const id = `m-sinch-${++seq}`;
  const message = {
    id,
    timestamp: new Date(),
    attempts: opts.attempts ?? 1,
    body,
    ack: () => acks.push(id),
    retry: (o?: { delaySeconds?: number }) => retries.push({ id, delaySeconds: o?.delaySeconds }),
  };
  const batch = { queue: "channel-hub-outbox", messages: [message], ackAll() {}, retryAll() {} } as unknown as MessageBatch<OutboxMessage>;
  await worker.queue(batch, env);
  return { acks, retries };
}

const message = (id: number) => env.DB.prepare("SELECT * FROM messages WHERE id = ?1").bind(id).first<any>();
const accountRow = (id: string) => env.DB.prepare("SELECT status, status_reason, last_delivery_error FROM channel_accounts WHERE id = ?1").bind(id).first<any>();

describe("outbox → Sinch", () => {
  it("delivers a queued reply: token request, then messages:send; stored as sent with Sinch's message id", async () => {
    const r = await storedReply();
    const fetch = stubFetch(jsonResponse(tokenOk), jsonResponse(sendOk));
    const result = await consume({ messageId: r.messageId, ticketId: r.ticketId });
    expect(result).toEqual({ acks: [expect.any(String)], retries: [] });
    expect(requestOf(fetch, 0)).toEqual({
      url: AUTH_URL,
      method: "POST",
      authorization: basic(creds.keyId, creds.keySecret),
      contentType: "application/x-www-form-urlencoded",
      body: "grant_type=client_credentials",
    });
    const send = requestOf(fetch, 1);
    expect({ ...send, body: JSON.parse(send.body) }).toEqual({
      url: SEND_URL,
      method: "POST",
      authorization: `Bearer ${tokenOk.access_token}`,
      contentType: "application/json",
      body: {
        app_id: APP_ID,
        recipient: { identified_by: { channel_identities: [{ channel: "WHATSAPP", identity: r.identity }] } },
        message: { text_message: { text: "Siparişiniz yolda 🚚 — Grüße aus München" } },
      },
    });
    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: sendOk.message_id, status_reason: null, attempts: 1 });
  });

  it("retries a rate-limited send no sooner than Retry-After, then sends it", async () => {
    const r = await storedReply();
    stubFetch(jsonResponse(tokenOk), jsonResponse(e429, 429, { "retry-after": "45" }));
    const first = await consume({ messageId: r.messageId });
    expect(first.retries).toHaveLength(1);
    expect(first.retries[0]!.delaySeconds).toBeGreaterThanOrEqual(45);
    expect(await message(r.messageId)).toMatchObject({ status: "queued", status_reason: "Sinch answered 429: RESOURCE_EXHAUSTED: Too many requests, please retry later" });

    stubFetch(jsonResponse(sendOk)); // the account's token is still cached
    await consume({ messageId: r.messageId }, { attempts: 2 });
    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: sendOk.message_id, attempts: 2 });
  });

  it("retries on a 5xx and on a network failure", async () => {
    const r = await storedReply();
    stubFetch(jsonResponse(tokenOk), jsonResponse(e500, 500));
    expect((await consume({ messageId: r.messageId })).retries).toHaveLength(1);
    expect(await message(r.messageId)).toMatchObject({ status: "queued", status_reason: "Sinch answered 500: INTERNAL: Internal error" });
    stubFetch(new TypeError("fetch failed"));
    expect((await consume({ messageId: r.messageId }, { attempts: 2 })).retries).toHaveLength(1);
    expect((await message(r.messageId)).status_reason).toBe("Sinch request failed: TypeError: fetch failed");
  });

  it("fails a reply Sinch refuses with 400, with Sinch's message, and records the account's delivery error", async () => {
    const r = await storedReply();
    stubFetch(jsonResponse(tokenOk), jsonResponse(e400, 400));
    const result = await consume({ messageId: r.messageId });
    expect(result.retries).toHaveLength(0);
    const reason = "Sinch answered 400: INVALID_ARGUMENT: Invalid recipient: channel identity is not a valid phone number";
    expect(await message(r.messageId)).toMatchObject({ status: "failed", status_reason: reason });
    expect(await accountRow(r.accountId)).toEqual({ status: "active", status_reason: null, last_delivery_error: reason });
  });

  it("flags the account when the token endpoint refuses the access key", async () => {
    const r = await storedReply();
    stubFetch(jsonResponse(tokenError, 401));
    await consume({ messageId: r.messageId });
    expect((await message(r.messageId)).status).toBe("failed");
    const acct = await accountRow(r.accountId);
    expect(acct.status).toBe("error");
    expect(acct.status_reason).toMatch(/^credentials rejected: Sinch refused the access key/);
  });

  it("retries a 401 from messages:send once with a fresh token before failing", async () => {
    const r = await storedReply();
    const fetch = stubFetch(jsonResponse(tokenOk), jsonResponse(e401, 401), jsonResponse({ ...tokenOk, access_token: "fresh" }), jsonResponse(sendOk));
    await consume({ messageId: r.messageId });
    expect(fetch.mock.calls.map(([u]) => String(u))).toEqual([AUTH_URL, SEND_URL, AUTH_URL, SEND_URL]);
    expect(requestOf(fetch, 3).authorization).toBe("Bearer fresh");
    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: sendOk.message_id });
  });

  it("fails a reply outside WhatsApp's 24-hour window before calling Sinch", async () => {
    const late = await storedReply({ lastInboundAgoMs: 25 * HOUR });
    const never = await storedReply({ lastInboundAgoMs: null });
    const fetch = stubFetch();
    await consume({ messageId: late.messageId });
    await consume({ messageId: never.messageId });
    expect(fetch).not.toHaveBeenCalled();
    expect((await message(late.messageId)).status).toBe("failed");
    expect((await message(late.messageId)).status_reason).toMatch(/^outside WhatsApp's 24-hour window: the customer last wrote /);
    expect((await message(never.messageId)).status_reason).toMatch(/^outside WhatsApp's 24-hour window: the customer has not written yet/);
  });

  it("sends a reply 23 hours after the customer's last message", async () => {
    const r = await storedReply({ lastInboundAgoMs: 23 * HOUR });
    stubFetch(jsonResponse(tokenOk), jsonResponse(sendOk));
    await consume({ messageId: r.messageId });
    expect((await message(r.messageId)).status).toBe("sent");
  });

  it("does not call Sinch for an edit of a sent reply: the stored status stays", async () => {
    const r = await storedReply();
    await env.DB.prepare("UPDATE messages SET status = 'delivered', provider_message_id = '01SENT' WHERE id = ?1").bind(r.messageId).run();
    const fetch = stubFetch();
    const result = await consume({ messageId: r.messageId, op: "edit" });
    expect(result.acks).toHaveLength(1);
    expect(fetch).not.toHaveBeenCalled();
    expect(await message(r.messageId)).toMatchObject({ status: "delivered", provider_message_id: "01SENT" });
  });
});
