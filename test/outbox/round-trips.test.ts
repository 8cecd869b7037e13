import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { D1_METER_PATH, d1MeterReading, meterD1, type D1MeterTotals } from "../../src/db/meter";
import { createUser, postTelegram, row, telegramUpdate, type AgentClient } from "../helpers/hub";
import { cleanUp, connect, desk, stubBotApi } from "../helpers/session";

// D1 round trips of an agent's actions, counted by the D1 meter on the binding the Worker, its
// objects and this test share: accepting an offer is one, a reply and its delivery two in all.

const meterOn = { DB: env.DB, D1_METER: "on" };
const totals = async (): Promise<D1MeterTotals> => (await d1MeterReading(new Request(`https://hub.example.test${D1_METER_PATH}`), meterOn)!.json()) as D1MeterTotals;

/** Waits until nothing has gone to D1 for a while: the webhook's own work, greetings and their delivery are done. */
async function quiet(): Promise<number> {
  let last = (await totals()).roundTrips;
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 60));
    const now = (await totals()).roundTrips;
    if (now === last) return now;
    last = now;
  }
  throw new Error("D1 never went quiet");
}

let n = 0;

async function offered(): Promise<{ agent: AgentClient; ticketId: number; calls: ReturnType<typeof stubBotApi> }> {
  const calls = stubBotApi({ firstMessageId: 3001 });
  const { queueId, key } = await desk();
  const agent = await connect((await createUser({ queues: [queueId] })).token, queueId);
  await postTelegram(key, telegramUpdate({ updateId: 770000 + ++n, userId: 7700000 + n, messageId: 1 }));
  const ticketId = (await agent.next("offer")).ticket.id as number;
  return { agent, ticketId, calls };
}

describe("D1 round trips of an agent's actions", () => {
  beforeAll(() => {
    meterD1(meterOn);
  });
  afterEach(cleanUp);

  it("accepting an offer is one round trip", async () => {
    const { agent, ticketId } = await offered();
    const before = await quiet();
    agent.send({ type: "accept", ticketId });
    const assigned = await agent.next("ticket.assigned");
    expect(assigned.messages).toHaveLength(1);
    expect((await totals()).roundTrips - before).toBe(1);
  });

  it("a reply and its delivery are two round trips, the reply in D1 before the provider is called", async () => {
    const { agent, ticketId, calls } = await offered();
    agent.send({ type: "accept", ticketId });
    await agent.next("ticket.assigned");
    const before = await quiet();
    const atSend: number[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      atSend.push((await totals()).roundTrips - before);
      return realFetch(input, init);
    }) as typeof fetch;
    try {
      agent.send({ type: "reply", ticketId, text: "Kargonuz yolda 🚚", clientMsgId: "rt-1" });
      const queued = await agent.next("reply.queued");
      const delivery = await agent.next("delivery", 5000);
      expect(delivery).toMatchObject({ messageId: queued.message.id, status: "sent", reason: null });
      expect((await totals()).roundTrips - before).toBe(2);
    } finally {
      globalThis.fetch = realFetch;
    }
    // The provider was called once, after the one round trip that stored (and claimed) the reply.
    expect(atSend).toEqual([1]);
    expect(calls.filter((c) => c.method === "sendMessage")).toHaveLength(1);
    expect(await row("SELECT status, attempts, provider_message_id FROM messages WHERE client_msg_id = 'rt-1' AND ticket_id = ?1", ticketId)).toEqual({
      status: "sent",
      attempts: 1,
      provider_message_id: expect.stringMatching(/:3001$/),
    });
  });
});
