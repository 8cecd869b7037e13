import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EXPIRED_CLAIMS_SQL, STRANDED_QUEUED_SQL } from "../../src/db/outbox";
import worker from "../../src/index";
import type { OutboxMessage } from "../../src/outbox/message";
import { sweepOutbox } from "../../src/outbox/sweep";
import { call } from "../helpers/api";
import { AgentClient, createAccount, createUser, postTelegram, row, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, desk, queue, stubBotApi, textsTo, type BotCall } from "../helpers/session";
import { activeCreds, json, OUTGOING_URL, settings as customSettings, stubFetch } from "../providers/custom/helpers";

let n = 0;
const MINUTE = 60_000;

/** A Telegram ticket held by a connected agent, through the real webhook and offer. */
async function heldTicket(calls: BotCall[]) {
  const { queueId, key } = await desk();
  const user = await createUser({ queues: [queueId] });
  const agent = await connect(user.token, queueId);
  const chatId = 7300000 + ++n;
  await postTelegram(key, telegramUpdate({ updateId: 93000 + n, userId: chatId, messageId: 1, text: "Siparişim nerede? 📦" }));
  const ticketId = (await agent.next("offer")).ticket.id as number;
  agent.send({ type: "accept", ticketId });
  await agent.next("ticket.assigned");
  calls.length = 0;
  return { agent, agentId: user.id, ticketId, chatId };
}

/** A reply as `storeReply` leaves it, in a given state, last changed `ageMs` ago. */
async function reply(ticketId: number, authorId: string, o: { text: string; status: "queued" | "sending"; ageMs: number; attempts?: number; clientMsgId?: string }) {
  const at = Date.now() - o.ageMs;
  const inserted = await env.DB.prepare(
    `INSERT INTO messages (account_id, ticket_id, direction, author_id, body, client_msg_id, status, attempts, claimed_at, created_at, updated_at)
     SELECT account_id, id, 'out', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8 FROM tickets WHERE id = ?1 RETURNING id`,
  )
    .bind(ticketId, authorId, o.text, o.clientMsgId ?? `c-${++n}`, o.status, o.attempts ?? (o.status === "sending" ? 1 : 0), o.status === "sending" ? at : null, at)
    .first<{ id: number }>();
  return inserted!.id;
}

const message_ = (id: number) => row<{ status: string; status_reason: string | null; provider_message_id: string | null }>("SELECT status, status_reason, provider_message_id FROM messages WHERE id = ?1", id);

/** The delivery frames the agent got for one message, in order. */
async function deliveries(agent: AgentClient, messageId: number, count: number) {
  await vi.waitFor(() => expect(agent.all("delivery").filter((f) => f.messageId === messageId).length).toBeGreaterThanOrEqual(count), { timeout: 15_000, interval: 50 });
  return agent.all("delivery").filter((f) => f.messageId === messageId);
}

