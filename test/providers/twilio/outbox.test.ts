import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../../src/index";
import type { OutboxMessage } from "../../../src/outbox/message";
import error20003 from "../../fixtures/twilio/error-20003.json";
import error20500 from "../../fixtures/twilio/error-20500.json";
import error21211 from "../../fixtures/twilio/error-21211.json";
import error63016 from "../../fixtures/twilio/error-63016.json";
import error63018 from "../../fixtures/twilio/error-63018.json";
import sendOk from "../../fixtures/twilio/send-message-ok.json";
import { createAccount, createQueue, createUser } from "../../helpers/hub";
import { ACCOUNT_SID, API, AUTH_TOKEN, FROM, jsonResponse, requestOf } from "./helpers";

const HOUR = 3600_000;
let seq = 0;

/**
 * A ticket held by an agent: the customer wrote `lastInboundAgo` ms ago, and the agent's reply is
 * stored, queued, as the queue object leaves it before delivery.
 */
async function storedReply(text = "Siparişiniz yolda 🚚 Grüße!", lastInboundAgo = HOUR) {
  const queueId = await createQueue();
  const account = await createAccount({ provider: "twilio", queueId, credentials: { authToken: AUTH_TOKEN }, settings: { accountSid: ACCOUNT_SID, from: FROM, apiBaseUrl: API } });
  const agent = await createUser({ queues: [queueId] });
  const wa = `90532${String(1000000 + ++seq)}`;
  const contact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, ?2, ?3, 'Ayşe') RETURNING id")
    .bind(account.id, wa, `whatsapp:+${wa}`)
    .first<{ id: number }>();
  const ticket = await env.DB.prepare("INSERT INTO tickets (account_id, contact_id, queue_id, status, current, assignee_id) VALUES (?1, ?2, ?3, 'assigned', 1, ?4) RETURNING id")
    .bind(account.id, contact!.id, queueId, agent.id)
    .first<{ id: number }>();
  const inboundAt = Date.now() - lastInboundAgo;
  await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, body, provider_message_id, status, sent_at, created_at) VALUES (?1, ?2, 'in', 'Merhaba', ?3, 'received', ?4, ?4)")
    .bind(account.id, ticket!.id, `SMin${seq}`, inboundAt)
    .run();
  const msg = await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, author_id, body, client_msg_id, status) VALUES (?1, ?2, 'out', ?3, ?4, 'c-1', 'queued') RETURNING id")
    .bind(account.id, ticket!.id, agent.id, text)
    .first<{ id: number }>();
  return { account, messageId: msg!.id, to: `whatsapp:+${wa}`, text };
}

