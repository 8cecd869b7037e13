import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import type { OutboxMessage } from "../../src/outbox/message";
import { BOT_API, BOT_TOKEN, createQueue, createTelegramAccount, createUser } from "../helpers/hub";

let seq = 0;

/** A ticket held by an agent with one stored reply, as the queue object leaves it before delivery. */
async function storedReply(text = "Siparişiniz yolda 🚚") {
  const queueId = await createQueue();
  const account = await createTelegramAccount(queueId);
  const agent = await createUser({ queues: [queueId] });
  const chatId = 880000 + ++seq;
  const contact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, ?2, ?2, 'Zeynep') RETURNING id")
    .bind(account.id, String(chatId))
    .first<{ id: number }>();
  const ticket = await env.DB.prepare("INSERT INTO tickets (account_id, contact_id, queue_id, status, current, assignee_id) VALUES (?1, ?2, ?3, 'assigned', 1, ?4) RETURNING id")
    .bind(account.id, contact!.id, queueId, agent.id)
    .first<{ id: number }>();
  const msg = await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, author_id, body, client_msg_id, status) VALUES (?1, ?2, 'out', ?3, ?4, 'c-1', 'queued') RETURNING id")
    .bind(account.id, ticket!.id, agent.id, text)
    .first<{ id: number }>();
  return { accountId: account.id, messageId: msg!.id, chatId };
}

/** Runs the Worker's queue handler on a batch; records what it acked and what it retried, with the delay. */
async function consumeBatch(bodies: OutboxMessage[], opts: { attempts?: number; queue?: string } = {}) {
  const acks: string[] = [];
  const retries: { id: string; delaySeconds?: number }[] = [];
  const messages = bodies.map((body) => {
    const id = `m-${++seq}`;
    return {
      id,
      timestamp: new Date(),
      attempts: opts.attempts ?? 1,
      body,
      ack: () => acks.push(id),
      retry: (o?: { delaySeconds?: number }) => retries.push({ id, delaySeconds: o?.delaySeconds }),
    };
  });
  const batch = { queue: opts.queue ?? "channel-hub-outbox", messages, ackAll() {}, retryAll() {} } as unknown as MessageBatch<OutboxMessage>;
  await worker.queue(batch, env);
  return { explicitAcks: acks, retryMessages: retries };
}

const consume = (body: OutboxMessage, opts: { attempts?: number; queue?: string } = {}) => consumeBatch([body], opts);

const message = (id: number) => env.DB.prepare("SELECT * FROM messages WHERE id = ?1").bind(id).first<any>();
const telegramOk = (chatId: number, messageId: number) =>
  new Response(JSON.stringify({ ok: true, result: { message_id: messageId, date: 1763700000, chat: { id: chatId, type: "private" }, text: "x" } }), {
    headers: { "Content-Type": "application/json" },
  });

