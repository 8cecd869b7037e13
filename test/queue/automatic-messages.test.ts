import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fireTimers, queueStub } from "../helpers/hub";
import { agentIn, cleanUp, connect, customerWrites, desk, heldTicket, newCustomer, stubBotApi, type BotCall } from "./desk";

afterEach(cleanUp);

const systemMessages = async (ticketId: number) =>
  (await env.DB.prepare("SELECT body, client_msg_id FROM messages WHERE ticket_id = ?1 AND direction = 'system' ORDER BY id").bind(ticketId).all<{ body: string; client_msg_id: string }>()).results;

/** The periodic position updates (the customer side sends one more on arrival, keyed `…:arrival`). */
const positionUpdates = async (ticketId: number) => (await systemMessages(ticketId)).filter((m) => /^auto:position:\d+:\d+-\d+$/.test(m.client_msg_id));

const ticketOf = async (chatId: number) =>
  (await env.DB.prepare("SELECT t.id FROM tickets t JOIN contacts c ON c.id = t.contact_id WHERE c.external_id = ?1").bind(String(chatId)).first<{ id: number }>())!.id;

/** What the customer in `chatId` got from the bot, once the outbox delivered `count` messages. */
async function customerSaw(calls: BotCall[], chatId: number, count: number) {
  await vi.waitFor(() => expect(calls.filter((c) => c.body.chat_id === chatId)).toHaveLength(count), { timeout: 15_000, interval: 50 });
  return calls.filter((c) => c.body.chat_id === chatId).map((c) => c.body.text as string);
}

describe("away message", () => {
  it("tells a new customer once when no agent can answer now, and nobody when an agent is online", async () => {
    const calls = stubBotApi();
    const queueName = `Destek ${crypto.randomUUID().slice(0, 5)}`;
    const { queueId, key } = await desk({
      queueName,
      conversation: { messages: { away: "Merhaba {{contact.firstName}} 👋 {{queue.name}} ekibi şu an müsait değil; sıranız {{queue.position}}. Bilet #{{ticket.id}}" } },
    });
    const customer = newCustomer();
    await customerWrites(key, customer, "Kimse var mı?");
    const ticketId = await ticketOf(customer);
    await customerWrites(key, customer, "Acil lütfen 🙏");
    const expected = `Merhaba Zeynep 👋 ${queueName} ekibi şu an müsait değil; sıranız 1. Bilet #${ticketId}`;
    expect((await systemMessages(ticketId)).map((m) => m.body)).toEqual([expected]);
    expect(await customerSaw(calls, customer, 1)).toEqual([expected]);

    // An agent online: the next customer is not told anything.
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    const other = newCustomer();
    await customerWrites(key, other, "Merhaba");
    await ayse.next("offer");
    expect(await systemMessages(await ticketOf(other))).toEqual([]);
    expect(calls.filter((c) => c.body.chat_id === other)).toEqual([]);
  }, 30_000);

  it("an account without an away message sends none", async () => {
    stubBotApi();
    const { key } = await desk();
    const customer = newCustomer();
    await customerWrites(key, customer, "Kimse var mı?");
    expect(await systemMessages(await ticketOf(customer))).toEqual([]);
  });
});

describe("queue position updates", () => {
  it("every queuePositionEveryS a waiting customer hears their position and wait, until an agent takes the ticket", async () => {
    const calls = stubBotApi();
    const { queueId, key } = await desk({
      conversation: { messages: { queuePosition: "{{contact.firstName}}, sıranız: {{queue.position}} — tahmini bekleme {{queue.wait}} ⏳" }, queuePositionEveryS: 60 },
    });
    const first = newCustomer();
    const second = newCustomer();
    await customerWrites(key, first, "Merhaba");
    await customerWrites(key, second, "Selam");
    const [t1, t2] = [await ticketOf(first), await ticketOf(second)];
    // Nothing before the first period.
    expect(await positionUpdates(t1)).toEqual([]);
    const due = (await queueStub(queueId).snapshot()).timers.filter((t) => t.kind === "queue_position");
    expect(due.map((t) => t.ref).sort()).toEqual([String(t1), String(t2)].sort());
    expect(due[0]!.due_at - Date.now()).toBeGreaterThan(55_000);

    await fireTimers(queueId, "queue_position");
    expect((await positionUpdates(t1)).map((m) => m.body)).toEqual(["Zeynep, sıranız: 1 — tahmini bekleme about 2 minutes ⏳"]);
    expect((await positionUpdates(t2)).map((m) => m.body)).toEqual(["Zeynep, sıranız: 2 — tahmini bekleme about 4 minutes ⏳"]);
    await fireTimers(queueId, "queue_position");
    expect(await positionUpdates(t1)).toHaveLength(2);

    // An agent takes the first ticket: its updates stop, the second customer is now first.
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    const offer = await ayse.next("offer");
    expect(offer.ticket.id).toBe(t1);
    ayse.send({ type: "accept", ticketId: t1 });
    await ayse.next("ticket.assigned");
    await fireTimers(queueId, "queue_position");
    expect(await positionUpdates(t1)).toHaveLength(2);
    const secondMessages = await positionUpdates(t2);
    expect(secondMessages).toHaveLength(3);
    expect(secondMessages[2]!.body).toMatch(/^Zeynep, sıranız: 1 — tahmini bekleme /);
    expect((await queueStub(queueId).snapshot()).timers.filter((t) => t.kind === "queue_position").map((t) => t.ref)).toEqual([String(t2)]);

    // What the customers saw: every message the hub stored for them, in order.
    const all1 = (await systemMessages(t1)).map((m) => m.body);
    const all2 = (await systemMessages(t2)).map((m) => m.body);
    expect(await customerSaw(calls, first, all1.length)).toEqual(all1);
    expect(await customerSaw(calls, second, all2.length)).toEqual(all2);
    expect(all1.filter((b) => b === "Zeynep, sıranız: 1 — tahmini bekleme about 2 minutes ⏳").length).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it("with queuePositionEveryS 0 no timer runs", async () => {
    stubBotApi();
    const { queueId, key } = await desk({ conversation: { messages: { queuePosition: "Sıranız {{queue.position}}" }, queuePositionEveryS: 0 } });
    await customerWrites(key, newCustomer(), "Merhaba");
    expect((await queueStub(queueId).snapshot()).timers.filter((t) => t.kind === "queue_position")).toEqual([]);
  });
});

describe("Session Timeout Message", () => {
  it("is a template filled in for the ticket", async () => {
    const calls = stubBotApi();
    const queueName = `Kargo ${crypto.randomUUID().slice(0, 5)}`;
    const { queueId, key } = await desk({
      queueName,
      routing: { sessionTimeoutS: 600, sessionTimeoutMessage: "{{contact.firstName}}, görüşmeniz süre sınırına ulaştı 🙏 ({{queue.name}}, #{{ticket.id}}, {{agent.name}})" },
    });
    const a = await agentIn(queueId, "Ayşe Yılmaz");
    const ayse = await connect(a.token, queueId);
    const { ticketId, customer } = await heldTicket(key, ayse);
    await fireTimers(queueId, "session_limit");
    expect(await ayse.next("conversation.ended")).toMatchObject({ ticketId, reason: "session_timeout" });
    const expected = `Zeynep, görüşmeniz süre sınırına ulaştı 🙏 (${queueName}, #${ticketId}, Ayşe Yılmaz)`;
    expect((await systemMessages(ticketId)).map((m) => m.body)).toEqual([expected]);
    expect(await customerSaw(calls, customer, 1)).toEqual([expected]);
  }, 30_000);
});