/** Runs the Worker's queue handler on one message; records what it acked and what it retried, with the delay. */
async function consume(body: OutboxMessage, attempts = 1) {
  const acks: string[] = [];
  const retries: { id: string; delaySeconds?: number }[] = [];
  const id = `tw-${++seq}`;
  const message = {
    id,
    timestamp: new Date(),
    attempts,
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

describe("outbox consumer → Twilio", () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  beforeEach(() => {
    fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("sends a queued reply to Messages.json and stores it as sent with Twilio's sid", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(jsonResponse(sendOk, 201));
    const result = await consume({ messageId: r.messageId });
    expect(result.acks).toHaveLength(1);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(requestOf(fetchMock.mock.calls[0]!)).toEqual({
      url: `${API}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
      method: "POST",
      authorization: `Basic ${btoa(`${ACCOUNT_SID}:${AUTH_TOKEN}`)}`,
      contentType: "application/x-www-form-urlencoded",
      rawBody: new URLSearchParams({ From: FROM, To: r.to, Body: r.text, StatusCallback: r.account.receiveUrl }).toString(),
      form: { From: FROM, To: r.to, Body: r.text, StatusCallback: `https://hub.example.test/webhooks/twilio/${r.account.key}` },
    });
    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: sendOk.sid, attempts: 1, status_reason: null });
  });

  it("fails a reply Twilio refuses with 63016 (window closed), without retrying", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(jsonResponse(error63016, 400));
    const result = await consume({ messageId: r.messageId });
    expect(result).toEqual({ acks: [expect.any(String)], retries: [] });
    const reason = "outside WhatsApp's 24-hour window: a template is needed (Twilio 63016)";
    expect(await message(r.messageId)).toMatchObject({ status: "failed", status_reason: reason });
    expect(await accountRow(r.account.id)).toEqual({ status: "active", status_reason: null, last_delivery_error: reason });
  });

  it("fails a reply outside the 24-hour window before calling Twilio", async () => {
    const r = await storedReply("Merhaba?", 25 * HOUR);
    const result = await consume({ messageId: r.messageId });
    expect(result.acks).toHaveLength(1);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(await message(r.messageId)).toMatchObject({ status: "failed", status_reason: "outside WhatsApp's 24-hour window: a template is needed" });
  });

  it("fails a reply over 1600 characters before calling Twilio", async () => {
    const r = await storedReply("ğ".repeat(1601));
    await consume({ messageId: r.messageId });
    expect(fetchMock).not.toHaveBeenCalled();
    expect(await message(r.messageId)).toMatchObject({ status: "failed", status_reason: "text is 1601 characters; Twilio accepts at most 1600" });
  });

  it("retries a rate-limited send (429) no sooner than Retry-After, then sends it", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(jsonResponse({ code: 20429, message: "Too Many Requests", status: 429 }, 429, { "Retry-After": "37" }));
    const result = await consume({ messageId: r.messageId });
    expect(result.retries).toHaveLength(1);
    expect(result.retries[0]!.delaySeconds).toBeGreaterThanOrEqual(37);
    expect(await message(r.messageId)).toMatchObject({ status: "queued", status_reason: "Too Many Requests (Twilio 20429)" });

    fetchMock.mockResolvedValueOnce(jsonResponse(sendOk, 201));
    await consume({ messageId: r.messageId }, 2);
    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: sendOk.sid, attempts: 2 });
  });

  it.each([
    ["63018 (channel rate limit), after 60 s", () => jsonResponse(error63018, 400), 60, "Rate limit exceeded for Channel (Twilio 63018)"],
    ["a 5xx", () => jsonResponse(error20500, 500), 0, "An internal server error has occurred (Twilio 20500)"],
    ["a network error", () => new TypeError("Network connection lost."), 0, "network error: TypeError: Network connection lost."],
  ] as const)("retries %s, keeping the reply queued with the reason", async (_, answer, minDelayS, reason) => {
    const r = await storedReply();
    const a = answer();
    if (a instanceof Error) fetchMock.mockRejectedValueOnce(a);
    else fetchMock.mockResolvedValueOnce(a);
    const result = await consume({ messageId: r.messageId });
    expect(result.acks).toHaveLength(0);
    expect(result.retries).toHaveLength(1);
    expect(result.retries[0]!.delaySeconds).toBeGreaterThanOrEqual(minDelayS);
    expect(await message(r.messageId)).toMatchObject({ status: "queued", status_reason: reason });
  });

  it("flags the account when Twilio refuses the credentials (20003)", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(jsonResponse(error20003, 401));
    const result = await consume({ messageId: r.messageId });
    expect(result.retries).toHaveLength(0);
    expect((await message(r.messageId)).status).toBe("failed");
    const acct = await accountRow(r.account.id);
    expect(acct.status).toBe("error");
    expect(acct.status_reason).toBe("credentials rejected: Twilio refused the Account SID and Auth Token: Authenticate (Twilio 20003)");
  });

  it("fails other 4xx with Twilio's message, without retrying", async () => {
    const r = await storedReply();
    fetchMock.mockResolvedValueOnce(jsonResponse(error21211, 400));
    const result = await consume({ messageId: r.messageId });
    expect(result.retries).toHaveLength(0);
    expect(await message(r.messageId)).toMatchObject({ status: "failed", status_reason: "The 'To' number whatsapp:+90532 is not a valid phone number. (Twilio 21211)" });
    expect((await accountRow(r.account.id)).status).toBe("active");
  });
});