describe("outbox consumer", () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  beforeEach(() => {
    fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("sends a queued reply with sendMessage and stores it as sent with Telegram's id", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(telegramOk(r.chatId, 4242));
    const result = await consume({ messageId: r.messageId });
    expect(result.explicitAcks).toHaveLength(1);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(String(url)).toBe(`${BOT_API}/bot${BOT_TOKEN}/sendMessage`);
    expect(JSON.parse(init.body)).toEqual({ chat_id: r.chatId, text: "Siparişiniz yolda 🚚" });
    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: `${r.chatId}:4242`, attempts: 1, status_reason: null });
  });

  it("never sends twice when the queue redelivers a message already sent", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValue(telegramOk(r.chatId, 1));
    await consume({ messageId: r.messageId });
    const again = await consume({ messageId: r.messageId }, { attempts: 2 });
    expect(again.explicitAcks).toHaveLength(1);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it("retries a rate-limited send no sooner than Telegram's retry_after, and puts it back in the queue", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(
      new Response(JSON.stringify({ ok: false, error_code: 429, description: "Too Many Requests: retry after 37", parameters: { retry_after: 37 } }), { status: 429 }),
    );
    const result = await consume({ messageId: r.messageId });
    expect(result.retryMessages).toHaveLength(1);
    expect(result.retryMessages[0]!.delaySeconds).toBeGreaterThanOrEqual(37);
    expect(await message(r.messageId)).toMatchObject({ status: "queued" });
    expect((await message(r.messageId)).status_reason).toContain("Too Many Requests");

    fetchMock.mockResolvedValueOnce(telegramOk(r.chatId, 77));
    await consume({ messageId: r.messageId }, { attempts: 2 });
    expect(await message(r.messageId)).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("fails a reply the customer blocked, without retrying, and records the account's delivery error", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(new Response(JSON.stringify({ ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" }), { status: 403 }));
    const result = await consume({ messageId: r.messageId });
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toHaveLength(0);
    expect(await message(r.messageId)).toMatchObject({ status: "failed", status_reason: "Forbidden: bot was blocked by the user" });
    const acct = await env.DB.prepare("SELECT status, last_delivery_error FROM channel_accounts WHERE id = ?1").bind(r.accountId).first<any>();
    expect(acct).toEqual({ status: "active", last_delivery_error: "Forbidden: bot was blocked by the user" });
  });

  it("flags the account when Telegram refuses the bot token", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(new Response(JSON.stringify({ ok: false, error_code: 401, description: "Unauthorized" }), { status: 401 }));
    await consume({ messageId: r.messageId });
    expect((await message(r.messageId)).status).toBe("failed");
    const acct = await env.DB.prepare("SELECT status, status_reason FROM channel_accounts WHERE id = ?1").bind(r.accountId).first<any>();
    expect(acct.status).toBe("error");
    expect(acct.status_reason).toMatch(/credentials rejected/);
  });

  it("reports a send interrupted mid-flight as failed-unknown instead of sending it again", async () => {
    const r = await storedReply();
    await env.DB.prepare("UPDATE messages SET status = 'sending', claimed_at = ?2 WHERE id = ?1").bind(r.messageId, Date.now() - 5 * 60_000).run();
    const result = await consume({ messageId: r.messageId }, { attempts: 2 });
    expect(result.explicitAcks).toHaveLength(1);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(await message(r.messageId)).toMatchObject({ status: "failed" });
    expect((await message(r.messageId)).status_reason).toMatch(/outcome unknown/);
  });

  it("marks a reply failed when its retries run out (dead-letter queue)", async () => {
    const r = await storedReply();
    await env.DB.prepare("UPDATE messages SET status_reason = 'Too Many Requests: retry after 5' WHERE id = ?1").bind(r.messageId).run();
    await consume({ messageId: r.messageId }, { queue: "channel-hub-outbox-dlq" });
    expect(fetchMock).not.toHaveBeenCalled();
    expect(await message(r.messageId)).toMatchObject({ status: "failed", status_reason: "retries exhausted: Too Many Requests: retry after 5" });
  });

  it("delivers one ticket's replies in order even when the first send is slow, and other tickets alongside", async () => {
    const first = await storedReply("1) Merhaba");
    const second = await env.DB.prepare(
      "INSERT INTO messages (account_id, ticket_id, direction, author_id, body, client_msg_id, status) SELECT account_id, ticket_id, 'out', author_id, '2) Nasıl yardımcı olabilirim?', 'c-2', 'queued' FROM messages WHERE id = ?1 RETURNING id, ticket_id",
    )
      .bind(first.messageId)
      .first<{ id: number; ticket_id: number }>();
    const other = await storedReply("başka bilet");
    const firstTicket = second!.ticket_id;
    const otherTicket = (await message(other.messageId)).ticket_id;
    const order: string[] = [];
    fetchMock.mockImplementation(async (_url: string, init: RequestInit) => {
      const { chat_id, text } = JSON.parse(String(init.body));
      if (text.startsWith("1)")) await new Promise((r) => setTimeout(r, 50));
      order.push(text);
      return telegramOk(chat_id, order.length);
    });
    const result = await consumeBatch([
      { messageId: first.messageId, ticketId: firstTicket },
      { messageId: second!.id, ticketId: firstTicket },
      { messageId: other.messageId, ticketId: otherTicket },
    ]);
    expect(result.explicitAcks).toHaveLength(3);
    expect(order.indexOf("1) Merhaba")).toBeLessThan(order.indexOf("2) Nasıl yardımcı olabilirim?"));
    // The other ticket did not wait behind the slow send.
    expect(order[0]).toBe("başka bilet");
  });

  it("acknowledges and drops a queue message that is not an outbox message", async () => {
    const result = await consume({ nonsense: true } as unknown as OutboxMessage);
    expect(result.explicitAcks).toHaveLength(1);
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
