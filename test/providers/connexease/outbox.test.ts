import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../../src/index";
import type { OutboxMessage } from "../../../src/outbox/message";
import { clearTokenCache } from "../../../src/providers/connexease/token-cache";
import loginError from "../../fixtures/connexease/login-error-400.json";
import loginOk from "../../fixtures/connexease/login-ok.json";
import expired from "../../fixtures/connexease/error-401-expired.json";
import error404 from "../../fixtures/connexease/error-404.json";
import throttled from "../../fixtures/connexease/error-429.json";
import replyOk from "../../fixtures/connexease/reply-ok.json";
import { createAccount, createQueue, createUser } from "../../helpers/hub";
import { CHANNEL, creds } from "./helpers";

const API = "https://api.connexease.example";
const REPLY_ID = replyOk.messages[0]!.uuid;
let seq = 0;

/** A Connexease ticket held by an agent with one stored reply, as the queue object leaves it before delivery. */
async function storedReply(text = "Siparişiniz yolda 🚚 — schöne Grüße") {
  const queueId = await createQueue();
  const account = await createAccount({ provider: "connexease", queueId, credentials: creds, settings: { channelId: CHANNEL, accountId: "10482", apiBaseUrl: API } });
  const agent = await createUser({ queues: [queueId] });
  const conversation = `8d2b6c1e-0000-4000-8000-${String(++seq).padStart(12, "0")}`;
  const contact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, ?2, ?3, 'Ayşe') RETURNING id")
    .bind(account.id, `cust-${seq}`, conversation)
    .first<{ id: number }>();
  const ticket = await env.DB.prepare("INSERT INTO tickets (account_id, contact_id, queue_id, status, current, assignee_id) VALUES (?1, ?2, ?3, 'assigned', 1, ?4) RETURNING id")
    .bind(account.id, contact!.id, queueId, agent.id)
    .first<{ id: number }>();
  const insert = (body: string, client: string) =>
    env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, author_id, body, client_msg_id, status) VALUES (?1, ?2, 'out', ?3, ?4, ?5, 'queued') RETURNING id")
      .bind(account.id, ticket!.id, agent.id, body, client)
      .first<{ id: number }>();
  const msg = await insert(text, "c-1");
  return { accountId: account.id, messageId: msg!.id, ticketId: ticket!.id, conversation, text, another: async (body: string) => (await insert(body, `c-${body.length}`))!.id };
}

/** Runs the Worker's queue handler on a batch; records what it acked and what it retried, with the delay. */
async function consume(body: OutboxMessage, attempts = 1) {
  const acks: string[] = [];
  const retries: { id: string; delaySeconds?: number }[] = [];
  const id = `m-${++seq}`;
  const messages = [{ id, timestamp: new Date(), attempts, body, ack: () => acks.push(id), retry: (o?: { delaySeconds?: number }) => retries.push({ id, delaySeconds: o?.delaySeconds }) }];
  const batch = { queue: "channel-hub-outbox", messages, ackAll() {}, retryAll() {} } as unknown as MessageBatch<OutboxMessage>;
  await worker.queue(batch, env);
  return { acks, retries };
}

