import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../../src/index";
import type { OutboxMessage } from "../../../src/outbox/message";
import err190 from "../../fixtures/meta/error-190.json";
import err2534022 from "../../fixtures/meta/error-2534022.json";
import err4 from "../../fixtures/meta/error-4.json";
import { createQueue, createUser } from "../../helpers/hub";
import { ACCESS_TOKEN, createMetaAccount, customerMessage, IG, newIgsid, newMid, notification, postMeta } from "./helpers";

const HOUR = 3_600_000;
let seq = 0;

/**
 * A customer wrote (through the webhook), an agent holds the ticket, and one reply waits in the
 * outbox. `lastInboundAgoMs` moves the customer's message back in time, in D1.
 */
async function storedReply(o: { text?: string; lastInboundAgoMs?: number; settings?: Record<string, unknown> } = {}) {
  const queueId = await createQueue();
  const account = await createMetaAccount(queueId, { settings: o.settings });
  const agent = await createUser({ queues: [queueId] });
  const igsid = newIgsid();
  const inboundMid = newMid();
  expect((await postMeta(account.key, notification([customerMessage(igsid, inboundMid, "Merhaba, iade nasıl yapılır?")]))).status).toBe(200);
  const inbound = await env.DB.prepare("SELECT id, ticket_id FROM messages WHERE provider_message_id = ?1").bind(inboundMid).first<{ id: number; ticket_id: number }>();
  const lastInboundAt = Date.now() - (o.lastInboundAgoMs ?? 60_000);
  await env.DB.batch([
    env.DB.prepare("UPDATE messages SET sent_at = ?2 WHERE id = ?1").bind(inbound!.id, lastInboundAt),
    env.DB.prepare("UPDATE tickets SET status = 'assigned', assignee_id = ?2 WHERE id = ?1").bind(inbound!.ticket_id, agent.id),
  ]);
  const msg = await env.DB.prepare(
    "INSERT INTO messages (account_id, ticket_id, direction, author_id, body, client_msg_id, status) VALUES (?1, ?2, 'out', ?3, ?4, ?5, 'queued') RETURNING id",
  )
    .bind(account.id, inbound!.ticket_id, agent.id, o.text ?? "İade kodunuz: TR-4821 ✅ Schöne Grüße!", `c-${++seq}`)
    .first<{ id: number }>();
  return { accountId: account.id, messageId: msg!.id, igsid, lastInboundAt };
}

async function consume(messageId: number, attempts = 1) {
  const acks: string[] = [];
  const retries: { delaySeconds?: number }[] = [];
  const message = {
    id: `m-${++seq}`,
    timestamp: new Date(),
    attempts,
    body: { messageId } satisfies OutboxMessage,
    ack: () => acks.push("ack"),
    retry: (o?: { delaySeconds?: number }) => retries.push({ delaySeconds: o?.delaySeconds }),
  };
  await worker.queue({ queue: "channel-hub-outbox", messages: [message], ackAll() {}, retryAll() {} } as unknown as MessageBatch<OutboxMessage>, env);
  return { acks, retries };
}

const message = (id: number) => env.DB.prepare("SELECT * FROM messages WHERE id = ?1").bind(id).first<any>();
const accountRow = (id: string) => env.DB.prepare("SELECT status, status_reason, last_delivery_error FROM channel_accounts WHERE id = ?1").bind(id).first<any>();
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) => Response.json(body, { status, headers });

