import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { RoutingConfig } from "../../src/domain/routing-config";
import type { AgentLedger } from "../../src/agents/agent-ledger";
import type { QueueObject } from "../../src/queue/queue-object";
import { BASE, createUser, fireTimers, postTelegram, queueStub, settle, telegramUpdate, type AgentClient } from "../helpers/hub";
import { cleanUp, connect, desk, trackSocket } from "../helpers/session";

// An agent's capacity (and a queue's Maximum Extra Webchat Count) counts the tickets they are
// offered and hold in every queue, decided by the agent's ledger, one report at a time.

let updateId = 8_800_000;
let customerSeq = 8_810_000;

afterEach(cleanUp);

/** Lets the queues and the ledgers answer one another. */
const quiet = async () => {
  for (let i = 0; i < 6; i++) await settle();
};

/** A customer writes to the queue's Telegram bot; a new ticket. */
async function customer(key: string, text: string) {
  const res = await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId: ++customerSeq, messageId: 1, text, firstName: "Zeynep" }));
  expect(res.status).toBe(200);
}

const ledger = (userId: string) => env.AGENT_LEDGER.getByName(userId);

/** The states of the queue's tickets, as its object has them. */
async function states(queueId: string) {
  return (await queueStub(queueId).snapshot()).tickets.map((t) => t.state);
}

/** Two queues, one agent in both with capacity 1, a desk open on each. */
async function twoQueues(routing: Partial<RoutingConfig> = {}, other: Partial<RoutingConfig> = routing) {
  const a = await desk({ routing });
  const b = await desk({ routing: other });
  const ayse = await createUser({ name: "Ayşe Yılmaz", capacity: 1, queues: [a.queueId, b.queueId] });
  const deskA = await connect(ayse.token, a.queueId);
  const deskB = await connect(ayse.token, b.queueId);
  return { a, b, ayse, deskA, deskB };
}

/** One customer in each queue at the same instant: the agent is offered exactly one of the two. */
async function bothAtOnce(s: Awaited<ReturnType<typeof twoQueues>>) {
  await Promise.all([customer(s.a.key, "Kargom nerede? 📦"), customer(s.b.key, "Faturam yanlış 🧾")]);
  await quiet();
  const offers = [...s.deskA.all("offer"), ...s.deskB.all("offer")];
  expect(offers).toHaveLength(1);
  const [offered, other]: [AgentClient, AgentClient] = s.deskA.all("offer").length ? [s.deskA, s.deskB] : [s.deskB, s.deskA];
  const [offeredQueue, otherQueue] = offered === s.deskA ? [s.a.queueId, s.b.queueId] : [s.b.queueId, s.a.queueId];
  return { offer: await offered.next("offer"), offered, other, offeredQueue, otherQueue };
}

