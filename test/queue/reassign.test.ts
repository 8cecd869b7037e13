import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import type { RoutingConfig } from "../../src/domain/routing-config";
import { AgentClient, createTelegramAccount, createUser, fireTimers, postTelegram, queueStub, settle, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, queue } from "../helpers/session";

let updateId = 60_000;
let userSeq = 9_000_000;

afterEach(cleanUp);

async function world(routing: Partial<RoutingConfig> = {}) {
  const queueId = await queue(routing);
  const { key } = await createTelegramAccount(queueId);
  const a = await createUser({ name: "Ayşe", queues: [queueId] });
  const b = await createUser({ name: "John", queues: [queueId] });
  return { queueId, key, a, b };
}

/** A customer writes; agent `holder` accepts. Returns the ticket id and the customer's id. */
async function heldTicket(key: string, holder: AgentClient) {
  const customer = ++userSeq;
  await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId: customer, messageId: 1, text: "İade yapmak istiyorum" }));
  const ticketId = (await holder.next("offer")).ticket.id as number;
  holder.send({ type: "accept", ticketId });
  await holder.next("ticket.assigned");
  return { ticketId, customer };
}

describe("tickets never stay with an agent who is gone or silent", () => {
  it("reassigns a vanished agent's tickets after the grace period, and the new agent gets the history", async () => {
    const { queueId, key, a, b } = await world();
    const ayse = await connect(a.token, queueId);
    const { ticketId, customer } = await heldTicket(key, ayse);
    await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId: customer, messageId: 2, text: "Sipariş no 5521" }));
    await ayse.next("message");
    const seen = ayse.lastSeq;
    ayse.close();
    await settle();

    const john = await connect(b.token, queueId);
    await fireTimers(queueId, "presence_grace");
    const offer = await john.next("offer");
    expect(offer.ticket.id).toBe(ticketId);
    john.send({ type: "accept", ticketId });
    const assigned = await john.next("ticket.assigned");
    expect(assigned.messages.map((m: any) => m.body)).toEqual(["İade yapmak istiyorum", "Sipariş no 5521"]);
    expect(await env.DB.prepare("SELECT assignee_id FROM tickets WHERE id = ?1").bind(ticketId).first()).toEqual({ assignee_id: b.id });

    // Ayşe, coming back, learns the ticket was taken from her.
    const back = await connect(a.token, queueId, seen);
    expect((await back.next("ticket.revoked")).reason).toBe("offline");
    expect(back.all("hello")[0]!.tickets).toEqual([]);
  });

  it("keeps the tickets of an agent who reconnects within the grace period", async () => {
    const { queueId, key, a } = await world();
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse);
    ayse.close();
    await settle();
    const again = await connect(a.token, queueId);
    expect(again.all("hello")[0]!.tickets.map((t: any) => t.id)).toEqual([ticketId]);
    await fireTimers(queueId, "presence_grace");
    expect((await queueStub(queueId).snapshot()).tickets[0]).toMatchObject({ state: "assigned", agentId: a.id });
  });

  it("Agent Timeout: an unanswered customer costs the agent the ticket; another agent is offered it", async () => {
    const { queueId, key, a, b } = await world({ agentTimeoutS: 120 });
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse);
    const john = await connect(b.token, queueId);
    await fireTimers(queueId, "agent_timeout");
    expect((await ayse.next("ticket.revoked")).reason).toBe("agent_timeout");
    expect((await john.next("offer")).ticket.id).toBe(ticketId);
    expect(ayse.all("offer")).toHaveLength(1); // not offered back to her in this round
  });

  it("Agent Timeout: a reply in time keeps the ticket", async () => {
    const { queueId, key, a } = await world({ agentTimeoutS: 120 });
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse);
    ayse.send({ type: "reply", ticketId, text: "Hemen bakıyorum", clientMsgId: "t1" });
    await ayse.next("reply.queued");
    const snap = await queueStub(queueId).snapshot();
    expect(snap.timers.map((t) => t.kind)).not.toContain("agent_timeout");
    expect(snap.tickets[0]).toMatchObject({ state: "assigned", agentId: a.id });
  });
});
