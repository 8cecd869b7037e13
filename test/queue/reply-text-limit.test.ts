import { afterEach, describe, expect, it, vi } from "vitest";
import { createQueue } from "../helpers/hub";
import { createMetaAccount, customerMessage, newIgsid, newMid, notification, postMeta } from "../providers/meta/helpers";
import { agentIn, cleanUp, connect, desk, heldTicket, messagesOf, stubBotApi } from "./desk";

afterEach(cleanUp);

// A reply's text is held to the limit of the ticket's own provider, in the unit that provider
// counts, before anything is stored: not to one flat number for every provider.

describe("reply text limits, per provider", () => {
  it("Telegram takes 4096 characters counted as code points: 4096 emoji go out, 4097 are refused with the limit named", async () => {
    const calls = stubBotApi();
    const { queueId, key } = await desk();
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse);

    const line = "Kargonuz yolda 🚚 ";
    const longest = line.repeat(200) + "📦".repeat(4096 - [...line].length * 200);
    expect([...longest].length).toBe(4096);
    expect(longest.length).toBeGreaterThan(4096); // more than 4096 UTF-16 units: the old flat frame limit refused it
    ayse.send({ type: "reply", ticketId, text: longest, clientMsgId: "r-longest" });
    const queued = await ayse.next("reply.queued");
    expect(queued.message.body).toBe(longest);
    expect(await ayse.next("delivery", 15_000)).toMatchObject({ status: "sent" });
    expect(calls.find((c) => c.method === "sendMessage")!.body.text).toBe(longest);

    ayse.send({ type: "reply", ticketId, text: longest + "✅", clientMsgId: "r-too-long" });
    const refused = await ayse.next("error");
    expect(refused).toMatchObject({
      code: "text_too_long",
      message: "The text is 4097 characters; Telegram (telegram) accepts at most 4096",
      ref: { ticketId, clientMsgId: "r-too-long", length: 4097, limit: 4096, unit: "characters" },
    });
    expect((await messagesOf(ticketId)).map((m) => m.client_msg_id).filter(Boolean)).toEqual(["r-longest"]);

    ayse.send({ type: "edit", ticketId, messageId: queued.message.id, text: longest + "✅" });
    expect(await ayse.next("error")).toMatchObject({ code: "text_too_long", ref: { ticketId, messageId: queued.message.id, length: 4097, limit: 4096 } });
    expect((await messagesOf(ticketId)).find((m) => m.id === queued.message.id).body).toBe(longest);
    expect(calls.filter((c) => c.method === "editMessageText")).toEqual([]);
  }, 30_000);

  it("Instagram takes 1000 bytes of UTF-8: a reply of 501 'ş' (1002 bytes) is refused before it is stored or sent", async () => {
    const sends: unknown[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
        sends.push(JSON.parse(String(init?.body)));
        return Response.json({ recipient_id: "x", message_id: newMid() });
      }),
    );
    const queueId = await createQueue();
    const account = await createMetaAccount(queueId);
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    await postMeta(account.key, notification([customerMessage(newIgsid(), newMid(), "İade nasıl yapılır? 🙏")]));
    const ticketId = (await ayse.next("offer")).ticket.id;
    ayse.send({ type: "accept", ticketId });
    await ayse.next("ticket.assigned");

    ayse.send({ type: "reply", ticketId, text: "ş".repeat(501), clientMsgId: "r-ig" });
    expect(await ayse.next("error")).toMatchObject({
      code: "text_too_long",
      message: "The text is 1002 bytes of UTF-8; Instagram (meta) accepts at most 1000",
      ref: { ticketId, clientMsgId: "r-ig", length: 1002, limit: 1000, unit: "bytes of UTF-8" },
    });
    expect((await messagesOf(ticketId)).map((m) => m.direction)).toEqual(["in"]);

    ayse.send({ type: "reply", ticketId, text: "ş".repeat(500), clientMsgId: "r-ig-fits" });
    expect((await ayse.next("reply.queued")).message.body).toBe("ş".repeat(500));
    expect(await ayse.next("delivery", 15_000)).toMatchObject({ status: "sent" });
    expect(sends).toHaveLength(1);
  }, 30_000);
});
