import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../../src/index";
import type { OutboxMessage } from "../../../src/outbox/message";
import { seal } from "../../../src/security/crypto";
import { createQueue, createUser } from "../../helpers/hub";
import { createCustomAccount, json, OUTGOING_URL, SIGNING_SECRET, stubFetch } from "./helpers";
import { receiverVerifies } from "./verify";

let seq = 0;

/** A ticket of a custom channel held by an agent, with one stored reply awaiting delivery. */
async function storedReply(opts: { status?: string } = {}) {
  const queueId = await createQueue();
  const account = await createCustomAccount(queueId, opts);
  const agent = await createUser({ queues: [queueId] });
  const customer = `cust-${9000 + ++seq}`;
  const contact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, ?2, ?2, 'Jürgen Müller') RETURNING id")
    .bind(account.id, customer)
    .first<{ id: number }>();
  const ticket = await env.DB.prepare("INSERT INTO tickets (account_id, contact_id, queue_id, status, current, assignee_id) VALUES (?1, ?2, ?3, 'assigned', 1, ?4) RETURNING id")
    .bind(account.id, contact!.id, queueId, agent.id)
    .first<{ id: number }>();
  const msg = await env.DB.prepare(
    "INSERT INTO messages (account_id, ticket_id, direction, author_id, body, client_msg_id, status) VALUES (?1, ?2, 'out', ?3, 'Grüß Gott, Ihre Rücksendung ist unterwegs 📦', 'c-1', 'queued') RETURNING id",
  )
    .bind(account.id, ticket!.id, agent.id)
    .first<{ id: number }>();
  return { accountId: account.id, messageId: msg!.id, customer };
}

/** Runs the Worker's queue handler on one outbox message; returns what it acked and retried. */
async function consume(body: OutboxMessage, attempts = 1) {
  const acks: string[] = [];
  const retries: { delaySeconds?: number }[] = [];
  const message = {
    id: `m-${++seq}`,
    timestamp: new Date(),
    attempts,
    body,
    ack: () => acks.push("ack"),
    retry: (o?: { delaySeconds?: number }) => retries.push({ delaySeconds: o?.delaySeconds }),
  };
  const batch = { queue: "channel-hub-outbox", messages: [message], ackAll() {}, retryAll() {} } as unknown as MessageBatch<OutboxMessage>;
  await worker.queue(batch, env);
  return { acks, retries };
}

const message = (id: number) => env.DB.prepare("SELECT * FROM messages WHERE id = ?1").bind(id).first<any>();
const account = (id: string) => env.DB.prepare("SELECT status, status_reason, last_delivery_error FROM channel_accounts WHERE id = ?1").bind(id).first<any>();

