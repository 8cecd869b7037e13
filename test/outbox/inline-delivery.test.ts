import { afterEach, describe, expect, it, vi } from "vitest";
import { BOT_API, BOT_TOKEN, createUser, postTelegram, row, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, desk } from "../helpers/session";

// A reply is sent by the queue object as soon as it is stored; one ticket's replies reach the
// customer in the order they were stored, however long the provider takes with each.

let n = 0;

describe("a reply sent from the queue object", () => {
  afterEach(cleanUp);

  it("goes out in the order the ticket's replies were stored, even when the first send is slow", async () => {
    const texts: string[] = [];
    let messageId = 5000;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = String(input instanceof Request ? input.url : input);
        if (!url.startsWith(`${BOT_API}/bot${BOT_TOKEN}/`)) throw new Error(`unexpected fetch ${url}`);
        const body = JSON.parse(String(init?.body));
        if (body.text === "1) Merhaba") await new Promise((r) => setTimeout(r, 150));
        texts.push(body.text);
        return Response.json({ ok: true, result: { message_id: ++messageId, date: 1763700300, chat: { id: body.chat_id, type: "private" }, text: body.text } });
      }),
    );
    const { queueId, key } = await desk();
    const agent = await connect((await createUser({ queues: [queueId] })).token, queueId);
    await postTelegram(key, telegramUpdate({ updateId: 660000 + ++n, userId: 6600000 + n, messageId: 1 }));
    const ticketId = (await agent.next("offer")).ticket.id;
    agent.send({ type: "accept", ticketId });
    await agent.next("ticket.assigned");

    agent.send({ type: "reply", ticketId, text: "1) Merhaba", clientMsgId: "o-1" });
    agent.send({ type: "reply", ticketId, text: "2) Nasıl yardımcı olabilirim?", clientMsgId: "o-2" });
    const first = await agent.next("delivery", 5000);
    const second = await agent.next("delivery", 5000);
    expect([first.status, second.status]).toEqual(["sent", "sent"]);
    expect(texts).toEqual(["1) Merhaba", "2) Nasıl yardımcı olabilirim?"]);
    const ids = await row<{ a: number; b: number }>(
      "SELECT (SELECT id FROM messages WHERE ticket_id = ?1 AND client_msg_id = 'o-1') AS a, (SELECT id FROM messages WHERE ticket_id = ?1 AND client_msg_id = 'o-2') AS b",
      ticketId,
    );
    expect(ids!.a).toBeLessThan(ids!.b);
  });
});
