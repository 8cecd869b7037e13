import { afterEach, describe, expect, it } from "vitest";
import { call, seedUser } from "../helpers/api";
import { agentIn, cleanUp, connect, customerWrites, desk, heldTicket, stubBotApi } from "./desk";

afterEach(cleanUp);

describe("read marks and unread counts", () => {
  it("count the customer's messages after the agent's mark, which only moves forward", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const a = await agentIn(queueId);
    const supervisor = await seedUser("supervisor");
    const ayse = await connect(a.token, queueId);
    const { ticketId, customer, assigned } = await heldTicket(key, ayse, "Merhaba 👋");
    expect(assigned.ticket.unread).toBe(1);
    const first = assigned.messages[0].id as number;

    await customerWrites(key, customer, "Siparişim 3 gündür gelmedi 😟");
    const second = (await ayse.next("message")).message.id as number;
    await customerWrites(key, customer, "Sipariş no: 5521");
    const third = (await ayse.next("message")).message.id as number;
    // The agent's own reply is not unread.
    ayse.send({ type: "reply", ticketId, text: "Bakıyorum 🔍", clientMsgId: "r1" });
    await ayse.next("reply.queued");

    ayse.send({ type: "read", ticketId, messageId: second });
    expect(await ayse.next("ticket.read")).toMatchObject({ ticketId, lastReadMessageId: second, unread: 1 });
    // Backwards does not move it.
    ayse.send({ type: "read", ticketId, messageId: first });
    expect(await ayse.next("ticket.read")).toMatchObject({ ticketId, lastReadMessageId: second, unread: 1 });

    expect((await call(`/api/v1/tickets/${ticketId}`, { token: a.token })).data.unread).toBe(1);
    expect((await call(`/api/v1/tickets/${ticketId}`, { token: supervisor.token })).data.unread).toBe(3);

    // A reconnecting agent sees it in hello.
    ayse.close();
    const again = await connect(a.token, queueId);
    expect(again.all("hello")[0]!.tickets).toEqual([expect.objectContaining({ id: ticketId, unread: 1 })]);

    again.send({ type: "read", ticketId, messageId: third });
    expect(await again.next("ticket.read")).toMatchObject({ lastReadMessageId: third, unread: 0 });
    expect((await call(`/api/v1/tickets/${ticketId}`, { token: a.token })).data.unread).toBe(0);
  });

  it("refuses a mark on a message of another ticket, or on a ticket the agent does not hold", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const a = await agentIn(queueId);
    const b = await agentIn(queueId, "Mehmet Öztürk");
    const ayse = await connect(a.token, queueId);
    const mine = await heldTicket(key, ayse);
    const other = await heldTicket(key, ayse, "Başka bir konu");
    ayse.send({ type: "read", ticketId: mine.ticketId, messageId: other.assigned.messages[0].id });
    expect(await ayse.next("error")).toMatchObject({ code: "no_such_message" });
    const mehmet = await connect(b.token, queueId);
    mehmet.send({ type: "read", ticketId: mine.ticketId, messageId: mine.assigned.messages[0].id });
    expect(await mehmet.next("error")).toMatchObject({ code: "not_your_ticket" });
    expect((await call(`/api/v1/tickets/${mine.ticketId}`, { token: a.token })).data.unread).toBe(1);
  });
});