describe("outbox: custom channel replies", () => {
  it("POSTs the signed reply to the outgoing webhook and stores it sent with the receiver's id", async () => {
    const r = await storedReply();
    const fetch = stubFetch(json({ id: "ext-7001" }));
    const before = Math.floor(Date.now() / 1000);
    const result = await consume({ messageId: r.messageId });
    expect(result.acks).toHaveLength(1);

    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(String(url)).toBe(OUTGOING_URL);
    expect(init?.method).toBe("POST");
    const headers = new Headers(init?.headers);
    expect(headers.get("content-type")).toBe("application/json");
    const raw = String(init?.body);
    const body = JSON.parse(raw);
    expect(body).toEqual({
      type: "message",
      id: String(r.messageId),
      recipient: { id: r.customer },
      text: "Grüß Gott, Ihre Rücksendung ist unterwegs 📦",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(Object.keys(body)).toEqual(["type", "id", "recipient", "text", "timestamp"]);
    expect(Number(headers.get("x-hub-timestamp"))).toBeGreaterThanOrEqual(before);
    expect(await receiverVerifies(headers, raw, SIGNING_SECRET)).toBe(true);

    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: "ext-7001", status_reason: null, attempts: 1 });
  });

  it("stores custom:<hub id> when the receiver answers without an id", async () => {
    const r = await storedReply();
    stubFetch(new Response(null, { status: 204 }));
    await consume({ messageId: r.messageId });
    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: `custom:${r.messageId}` });
  });

  it("retries a 429 no sooner than Retry-After, then sends", async () => {
    const r = await storedReply();
    stubFetch(json({ error: "rate limited" }, 429, { "Retry-After": "45" }), json({ id: "ext-7002" }));
    const first = await consume({ messageId: r.messageId });
    expect(first.retries).toHaveLength(1);
    expect(first.retries[0]!.delaySeconds).toBeGreaterThanOrEqual(45);
    expect(await message(r.messageId)).toMatchObject({ status: "queued", status_reason: 'the outgoing webhook answered HTTP 429: {"error":"rate limited"}' });

    await consume({ messageId: r.messageId }, 2);
    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: "ext-7002", attempts: 2 });
  });

  it("retries a 5xx and a network error", async () => {
    const r = await storedReply();
    stubFetch(new Response("oops", { status: 502 }));
    expect((await consume({ messageId: r.messageId })).retries).toHaveLength(1);
    expect(await message(r.messageId)).toMatchObject({ status: "queued", status_reason: "the outgoing webhook answered HTTP 502: oops" });
    stubFetch(new TypeError("Network connection lost."));
    expect((await consume({ messageId: r.messageId }, 2)).retries).toHaveLength(1);
    expect((await message(r.messageId)).status).toBe("queued");
  });

  it("fails a reply the receiver refuses with a 4xx, recording the account's delivery error", async () => {
    const r = await storedReply();
    stubFetch(json({ error: "unknown recipient" }, 404));
    const result = await consume({ messageId: r.messageId });
    expect(result.retries).toHaveLength(0);
    const reason = 'the outgoing webhook answered HTTP 404: {"error":"unknown recipient"}';
    expect(await message(r.messageId)).toMatchObject({ status: "failed", status_reason: reason });
    expect(await account(r.accountId)).toEqual({ status: "active", status_reason: null, last_delivery_error: reason });
  });

  it("flags the account when the receiver refuses the hub's signature (401/403)", async () => {
    const r = await storedReply();
    stubFetch(json({ error: "invalid signature" }, 401));
    await consume({ messageId: r.messageId });
    expect((await message(r.messageId)).status).toBe("failed");
    const acct = await account(r.accountId);
    expect(acct.status).toBe("error");
    expect(acct.status_reason).toMatch(/^credentials rejected: the outgoing webhook answered HTTP 401/);
  });

  it("sends an agent's edit of a sent reply as type edit with the hub's id and the current text", async () => {
    const r = await storedReply();
    await env.DB.prepare("UPDATE messages SET status = 'sent', provider_message_id = 'ext-7003', body = 'Grüß Gott, Ihre Rücksendung ist angekommen ✅' WHERE id = ?1")
      .bind(r.messageId)
      .run();
    const fetch = stubFetch(json({}));
    const result = await consume({ messageId: r.messageId, op: "edit" });
    expect(result.acks).toHaveLength(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(String(url)).toBe(OUTGOING_URL);
    expect(JSON.parse(String(init?.body))).toEqual({
      type: "edit",
      id: String(r.messageId),
      recipient: { id: r.customer },
      text: "Grüß Gott, Ihre Rücksendung ist angekommen ✅",
      timestamp: expect.any(String),
    });
    expect(await receiverVerifies(new Headers(init?.headers), String(init?.body), SIGNING_SECRET)).toBe(true);
    expect(await message(r.messageId)).toMatchObject({ status: "sent", provider_message_id: "ext-7003" });
  });

  it("holds a reply of a channel that is not activated, sending nothing", async () => {
    const r = await storedReply();
    await env.DB.prepare("UPDATE channel_accounts SET status = 'pending', credentials = ?2 WHERE id = ?1")
      .bind(r.accountId, await seal(env.SECRETS_KEY, JSON.stringify({ signingSecret: SIGNING_SECRET })))
      .run();
    const fetch = stubFetch();
    const result = await consume({ messageId: r.messageId });
    expect(fetch).not.toHaveBeenCalled();
    expect(result.retries).toEqual([{ delaySeconds: expect.any(Number) }]);
    expect(result.retries[0]!.delaySeconds).toBeGreaterThanOrEqual(60);
    expect(await message(r.messageId)).toMatchObject({ status: "queued", status_reason: "the channel is not activated yet" });
  });
});
