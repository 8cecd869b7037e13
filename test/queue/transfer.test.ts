import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { createTelegramAccount, createUser, fireTimers, postTelegram, queueStub, settle, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, queue } from "../helpers/session";

let updateId = 90_000;
let userSeq = 9_900_000;

afterEach(cleanUp);

async function queueWithTicket(routing: Record<string, unknown> = {}) {
  const queueId = await queue({ transferTimeoutS: 30, ...routing });
  const { key } = await createTelegramAccount(queueId);
  const ayseUser = await createUser({ name: "Ayşe", queues: [queueId] });
  const johnUser = await createUser({ name: "John", queues: [queueId] });
  const ayse = await connect(ayseUser.token, queueId);
  await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId: ++userSeq, messageId: 1, text: "Faturamda hata var" }));
  const ticketId = (await ayse.next("offer")).ticket.id as number;
  ayse.send({ type: "accept", ticketId });
  await ayse.next("ticket.assigned");
  const john = await connect(johnUser.token, queueId);
  return { queueId, ticketId, ayse, john, ayseUser, johnUser };
}

describe("transfers", () => {
  it("to a colleague: they are offered it; on accept it is theirs and leaves the first agent's desk", async () => {
    const { queueId, ticketId, ayse, john, ayseUser, johnUser } = await queueWithTicket();
    ayse.send({ type: "transfer", ticketId, to: { agentId: johnUser.id } });
    const offer = await john.next("offer");
    expect(offer).toMatchObject({ ticket: { id: ticketId }, transferFrom: { agentId: ayseUser.id, queueId } });
    john.send({ type: "accept", ticketId });
    const assigned = await john.next("ticket.assigned");
    expect(assigned.messages.map((m: any) => m.body)).toEqual(["Faturamda hata var"]);
    expect(await ayse.next("ticket.transferred")).toMatchObject({ ticketId, to: { agentId: johnUser.id } });
    await settle();
    expect(await env.DB.prepare("SELECT assignee_id FROM tickets WHERE id = ?1").bind(ticketId).first()).toEqual({ assignee_id: johnUser.id });
    expect((await queueStub(queueId).snapshot()).agents.find((a) => a.id === ayseUser.id)!.load).toBe(0);
  });

  it("to a colleague who does not answer: it comes back after the transfer time", async () => {
    const { queueId, ticketId, ayse, john, ayseUser, johnUser } = await queueWithTicket();
    ayse.send({ type: "transfer", ticketId, to: { agentId: johnUser.id } });
    await john.next("offer");
    await fireTimers(queueId, "transfer_expiry");
    expect(await ayse.next("transfer.failed")).toMatchObject({ ticketId, reason: "timeout" });
    expect((await john.next("offer.withdrawn")).reason).toBe("timeout");
    john.send({ type: "accept", ticketId });
    expect((await john.next("error")).code).toBe("no_such_offer");
    expect((await queueStub(queueId).snapshot()).tickets[0]).toMatchObject({ state: "assigned", agentId: ayseUser.id, offeredTo: [] });
  });

  it("to a colleague who declines: the first agent keeps it", async () => {
    const { ticketId, ayse, john, johnUser } = await queueWithTicket();
    ayse.send({ type: "transfer", ticketId, to: { agentId: johnUser.id } });
    await john.next("offer");
    john.send({ type: "decline", ticketId });
    expect(await ayse.next("transfer.failed")).toMatchObject({ ticketId, reason: "declined" });
    ayse.send({ type: "reply", ticketId, text: "Hâlâ benimle", clientMsgId: "still" });
    expect((await ayse.next("reply.queued")).message.body).toBe("Hâlâ benimle");
  });

  it("refuses a transfer to someone offline or outside the queue", async () => {
    const { ticketId, ayse } = await queueWithTicket();
    ayse.send({ type: "transfer", ticketId, to: { agentId: "nobody" } });
    expect((await ayse.next("error")).code).toBe("transfer_unavailable");
  });

  it("to another queue: its agents are offered it; if nobody takes it in time it comes back", async () => {
    const { queueId, ticketId, ayse, ayseUser } = await queueWithTicket();
    const billing = await queue({ transferTimeoutS: 30 });
    const billingAgent = await connect((await createUser({ name: "Fatma", queues: [billing] })).token, billing);
    billingAgent.send({ type: "presence", status: "away" });
    await billingAgent.next("presence");

    ayse.send({ type: "transfer", ticketId, to: { queueId: billing } });
    expect(await ayse.next("ticket.transferred")).toMatchObject({ ticketId, to: { queueId: billing } });
    expect(await env.DB.prepare("SELECT queue_id, status FROM tickets WHERE id = ?1").bind(ticketId).first()).toEqual({ queue_id: billing, status: "open" });
    expect((await queueStub(billing).snapshot()).tickets[0]).toMatchObject({ id: ticketId, state: "waiting" });

    await fireTimers(billing, "transfer_return");
    const back = await ayse.next("transfer.failed");
    expect(back).toMatchObject({ ticketId, reason: "not_accepted", ticket: { id: ticketId } });
    expect(back.messages.map((m: any) => m.body)).toEqual(["Faturamda hata var"]);
    expect(await env.DB.prepare("SELECT queue_id, assignee_id FROM tickets WHERE id = ?1").bind(ticketId).first()).toEqual({ queue_id: queueId, assignee_id: ayseUser.id });
    expect((await queueStub(billing).snapshot()).tickets).toEqual([]);
  });

  it("to another queue where an agent takes it: it stays there", async () => {
    const { ticketId, ayse } = await queueWithTicket();
    const billing = await queue();
    const fatma = await createUser({ name: "Fatma", queues: [billing] });
    const billingAgent = await connect(fatma.token, billing);
    ayse.send({ type: "transfer", ticketId, to: { queueId: billing } });
    const offer = await billingAgent.next("offer");
    billingAgent.send({ type: "accept", ticketId: offer.ticket.id });
    await billingAgent.next("ticket.assigned");
    expect((await queueStub(billing).snapshot()).timers.map((t) => t.kind)).not.toContain("transfer_return");
    expect(await env.DB.prepare("SELECT queue_id, assignee_id FROM tickets WHERE id = ?1").bind(ticketId).first()).toEqual({ queue_id: billing, assignee_id: fatma.id });
  });

  it("to another queue and back: the conversation's clocks go with the ticket, unchanged", async () => {
    const { queueId, ticketId, ayse } = await queueWithTicket({ sessionTimeoutS: 3600, idleSessionTimeoutS: 900 });
    const clocks = async (q: string) =>
      (await queueStub(q).snapshot()).timers.filter((t) => t.ref === String(ticketId) && ["session_limit", "idle_session"].includes(t.kind)).map((t) => [t.kind, t.due_at]).sort();
    const before = await clocks(queueId);
    expect(before).toHaveLength(2);
    const billing = await queue({ transferTimeoutS: 30 });
    ayse.send({ type: "transfer", ticketId, to: { queueId: billing } });
    await ayse.next("ticket.transferred");
    await settle(); // the frame goes out before the other queue's object has the ticket
    expect(await clocks(billing)).toEqual(before);
    expect(await clocks(queueId)).toEqual([]);
    await fireTimers(billing, "transfer_return");
    await ayse.next("transfer.failed");
    expect(await clocks(queueId)).toEqual(before);
  });
});
