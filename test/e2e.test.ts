import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AgentClient, BOT_API, BOT_TOKEN, createQueue, createTelegramAccount, createUser, fireTimers, postTelegram, telegramUpdate } from "./helpers/hub";

describe("end to end: Telegram in, agent over the socket, reply out", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("offers the customer's ticket, delivers the message on accept, and sends the agent's reply through the Bot API", async () => {
    const sent: { url: string; body: unknown }[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = String(input instanceof Request ? input.url : input);
        sent.push({ url, body: JSON.parse(String(init?.body)) });
        return Response.json({ ok: true, result: { message_id: 501, date: 1763700100, chat: { id: 4242001, type: "private" }, text: "x" } });
      }),
    );

    const queueId = await createQueue();
    const { key } = await createTelegramAccount(queueId);
    const ayse = await createUser({ name: "Ayşe Yılmaz", queues: [queueId] });
    const agent = await AgentClient.connect(ayse.token, queueId);

    // 1. The customer writes on Telegram.
    const res = await postTelegram(key, telegramUpdate({ updateId: 90001, userId: 4242001, messageId: 11, text: "Merhaba, siparişim nerede? 📦" }));
    expect(res.status).toBe(200);

    // 2. The agent is offered the ticket and accepts it; the message arrives with the assignment.
    const offer = await agent.next("offer");
    agent.send({ type: "accept", ticketId: offer.ticket.id });
    const assigned = await agent.next("ticket.assigned");
    expect(assigned.messages).toEqual([expect.objectContaining({ direction: "in", body: "Merhaba, siparişim nerede? 📦" })]);

    // 3. The agent replies; the reply is stored queued, delivered by the Queue consumer, and reported sent.
    agent.send({ type: "reply", ticketId: offer.ticket.id, text: "Kargonuz yolda, yarın teslim 🚚", clientMsgId: "r-1" });
    const queued = await agent.next("reply.queued");
    expect(queued.message).toMatchObject({ status: "queued", direction: "out", authorId: ayse.id });
    const delivery = await agent.next("delivery", 15_000);
    expect(delivery).toMatchObject({ ticketId: offer.ticket.id, messageId: queued.message.id, status: "sent", reason: null });

    // 4. Exactly one sendMessage left the hub, to the customer's chat, with the reply's text.
    expect(sent).toEqual([{ url: `${BOT_API}/bot${BOT_TOKEN}/sendMessage`, body: { chat_id: 4242001, text: "Kargonuz yolda, yarın teslim 🚚" } }]);
    const stored = await env.DB.prepare("SELECT status, provider_message_id, body FROM messages WHERE id = ?1").bind(queued.message.id).first();
    expect(stored).toEqual({ status: "sent", provider_message_id: "4242001:501", body: "Kargonuz yolda, yarın teslim 🚚" });

    // 5. The agent closes the ticket.
    agent.send({ type: "close", ticketId: offer.ticket.id });
    await agent.next("ticket.closed");
    const ticket = await env.DB.prepare("SELECT status FROM tickets WHERE id = ?1").bind(offer.ticket.id).first();
    expect(ticket).toEqual({ status: "closed" });
    agent.close();
    await fireTimers(queueId).catch(() => undefined);
  }, 30_000);
});