describe("outbox sweep", () => {
  afterEach(cleanUp);

  it("delivers a reply stored queued whose Queue message was never sent, once, and leaves a fresh one alone", async () => {
    const calls = stubBotApi({ firstMessageId: 5100 });
    const { agent, agentId, ticketId, chatId } = await heldTicket(calls);
    const stranded = await reply(ticketId, agentId, { text: "Kargonuz yolda 🚚, yarın kapınızda", status: "queued", ageMs: 3 * MINUTE });
    const fresh = await reply(ticketId, agentId, { text: "Bir dakika lütfen", status: "queued", ageMs: 10_000 });

    await sweepOutbox(env);
    expect((await deliveries(agent, stranded, 1))[0]).toMatchObject({ ticketId, status: "sent", reason: null });
    expect(await message_(stranded)).toMatchObject({ status: "sent", provider_message_id: `${chatId}:5100` });
    expect(await message_(fresh)).toMatchObject({ status: "queued" });

    // The next minute's sweep finds nothing of it to do: the customer got it once.
    await sweepOutbox(env);
    await new Promise((r) => setTimeout(r, 200));
    expect(textsTo(calls, chatId)).toEqual(["Kargonuz yolda 🚚, yarın kapınızda"]);
    await env.DB.prepare("DELETE FROM messages WHERE id = ?1").bind(fresh).run();
  });

  it("sends a retrying reply whose Queue message was lost once it is past any backoff, and leaves one still backing off", async () => {
    const calls = stubBotApi({ firstMessageId: 5250 });
    const { agent, agentId, ticketId, chatId } = await heldTicket(calls);
    const lost = await reply(ticketId, agentId, { text: "Tekrar deniyoruz 🔁", status: "queued", ageMs: 20 * MINUTE, attempts: 2 });
    const backingOff = await reply(ticketId, agentId, { text: "Biraz bekleyin ⏳", status: "queued", ageMs: 5 * MINUTE, attempts: 2 });
    await sweepOutbox(env);
    expect((await deliveries(agent, lost, 1))[0]).toMatchObject({ status: "sent" });
    expect(await message_(backingOff)).toMatchObject({ status: "queued" });
    expect(textsTo(calls, chatId)).toEqual(["Tekrar deniyoruz 🔁"]);
    await env.DB.prepare("DELETE FROM messages WHERE id = ?1").bind(backingOff).run();
  });

  it("runs from the Worker's scheduled handler (the cron trigger)", async () => {
    const calls = stubBotApi({ firstMessageId: 5200 });
    const { agent, agentId, ticketId, chatId } = await heldTicket(calls);
    const stranded = await reply(ticketId, agentId, { text: "Merhaba Zeynep Hanım 👋", status: "queued", ageMs: 5 * MINUTE });
    await worker.scheduled!({ cron: "* * * * *", scheduledTime: Date.now(), noRetry() {} } as ScheduledController, env);
    expect((await deliveries(agent, stranded, 1))[0]).toMatchObject({ status: "sent" });
    expect(textsTo(calls, chatId)).toEqual(["Merhaba Zeynep Hanım 👋"]);
  });

  it("fails a reply left sending past its lease as outcome unknown, tells its author, and sends nothing", async () => {
    const calls = stubBotApi({ firstMessageId: 5300 });
    const { agent, agentId, ticketId, chatId } = await heldTicket(calls);
    const inFlight = await reply(ticketId, agentId, { text: "İadeniz onaylandı ✅", status: "sending", ageMs: 5 * MINUTE, clientMsgId: "iade-1" });
    const young = await reply(ticketId, agentId, { text: "Hâlâ gönderiliyor", status: "sending", ageMs: 10_000 });

    const report = await sweepOutbox(env);
    expect(report.unknown).toBeGreaterThanOrEqual(1);
    const [frame] = await deliveries(agent, inFlight, 1);
    expect(frame).toMatchObject({ ticketId, status: "failed" });
    expect(frame!.reason).toMatch(/^outcome unknown: /);
    expect(await message_(inFlight)).toMatchObject({ status: "failed" });
    expect(await message_(young)).toMatchObject({ status: "sending" });
    expect(textsTo(calls, chatId)).toEqual([]);

    // An admin sees the same outcome on the ticket.
    const admin = await createUser({ role: "admin" });
    const ticket = await call(`/api/v1/tickets/${ticketId}`, { token: admin.token });
    expect(ticket.status).toBe(200);
    const shown = (ticket.data.messages as { id: number; status: string; statusReason: string }[]).find((m) => m.id === inFlight);
    expect(shown).toMatchObject({ status: "failed" });
    expect(shown!.statusReason).toMatch(/^outcome unknown: /);
    await env.DB.prepare("DELETE FROM messages WHERE id = ?1").bind(young).run();
  });

  it("turns an outcome-unknown reply into sent when the slow provider answers after all, having sent it once", async () => {
    const calls = stubBotApi({ firstMessageId: 5350 });
    const { agent, agentId, ticketId, chatId } = await heldTicket(calls);
    let answer!: () => void;
    const answered = new Promise<void>((r) => (answer = r));
    let called!: () => void;
    const reached = new Promise<void>((r) => (called = r));
    const bodies: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
        bodies.push(String(init?.body));
        called();
        await answered; // Telegram is slow to answer
        return Response.json({ ok: true, result: { message_id: 5351, date: 1763700300, chat: { id: chatId, type: "private" }, text: "x" } });
      }),
    );
    const slow = await reply(ticketId, agentId, { text: "Kargonuz şubede bekliyor 📮", status: "queued", ageMs: 1000 });
    const message = { id: `m-${++n}`, timestamp: new Date(), attempts: 1, body: { messageId: slow, ticketId }, ack() {}, retry() {} };
    const consuming = worker.queue({ queue: "channel-hub-outbox", messages: [message], ackAll() {}, retryAll() {} } as unknown as MessageBatch<OutboxMessage>, env);
    await reached;
    // The attempt outlives its lease: the sweep takes it for a dead one.
    await env.DB.prepare("UPDATE messages SET claimed_at = claimed_at - ?2, updated_at = updated_at - ?2 WHERE id = ?1").bind(slow, 5 * MINUTE).run();
    await sweepOutbox(env);
    expect((await deliveries(agent, slow, 1))[0]).toMatchObject({ status: "failed" });

    answer();
    await consuming;
    const frames = await deliveries(agent, slow, 2);
    expect(frames[1]).toMatchObject({ status: "sent", reason: null });
    expect(await message_(slow)).toMatchObject({ status: "sent", status_reason: null, provider_message_id: `${chatId}:5351` });
    expect(bodies).toHaveLength(1);
  });

  it("lets the agent resend an outcome-unknown reply with the same clientMsgId; without resend it only answers its state", async () => {
    const calls = stubBotApi({ firstMessageId: 5400 });
    const { agent, agentId, ticketId, chatId } = await heldTicket(calls);
    const inFlight = await reply(ticketId, agentId, { text: "Faturanız e-postanızda 📧", status: "sending", ageMs: 5 * MINUTE, clientMsgId: "fatura-1" });
    await sweepOutbox(env);
    await deliveries(agent, inFlight, 1);

    agent.send({ type: "reply", ticketId, text: "Faturanız e-postanızda 📧", clientMsgId: "fatura-1" });
    const state = await agent.next("reply.queued");
    expect(state.message).toMatchObject({ id: inFlight, status: "failed" });
    expect(state.message.statusReason).toMatch(/^outcome unknown: /);

    agent.send({ type: "reply", ticketId, text: "Faturanız e-postanızda 📧", clientMsgId: "fatura-1", resend: true });
    const again = await agent.next("reply.queued");
    expect(again.message).toMatchObject({ id: inFlight, status: "queued", statusReason: null });
    const frames = await deliveries(agent, inFlight, 2);
    expect(frames[1]).toMatchObject({ status: "sent", reason: null });
    expect(await message_(inFlight)).toMatchObject({ status: "sent", provider_message_id: `${chatId}:5400` });
    expect(textsTo(calls, chatId)).toEqual(["Faturanız e-postanızda 📧"]);
    expect(await row<{ n: number }>("SELECT count(*) AS n FROM messages WHERE ticket_id = ?1 AND direction = 'out'", ticketId)).toEqual({ n: 1 });
  });

  it("re-queues a queued reply re-sent with its clientMsgId, and a resend of a reply already sent sends nothing", async () => {
    const calls = stubBotApi({ firstMessageId: 5500 });
    const { agent, agentId, ticketId, chatId } = await heldTicket(calls);
    const stuck = await reply(ticketId, agentId, { text: "Teşekkürler, iyi günler 🌷", status: "queued", ageMs: 20_000, clientMsgId: "tesekkur" });
    agent.send({ type: "reply", ticketId, text: "Teşekkürler, iyi günler 🌷", clientMsgId: "tesekkur" });
    expect((await agent.next("reply.queued")).message).toMatchObject({ id: stuck, status: "queued" });
    expect((await deliveries(agent, stuck, 1))[0]).toMatchObject({ status: "sent" });

    agent.send({ type: "reply", ticketId, text: "Teşekkürler, iyi günler 🌷", clientMsgId: "tesekkur", resend: true });
    expect((await agent.next("reply.queued")).message).toMatchObject({ id: stuck, status: "sent" });
    await new Promise((r) => setTimeout(r, 200));
    expect(textsTo(calls, chatId)).toEqual(["Teşekkürler, iyi günler 🌷"]);
  });

  it("sends again a custom-channel reply left sending past its lease: the receiver drops a repeat of the same id", async () => {
    const queueId = await queue();
    const account = await createAccount({ provider: "custom", queueId, credentials: await activeCreds(), settings: customSettings });
    const user = await createUser({ queues: [queueId] });
    const agent = await connect(user.token, queueId);
    const contact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, ?2, ?2, 'Jürgen Müller') RETURNING id")
      .bind(account.id, `cust-${++n}`)
      .first<{ id: number }>();
    const ticket = await env.DB.prepare("INSERT INTO tickets (account_id, contact_id, queue_id, status, current, assignee_id) VALUES (?1, ?2, ?3, 'assigned', 1, ?4) RETURNING id")
      .bind(account.id, contact!.id, queueId, user.id)
      .first<{ id: number }>();
    const inFlight = await reply(ticket!.id, user.id, { text: "Grüß Gott, Ihr Paket ist unterwegs 📦", status: "sending", ageMs: 5 * MINUTE });
    const fetch = stubFetch(async () => json({ id: "ext-9100" }));

    const report = await sweepOutbox(env);
    expect(report.resent).toBeGreaterThanOrEqual(1);
    const frames = await deliveries(agent, inFlight, 2);
    expect(frames[0]).toMatchObject({ status: "queued" });
    expect(frames[0]!.reason).toMatch(/^will retry: the last attempt was interrupted/);
    expect(frames[1]).toMatchObject({ status: "sent", reason: null });
    expect(await message_(inFlight)).toMatchObject({ status: "sent", provider_message_id: "ext-9100" });
    const posts = fetch.mock.calls.filter(([url]) => String(url) === OUTGOING_URL);
    expect(posts).toHaveLength(1);
    expect(JSON.parse(String(posts[0]![1]!.body))).toMatchObject({ type: "message", id: String(inFlight), text: "Grüß Gott, Ihr Paket ist unterwegs 📦" });
  });

  it("reads only messages in flight, through the sweep's index", async () => {
    const plans = await env.DB.batch<{ detail: string }>([
      env.DB.prepare(`EXPLAIN QUERY PLAN ${STRANDED_QUEUED_SQL}`).bind(1, 1, 100),
      env.DB.prepare(`EXPLAIN QUERY PLAN ${EXPIRED_CLAIMS_SQL}`).bind(1, 100),
    ]);
    expect(plans[0]!.results.map((r) => r.detail)).toEqual(["SEARCH messages USING INDEX messages_queued_updated_at_idx (updated_at<?)"]);
    expect(plans[1]!.results.map((r) => r.detail)).toEqual(["SEARCH messages USING INDEX messages_sending_updated_at_idx (updated_at<?)"]);
  });
});
