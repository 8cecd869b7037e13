import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { RoutingConfig } from "../../src/domain/routing-config";
import { BASE, createUser, fireTimers, postTelegram, queueStub, settle, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, desk, trackQueue } from "../helpers/session";

let updateId = 50_000;
let userSeq = 8_000_000;

afterEach(cleanUp);

const setup = (routing: Partial<RoutingConfig>) => desk({ routing });
async function write(key: string, userId = ++userSeq, messageId = 1) {
  const res = await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId, messageId, text: "Yardım lütfen 🙏" }));
  expect(res.status).toBe(200);
  return userId;
}

describe("ring-all", () => {
  it("offers to every available agent; of two accepts in the same instant exactly one wins", async () => {
    const { queueId, key } = await setup({ strategy: "ring-all" });
    const a = await connect((await createUser({ queues: [queueId] })).token, queueId);
    const b = await connect((await createUser({ queues: [queueId] })).token, queueId);
    await write(key);
    const [offerA, offerB] = await Promise.all([a.next("offer"), b.next("offer")]);
    expect(offerA.ticket.id).toBe(offerB.ticket.id);
    const ticketId = offerA.ticket.id;

    a.send({ type: "accept", ticketId });
    b.send({ type: "accept", ticketId });
    await settle();
    await settle();
    const winners = [a, b].filter((c) => c.all("ticket.assigned").length === 1);
    const loser = [a, b].find((c) => c.all("ticket.assigned").length === 0)!;
    expect(winners).toHaveLength(1);
    expect(loser.all("offer.withdrawn").map((f) => f.reason)).toEqual(["taken"]);
    expect(loser.all("error").map((f) => f.code)).toEqual(["no_such_offer"]);
    const row = await env.DB.prepare("SELECT status, assignee_id FROM tickets WHERE id = ?1").bind(ticketId).first<any>();
    expect(row.status).toBe("assigned");
    expect((await queueStub(queueId).snapshot()).tickets[0]).toMatchObject({ state: "assigned", offeredTo: [] });
  });

  it("keeps the others' offers open when one agent declines", async () => {
    const { queueId, key } = await setup({ strategy: "ring-all" });
    const a = await connect((await createUser({ queues: [queueId] })).token, queueId);
    const b = await connect((await createUser({ queues: [queueId] })).token, queueId);
    await write(key);
    const ticketId = (await a.next("offer")).ticket.id;
    await b.next("offer");
    a.send({ type: "decline", ticketId });
    await a.next("offer.withdrawn");
    b.send({ type: "accept", ticketId });
    expect((await b.next("ticket.assigned")).ticket.id).toBe(ticketId);
  });
});

describe("percentage", () => {
  it("splits tickets by member weight (3:1 over 8 tickets → 6 and 2)", async () => {
    const { queueId, key } = await setup({ strategy: "percentage" });
    const heavy = await createUser({ queues: [queueId], capacity: 50 });
    const light = await createUser({ queues: [queueId], capacity: 50 });
    await env.DB.prepare("UPDATE queue_members SET weight = ?1 WHERE queue_id = ?2 AND user_id = ?3").bind(3, queueId, heavy.id).run();
    const h = await connect(heavy.token, queueId);
    const l = await connect(light.token, queueId);
    for (let i = 0; i < 8; i++) {
      await write(key);
      await settle();
      const offer = [...h.all("offer"), ...l.all("offer")].find((o) => !h.all("ticket.assigned").concat(l.all("ticket.assigned")).some((t) => t.ticket.id === o.ticket.id))!;
      const holder = h.all("offer").includes(offer) ? h : l;
      holder.send({ type: "accept", ticketId: offer.ticket.id });
      await holder.next("ticket.assigned");
    }
    expect(h.all("ticket.assigned")).toHaveLength(6);
    expect(l.all("ticket.assigned")).toHaveLength(2);
  });
});

describe("least-busy", () => {
  it("offers to the agent holding the fewest tickets", async () => {
    const { queueId, key } = await setup({ strategy: "least-busy" });
    const a = await connect((await createUser({ queues: [queueId], capacity: 5 })).token, queueId);
    await write(key);
    const first = await a.next("offer");
    a.send({ type: "accept", ticketId: first.ticket.id });
    await a.next("ticket.assigned");
    const b = await connect((await createUser({ queues: [queueId], capacity: 5 })).token, queueId);
    await write(key);
    expect((await b.next("offer")).ticket.id).not.toBe(first.ticket.id);
    expect(a.all("offer")).toHaveLength(1);
  });
});

describe("sticky", () => {
  it("gives a returning contact's new ticket to the agent who served them, waiting for that agent before falling back", async () => {
    const { queueId, key } = await setup({ strategy: "sticky", stickyWaitS: 60 });
    const ayseUser = await createUser({ queues: [queueId], capacity: 5 });
    const john = await connect((await createUser({ queues: [queueId], capacity: 5 })).token, queueId);
    let ayse = await connect(ayseUser.token, queueId);
    john.send({ type: "presence", status: "away" });
    await john.next("presence");

    const customer = await write(key);
    const first = await ayse.next("offer");
    ayse.send({ type: "accept", ticketId: first.ticket.id });
    await ayse.next("ticket.assigned");
    ayse.send({ type: "close", ticketId: first.ticket.id });
    await ayse.next("ticket.closed");
    john.send({ type: "presence", status: "online" });
    await john.next("presence");

    // The same customer writes again: the new ticket waits for Ayşe, not John.
    ayse.send({ type: "presence", status: "away" });
    await ayse.next("presence");
    await write(key, customer, 2);
    await settle();
    expect(john.all("offer")).toHaveLength(0);
    ayse.send({ type: "presence", status: "online" });
    const again = await ayse.next("offer");
    expect(again.ticket.id).not.toBe(first.ticket.id);
    expect(john.all("offer")).toHaveLength(0);

    // Another returning customer of Ayşe's while she is away: after the wait, John gets it.
    ayse.send({ type: "accept", ticketId: again.ticket.id });
    await ayse.next("ticket.assigned");
    ayse.send({ type: "close", ticketId: again.ticket.id });
    await ayse.next("ticket.closed");
    ayse.send({ type: "presence", status: "away" });
    await ayse.next("presence");
    await write(key, customer, 3);
    await settle();
    expect(john.all("offer")).toHaveLength(0);
    await fireTimers(queueId, "sticky_expiry");
    expect((await john.next("offer")).ticket.contact.id).toBe(first.ticket.contact.id);
  });
});

describe("routing configuration through the API", () => {
  it("changes the strategy of a live queue", async () => {
    const admin = await createUser({ role: "admin" });
    const res = await exports.default.fetch(`${BASE}/api/v1/queues`, {
      method: "POST",
      headers: { Authorization: `Bearer ${admin.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: `Ring all ${Date.now()}`, routing: { strategy: "ring-all", agentRingTimeS: 15 } }),
    });
    expect(res.status).toBe(201);
    const queue = await res.json<any>();
    trackQueue(queue.id);
    expect((await queueStub(queue.id).snapshot()).config).toMatchObject({ strategy: "ring-all", agentRingTimeS: 15 });
  });
});
