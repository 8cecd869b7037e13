import { afterEach, describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { agentIn, cleanUp, connect, desk, heldTicket, messagesOf, stubBotApi } from "./desk";

afterEach(cleanUp);

describe("internal notes", () => {
  it("are stored as notes, never sent to the customer, and reach the next agent's history and the API", async () => {
    const calls = stubBotApi();
    const { queueId, key } = await desk();
    const a = await agentIn(queueId, "Ayşe Yılmaz");
    const b = await agentIn(queueId, "Mehmet Öztürk");
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse);
    const mehmet = await connect(b.token, queueId);

    ayse.send({ type: "note", ticketId, text: "Müşteri iade istiyor, kargo kodu eksik 🔍", clientMsgId: "n-1" });
    const added = await ayse.next("note.added");
    expect(added.clientMsgId).toBe("n-1");
    expect(added.message).toMatchObject({ ticketId, direction: "note", body: "Müşteri iade istiyor, kargo kodu eksik 🔍", authorId: a.id, status: "received" });

    // The same frame again stores nothing new.
    ayse.send({ type: "note", ticketId, text: "Müşteri iade istiyor, kargo kodu eksik 🔍", clientMsgId: "n-1" });
    expect((await ayse.next("note.added")).message.id).toBe(added.message.id);

    ayse.send({ type: "reply", ticketId, text: "İade kodunuz birazdan geliyor 🙏", clientMsgId: "r-1" });
    await ayse.next("reply.queued");
    expect(await ayse.next("delivery", 15_000)).toMatchObject({ status: "sent" });
    // Only the reply reached Telegram.
    expect(calls.map((c) => c.body.text)).toEqual(["İade kodunuz birazdan geliyor 🙏"]);
    const stored = await messagesOf(ticketId);
    expect(stored.map((m) => [m.direction, m.status])).toEqual([
      ["in", "received"],
      ["note", "received"],
      ["out", "sent"],
    ]);

    // A note's client id cannot be reused by a reply (and the other way round).
    ayse.send({ type: "reply", ticketId, text: "x", clientMsgId: "n-1" });
    expect(await ayse.next("error")).toMatchObject({ code: "client_msg_id_taken" });

    ayse.send({ type: "transfer", ticketId, to: { agentId: b.id } });
    await mehmet.next("offer");
    mehmet.send({ type: "accept", ticketId });
    const assigned = await mehmet.next("ticket.assigned");
    expect(assigned.messages.map((m: any) => [m.direction, m.body])).toEqual([
      ["in", "Merhaba, siparişim nerede? 📦"],
      ["note", "Müşteri iade istiyor, kargo kodu eksik 🔍"],
      ["out", "İade kodunuz birazdan geliyor 🙏"],
    ]);

    const detail = await call(`/api/v1/tickets/${ticketId}`, { token: b.token });
    expect(detail.data.messages.filter((m: any) => m.direction === "note")).toEqual([
      expect.objectContaining({ body: "Müşteri iade istiyor, kargo kodu eksik 🔍", authorId: a.id }),
    ]);
    expect(calls).toHaveLength(1);
  }, 30_000);

  it("only the holder may write one", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const a = await agentIn(queueId);
    const b = await agentIn(queueId, "Mehmet Öztürk");
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse);
    const mehmet = await connect(b.token, queueId);
    mehmet.send({ type: "note", ticketId, text: "benim notum", clientMsgId: "x" });
    expect(await mehmet.next("error")).toMatchObject({ code: "not_your_ticket" });
    expect((await messagesOf(ticketId)).filter((m) => m.direction === "note")).toEqual([]);
  });
});