const message = (id: number) => env.DB.prepare("SELECT * FROM messages WHERE id = ?1").bind(id).first<any>();
const accountRow = (id: string) => env.DB.prepare("SELECT status, status_reason, last_delivery_error FROM channel_accounts WHERE id = ?1").bind(id).first<any>();
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("outbox: Connexease replies", () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  beforeEach(() => {
    clearTokenCache();
    fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    clearTokenCache();
  });

  const sentRequests = () =>
    fetchMock.mock.calls.map((call) => {
      const [url, init] = call as [string, RequestInit];
      const headers = new Headers(init.headers);
      return { url: String(url), method: init.method, authorization: headers.get("authorization"), contentType: headers.get("content-type"), body: JSON.parse(String(init.body)) };
    });

  it("logs in and posts the stored reply into the contact's conversation; the reply is sent with Connexease's message id", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(json(loginOk)).mockResolvedValueOnce(json(replyOk, 201));
    const result = await consume({ messageId: r.messageId, ticketId: r.ticketId });
    expect(result.acks).toHaveLength(1);
    expect(sentRequests()).toEqual([
      { url: `${API}/jwt/`, method: "POST", authorization: null, contentType: "application/json", body: { username: creds.username, password: creds.password } },
      {
        url: `${API}/v2/messages/`,
        method: "POST",
        authorization: `JWT ${loginOk.token}`,
        contentType: "application/json",
        body: { uuid: r.conversation, messages: [{ type: "text", content: r.text }] },
      },
    ]);
    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: REPLY_ID, attempts: 1, status_reason: null });
  });

  it("logs in once for two replies of the account", async () => {
    const r = await storedReply();
    const second = await r.another("İkinci mesaj ✅");
    fetchMock
      .mockResolvedValueOnce(json(loginOk))
      .mockResolvedValueOnce(json({ messages: [{ uuid: "m-first" }] }, 201))
      .mockResolvedValueOnce(json({ messages: [{ uuid: "m-second" }] }, 201));
    await consume({ messageId: r.messageId, ticketId: r.ticketId });
    await consume({ messageId: second, ticketId: r.ticketId });
    expect(sentRequests().map((q) => q.url)).toEqual([`${API}/jwt/`, `${API}/v2/messages/`, `${API}/v2/messages/`]);
    expect(sentRequests()[2]!.body).toEqual({ uuid: r.conversation, messages: [{ type: "text", content: "İkinci mesaj ✅" }] });
    expect((await message(second)).provider_message_id).toBe("m-second");
  });

  it("logs in again when the reply answers 401, and sends", async () => {
    const r = await storedReply();
    fetchMock
      .mockResolvedValueOnce(json(loginOk))
      .mockResolvedValueOnce(json(expired, 401))
      .mockResolvedValueOnce(json({ ...loginOk, token: "fresh" }))
      .mockResolvedValueOnce(json(replyOk, 201));
    await consume({ messageId: r.messageId });
    expect(sentRequests().map((q) => [q.url, q.authorization])).toEqual([
      [`${API}/jwt/`, null],
      [`${API}/v2/messages/`, `JWT ${loginOk.token}`],
      [`${API}/jwt/`, null],
      [`${API}/v2/messages/`, "JWT fresh"],
    ]);
    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: REPLY_ID });
  });

  it("retries a rate-limited reply no sooner than Retry-After, then sends it", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(json(loginOk)).mockResolvedValueOnce(json(throttled, 429, { "Retry-After": "37" }));
    const first = await consume({ messageId: r.messageId });
    expect(first.retries).toHaveLength(1);
    expect(first.retries[0]!.delaySeconds).toBeGreaterThanOrEqual(37);
    expect(await message(r.messageId)).toMatchObject({ status: "queued", status_reason: "reply: rate limited (429 Request was throttled. Expected available in 37 seconds.)" });

    fetchMock.mockResolvedValueOnce(json(replyOk, 201));
    const second = await consume({ messageId: r.messageId }, 2);
    expect(second.acks).toHaveLength(1);
    expect(await message(r.messageId)).toMatchObject({ status: "sent", attempts: 2, provider_message_id: REPLY_ID });
  });

  it("retries on a 5xx and on a network error", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(json(loginOk)).mockResolvedValueOnce(new Response("<html>502</html>", { status: 502 }));
    expect((await consume({ messageId: r.messageId })).retries).toHaveLength(1);
    expect(await message(r.messageId)).toMatchObject({ status: "queued", status_reason: "reply: HTTP 502 <html>502</html>" });
    fetchMock.mockRejectedValueOnce(new TypeError("connection reset"));
    expect((await consume({ messageId: r.messageId }, 2)).retries).toHaveLength(1);
    expect((await message(r.messageId)).status).toBe("queued");
  });

  it("fails a reply to an unknown conversation without retrying, and records the account's delivery error", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(json(loginOk)).mockResolvedValueOnce(json(error404, 404));
    const result = await consume({ messageId: r.messageId });
    expect(result.retries).toHaveLength(0);
    const reason = `conversation ${r.conversation} not found at Connexease (404 Not found.)`;
    expect(await message(r.messageId)).toMatchObject({ status: "failed", status_reason: reason });
    expect(await accountRow(r.accountId)).toEqual({ status: "active", status_reason: null, last_delivery_error: reason });
  });

  it("flags the account when Connexease refuses the username or password", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(json(loginError, 400));
    await consume({ messageId: r.messageId });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect((await message(r.messageId)).status).toBe("failed");
    const acct = await accountRow(r.accountId);
    expect(acct.status).toBe("error");
    expect(acct.status_reason).toBe("credentials rejected: Connexease refused the username or password (400 Could not logged in with provided fields.)");
  });

  it("does not send an edit: the agent's edit stays local", async () => {
    const r = await storedReply();
    await env.DB.prepare("UPDATE messages SET status = 'sent', provider_message_id = ?2 WHERE id = ?1").bind(r.messageId, REPLY_ID).run();
    const result = await consume({ messageId: r.messageId, op: "edit" });
    expect(result.acks).toHaveLength(1);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: REPLY_ID });
  });
});