describe("outbox → Meta Send API", () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  beforeEach(() => {
    fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("sends a queued reply and stores Meta's message_id", async () => {
    const r = await storedReply();
    const mid = newMid();
    fetchMock.mockResolvedValueOnce(json({ recipient_id: r.igsid, message_id: mid }));
    const result = await consume(r.messageId);
    expect(result.acks).toHaveLength(1);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(String(url)).toBe(`https://graph.instagram.com/v26.0/${IG}/messages`);
    expect(init.method).toBe("POST");
    expect(new Headers(init.headers).get("authorization")).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(new Headers(init.headers).get("content-type")).toBe("application/json");
    expect(JSON.parse(init.body)).toEqual({ recipient: { id: r.igsid }, message: { text: "İade kodunuz: TR-4821 ✅ Schöne Grüße!" } });
    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: mid, status_reason: null, attempts: 1 });
  });

  it("fails a reply to a customer whose last message is 25 h old, naming the window, without calling Meta", async () => {
    const r = await storedReply({ lastInboundAgoMs: 25 * HOUR });
    const result = await consume(r.messageId);
    expect(result.acks).toHaveLength(1);
    expect(result.retries).toHaveLength(0);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(await message(r.messageId)).toMatchObject({
      status: "failed",
      status_reason: `the 24-hour reply window closed at ${new Date(r.lastInboundAt + 24 * HOUR).toISOString()}`,
    });
  });

  it("with humanAgent, tags a reply past 24 h HUMAN_AGENT, and fails one past 7 days", async () => {
    const tagged = await storedReply({ lastInboundAgoMs: 25 * HOUR, settings: { humanAgent: true } });
    fetchMock.mockResolvedValueOnce(json({ recipient_id: tagged.igsid, message_id: newMid() }));
    await consume(tagged.messageId);
    expect(JSON.parse(fetchMock.mock.calls[0]![1].body)).toEqual({
      recipient: { id: tagged.igsid },
      message: { text: "İade kodunuz: TR-4821 ✅ Schöne Grüße!" },
      messaging_type: "MESSAGE_TAG",
      tag: "HUMAN_AGENT",
    });
    expect((await message(tagged.messageId)).status).toBe("sent");

    const late = await storedReply({ lastInboundAgoMs: 8 * 24 * HOUR, settings: { humanAgent: true } });
    await consume(late.messageId);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(await message(late.messageId)).toMatchObject({
      status: "failed",
      status_reason: `the 7-day human agent reply window closed at ${new Date(late.lastInboundAt + 7 * 24 * HOUR).toISOString()}`,
    });
  });

  it("fails on Meta's window refusal (2534022) without retrying; the account stays active", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(json(err2534022, 400));
    const result = await consume(r.messageId);
    expect(result.retries).toHaveLength(0);
    expect(await message(r.messageId)).toMatchObject({ status: "failed", status_reason: "outside the reply window (Meta error 2534022)" });
    expect(await accountRow(r.accountId)).toMatchObject({ status: "active", last_delivery_error: "outside the reply window (Meta error 2534022)" });
  });

  it("flags the account when Meta refuses the access token (190)", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(json(err190, 400));
    await consume(r.messageId);
    expect((await message(r.messageId)).status).toBe("failed");
    const acct = await accountRow(r.accountId);
    expect(acct.status).toBe("error");
    expect(acct.status_reason).toMatch(/^credentials rejected: Meta refused the access token \(Meta error 190\/463/);
  });

  it("puts a rate-limited reply back for 60 s (no Retry-After), or for Retry-After, then sends it", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(json(err4, 400));
    const first = await consume(r.messageId);
    expect(first.retries).toEqual([{ delaySeconds: 60 }]);
    expect(await message(r.messageId)).toMatchObject({ status: "queued", status_reason: expect.stringMatching(/^rate limited \(Meta error 4/) });

    fetchMock.mockResolvedValueOnce(json({ error: { message: "Too many", code: 613 } }, 429, { "Retry-After": "300" }));
    expect((await consume(r.messageId, 2)).retries).toEqual([{ delaySeconds: 300 }]);

    fetchMock.mockResolvedValueOnce(json({ recipient_id: r.igsid, message_id: "mid-after-wait" }));
    await consume(r.messageId, 3);
    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: "mid-after-wait", attempts: 3 });
  });

  it("retries a 5xx and a network failure", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(new Response("upstream unavailable", { status: 503 }));
    expect((await consume(r.messageId)).retries).toHaveLength(1);
    expect(await message(r.messageId)).toMatchObject({ status: "queued", status_reason: "HTTP 503 without a Graph API error" });
    fetchMock.mockRejectedValueOnce(new TypeError("fetch failed"));
    expect((await consume(r.messageId, 2)).retries).toHaveLength(1);
    expect(await message(r.messageId)).toMatchObject({ status: "queued", status_reason: "network error: TypeError: fetch failed" });
  });

  it("fails a reply over 1000 UTF-8 bytes without calling Meta", async () => {
    const r = await storedReply({ text: "ğ".repeat(501) });
    await consume(r.messageId);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(await message(r.messageId)).toMatchObject({ status: "failed", status_reason: "text is 1002 bytes of UTF-8; Instagram accepts at most 1000" });
  });
});
