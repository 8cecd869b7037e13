import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { firstAttemptOf, markFirstAttempt, type FirstAttempt } from "../../src/outbox/first-attempts";
import { sweepOutbox } from "../../src/outbox/sweep";
import type { QueueObject } from "../../src/queue/queue-object";
import { createUser, postTelegram, queueStub, row, telegramUpdate, type AgentClient } from "../helpers/hub";
import { cleanUp, connect, desk, stubBotApi, textsTo, type BotCall } from "../helpers/session";

// A reply's first attempt is claimed in the batch that stores it and made by the queue object. If
// the object dies before it records an outcome, the sweep asks it how far the attempt got: one that
// never reached the provider is sent through the Queue; one that may have is "outcome unknown".

let n = 0;

async function heldTicket(calls: BotCall[]) {
  const { queueId, key } = await desk();
  const user = await createUser({ queues: [queueId] });
  const agent = await connect(user.token, queueId);
  const chatId = 7400000 + ++n;
  await postTelegram(key, telegramUpdate({ updateId: 94000 + n, userId: chatId, messageId: 1 }));
  const ticketId = (await agent.next("offer")).ticket.id as number;
  agent.send({ type: "accept", ticketId });
  await agent.next("ticket.assigned");
  calls.length = 0;
  return { agent, agentId: user.id, queueId, ticketId, chatId };
}

/** A reply as the object's store leaves it (claimed for its first attempt) two minutes ago, with the object's mark. */
async function leftBehind(t: { queueId: string; ticketId: number; agentId: string }, clientMsgId: string, phase: FirstAttempt) {
  const at = Date.now() - 2 * 60_000;
  const inserted = await env.DB.prepare(
    `INSERT INTO messages (account_id, ticket_id, direction, author_id, body, client_msg_id, status, attempts, claimed_at, created_at, updated_at)
     SELECT account_id, id, 'out', ?2, 'Kargonuz yolda 🚚', ?3, 'sending', 1, ?4, ?4, ?4 FROM tickets WHERE id = ?1 RETURNING id`,
  )
    .bind(t.ticketId, t.agentId, clientMsgId, at)
    .first<{ id: number }>();
  await runInDurableObject(queueStub(t.queueId), (_o: QueueObject, state) => markFirstAttempt(state.storage.kv, t.ticketId, clientMsgId, phase, at));
  return inserted!.id;
}

const markOf = (queueId: string, ticketId: number, clientMsgId: string) =>
  runInDurableObject(queueStub(queueId), (_o: QueueObject, state) => firstAttemptOf(state.storage.kv, ticketId, clientMsgId));

async function deliveries(agent: AgentClient, messageId: number, count: number) {
  await vi.waitFor(() => expect(agent.all("delivery").filter((f) => f.messageId === messageId).length).toBeGreaterThanOrEqual(count), { timeout: 15_000, interval: 50 });
  return agent.all("delivery").filter((f) => f.messageId === messageId);
}

describe("a reply's first attempt left behind by its queue object", () => {
  afterEach(cleanUp);

  it("is sent through the Queue, once, when it stopped before the provider was called", async () => {
    const calls = stubBotApi({ firstMessageId: 6100 });
    const t = await heldTicket(calls);
    const id = await leftBehind(t, "lost-1", "storing");

    expect(await sweepOutbox(env)).toMatchObject({ resent: 1, unknown: 0 });
    const [retrying, sent] = await deliveries(t.agent, id, 2);
    expect(retrying).toMatchObject({ status: "queued", reason: "will retry: the first attempt stopped before the provider was called; sending now" });
    expect(sent).toMatchObject({ status: "sent", reason: null });
    expect(textsTo(calls, t.chatId)).toEqual(["Kargonuz yolda 🚚"]);
    expect(await row("SELECT status, attempts FROM messages WHERE id = ?1", id)).toEqual({ status: "sent", attempts: 2 });
    expect(await markOf(t.queueId, t.ticketId, "lost-1")).toBeNull();
  });

  it("is failed as outcome unknown, never sent again, when it may have reached the provider", async () => {
    const calls = stubBotApi();
    const t = await heldTicket(calls);
    const id = await leftBehind(t, "lost-2", "sending");

    expect(await sweepOutbox(env)).toMatchObject({ resent: 0, unknown: 1 });
    const [failed] = await deliveries(t.agent, id, 1);
    expect(failed!.status).toBe("failed");
    expect(failed!.reason).toMatch(/^outcome unknown:/);
    expect(calls).toHaveLength(0);
  });

  it("leaves no mark behind once the object has sent a reply", async () => {
    const calls = stubBotApi();
    const t = await heldTicket(calls);
    t.agent.send({ type: "reply", ticketId: t.ticketId, text: "Merhaba 👋", clientMsgId: "done-1" });
    expect(await t.agent.next("delivery", 5000)).toMatchObject({ status: "sent" });
    expect(await markOf(t.queueId, t.ticketId, "done-1")).toBeNull();
  });
});