describe("capacity across queues", () => {
  it("offers an agent with capacity 1 one ticket when two queues have a customer at the same instant; the other is offered once the first is closed", async () => {
    const s = await twoQueues();
    const { offer, offered, other, offeredQueue, otherQueue } = await bothAtOnce(s);
    expect(await states(otherQueue)).toEqual(["waiting"]);
    expect(await ledger(s.ayse.id).slots()).toEqual([expect.objectContaining({ queueId: offeredQueue, ticketId: offer.ticket.id, kind: "offer" })]);

    offered.send({ type: "accept", ticketId: offer.ticket.id });
    await offered.next("ticket.assigned");
    await quiet();
    expect(other.all("offer")).toEqual([]);
    expect(await states(otherQueue)).toEqual(["waiting"]);
    expect(await ledger(s.ayse.id).slots()).toEqual([expect.objectContaining({ queueId: offeredQueue, ticketId: offer.ticket.id, kind: "hold" })]);

    offered.send({ type: "close", ticketId: offer.ticket.id });
    await offered.next("ticket.closed");
    const next = await other.next("offer");
    expect(next.preview).toBe(offeredQueue === s.a.queueId ? "Faturam yanlış 🧾" : "Kargom nerede? 📦");
    other.send({ type: "accept", ticketId: next.ticket.id });
    await other.next("ticket.assigned");
    const held = await env.DB.prepare("SELECT count(*) AS n FROM tickets WHERE assignee_id = ?1 AND status = 'assigned'").bind(s.ayse.id).first<{ n: number }>();
    expect(held!.n).toBe(1);
  });

  it("a declined offer frees the agent for the other queue's customer", async () => {
    const s = await twoQueues();
    const { offer, offered, other } = await bothAtOnce(s);
    offered.send({ type: "decline", ticketId: offer.ticket.id });
    expect((await offered.next("offer.withdrawn")).reason).toBe("declined");
    expect((await other.next("offer")).ticket.id).not.toBe(offer.ticket.id);
  });

  it("an offer that lapses frees the agent for the other queue's customer", async () => {
    const s = await twoQueues();
    const { offer, offered, other, offeredQueue } = await bothAtOnce(s);
    await fireTimers(offeredQueue, "offer_expiry");
    expect((await offered.next("offer.withdrawn")).reason).toBe("timeout");
    expect((await other.next("offer")).ticket.id).not.toBe(offer.ticket.id);
  });

  it("signing the agent out of one queue gives their room to the other queue's customer", async () => {
    const s = await twoQueues();
    const { offer, offered, other, offeredQueue } = await bothAtOnce(s);
    offered.send({ type: "accept", ticketId: offer.ticket.id });
    await offered.next("ticket.assigned");
    await quiet();
    expect(other.all("offer")).toEqual([]);

    const supervisor = await createUser({ role: "supervisor", name: "Süpervizör Şule" });
    const res = await exports.default.fetch(`${BASE}/supervisor/ws?queue=${offeredQueue}`, { headers: { Upgrade: "websocket", Authorization: `Bearer ${supervisor.token}` } });
    expect(res.status).toBe(101);
    const room = trackSocket(res.webSocket!);
    room.accept();
    room.send(JSON.stringify({ type: "agent.state", agentId: s.ayse.id, status: "offline" }));
    expect((await offered.next("ticket.revoked")).reason).toBe("offline");
    expect((await other.next("offer")).ticket.id).not.toBe(offer.ticket.id);
  });

  it("Maximum Extra Webchat Count: picks beyond capacity count the tickets held in every queue", async () => {
    const s = await twoQueues({}, { closeAutoAssign: true, maxExtraChats: 1 });
    await customer(s.a.key, "Kargom nerede? 📦");
    const offer = await s.deskA.next("offer");
    s.deskA.send({ type: "accept", ticketId: offer.ticket.id });
    await s.deskA.next("ticket.assigned");

    await customer(s.b.key, "Faturam yanlış 🧾");
    await customer(s.b.key, "İade istiyorum ↩️");
    const [first, second] = (await queueStub(s.b.queueId).snapshot()).tickets.map((t) => t.id);
    s.deskB.send({ type: "pick", ticketId: first });
    expect((await s.deskB.next("ticket.assigned")).ticket.id).toBe(first);
    s.deskB.send({ type: "pick", ticketId: second }); // capacity 1 + 1 extra: one in each queue is all
    expect((await s.deskB.next("error")).code).toBe("at_capacity");
    expect(await states(s.b.queueId)).toEqual(["assigned", "waiting"]);

    s.deskA.send({ type: "close", ticketId: offer.ticket.id });
    await s.deskA.next("ticket.closed");
    await quiet();
    s.deskB.send({ type: "pick", ticketId: second });
    expect((await s.deskB.next("ticket.assigned")).ticket.id).toBe(second);
  });

  it("a colleague's room for a transfer counts the tickets they hold in other queues", async () => {
    const s = await twoQueues();
    const mehmet = await createUser({ name: "Mehmet Öztürk", capacity: 3, queues: [s.a.queueId] });
    const mehmetDesk = await connect(mehmet.token, s.a.queueId);
    s.deskA.send({ type: "presence", status: "away" });
    await s.deskA.next("presence");
    await customer(s.a.key, "Kargom nerede? 📦");
    const offer = await mehmetDesk.next("offer");
    mehmetDesk.send({ type: "accept", ticketId: offer.ticket.id });
    await mehmetDesk.next("ticket.assigned");
    s.deskA.send({ type: "presence", status: "online" });
    await s.deskA.next("presence");

    await customer(s.b.key, "Faturam yanlış 🧾");
    const inB = await s.deskB.next("offer");
    s.deskB.send({ type: "accept", ticketId: inB.ticket.id });
    await s.deskB.next("ticket.assigned");

    mehmetDesk.send({ type: "transfer", ticketId: offer.ticket.id, to: { agentId: s.ayse.id } });
    expect((await mehmetDesk.next("error")).code).toBe("transfer_unavailable");
    await quiet();
    expect(s.deskA.all("offer")).toEqual([]);
    expect((await queueStub(s.a.queueId).snapshot()).tickets).toEqual([expect.objectContaining({ id: offer.ticket.id, state: "assigned", agentId: mehmet.id })]);
  });

  it("an offer its queue never withdraws stops counting when its lease ends, and the refused queue is told", async () => {
    const b = await desk();
    const ayse = await createUser({ name: "Ayşe Yılmaz", capacity: 1, queues: [b.queueId] });
    const deskB = await connect(ayse.token, b.queueId);
    // A queue that offered Ayşe a ticket and then failed: it never reports the offer's end.
    await ledger(ayse.id).report({ queueId: "queue-that-failed", seq: 1, slots: [{ ticketId: 424242, kind: "offer", limit: 1, expiresAt: Date.now() + 60_000 }] });

    await customer(b.key, "Faturam yanlış 🧾");
    await quiet();
    expect(deskB.all("offer")).toEqual([]);
    expect(await states(b.queueId)).toEqual(["waiting"]);

    await runInDurableObject(ledger(ayse.id), (_l: AgentLedger, state) => {
      state.storage.sql.exec("UPDATE slots SET expires_at = ?", Date.now() - 1);
    });
    await runDurableObjectAlarm(ledger(ayse.id));
    expect((await deskB.next("offer")).preview).toBe("Faturam yanlış 🧾");
    expect(await ledger(ayse.id).slots()).toEqual([expect.objectContaining({ queueId: b.queueId, kind: "offer" })]);
  });

  it("an agent added to a second queue is counted across both at once: the first queue stops counting them alone", async () => {
    const a = await desk();
    const b = await desk();
    const admin = await createUser({ role: "admin" });
    const ayse = await createUser({ name: "Ayşe Yılmaz", capacity: 3, queues: [a.queueId] });
    const deskA = await connect(ayse.token, a.queueId);
    await customer(a.key, "Kargom nerede? 📦");
    const first = await deskA.next("offer");
    deskA.send({ type: "accept", ticketId: first.ticket.id });
    await deskA.next("ticket.assigned");

    // An admin adds her to queue B; she takes two customers there: her capacity of 3 is full.
    const added = await exports.default.fetch(`${BASE}/api/v1/queues/${b.queueId}/members/${ayse.id}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${admin.token}`, "Content-Type": "application/json" },
      body: "{}",
    });
    expect(added.status).toBe(200);
    const deskB = await connect(ayse.token, b.queueId);
    for (const text of ["Faturam yanlış 🧾", "İade istiyorum ↩️"]) {
      await customer(b.key, text);
      const inB = await deskB.next("offer");
      deskB.send({ type: "accept", ticketId: inB.ticket.id });
      await deskB.next("ticket.assigned");
    }

    await customer(a.key, "Siparişim gelmedi 🚚");
    await quiet();
    expect(deskA.all("offer")).toHaveLength(1);
    expect(await states(a.queueId)).toEqual(["assigned", "waiting"]);
  });

  it("an agent a queue holds as full is tried again when they connect, in case the ledger's notice of a freed slot was lost", async () => {
    const b = await desk();
    const ayse = await createUser({ name: "Ayşe Yılmaz", capacity: 1, queues: [b.queueId] });
    const first = await connect(ayse.token, b.queueId);
    // A refusal whose "a slot freed" notice never arrived.
    await runInDurableObject(queueStub(b.queueId), (_o: QueueObject, state) => {
      state.storage.sql.exec("UPDATE agents SET full_version = 7 WHERE id = ?", ayse.id);
    });
    // The object keeps its roster in memory: it reads the row written above when it wakes again.
    await evictDurableObject(queueStub(b.queueId), { webSockets: "hibernate" });
    await customer(b.key, "Faturam yanlış 🧾");
    await quiet();
    expect(first.all("offer")).toEqual([]);

    const again = await connect(ayse.token, b.queueId);
    expect((await again.next("offer")).preview).toBe("Faturam yanlış 🧾");
  });
});
