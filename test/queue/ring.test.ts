import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { QueueObject } from "../../src/queue/queue-object";
import { BASE, count, createQueue, createUser, fireTimers, postTelegram, queueStub, settle, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, desk } from "../helpers/session";

let updateId = 10_000;
let userId = 7_000_000;

/** A new customer writes: a new ticket in the queue. Returns its ticket id. */
async function newCustomer(key: string, text = "Merhaba 👋") {
  const uid = ++userId;
  const res = await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId: uid, messageId: 1, text }));
  expect(res.status).toBe(200);
  const row = await env.DB.prepare("SELECT t.id FROM tickets t JOIN contacts c ON c.id = t.contact_id WHERE c.external_id = ?1").bind(String(uid)).first<{ id: number }>();
  return { ticketId: row!.id, userId: uid };
}

describe("queue object: round-robin ring", () => {
  let queueId: string;
  let key: string;
  beforeEach(async () => {
    ({ queueId, key } = await desk({ routing: { agentRingTimeS: 20 } }));
  });
  afterEach(cleanUp);

  it("offers a waiting ticket to an available agent, who accepts it and gets its messages", async () => {
    const ayse = await createUser({ name: "Ayşe Yılmaz", queues: [queueId] });
    const agent = await connect(ayse.token, queueId);
    const { ticketId } = await newCustomer(key, "Kargom nerede? 📦");

    const offer = await agent.next("offer");
    expect(offer.ticket).toMatchObject({ id: ticketId, provider: "telegram", contact: { name: "Zeynep Çelik" } });
    expect(offer.preview).toBe("Kargom nerede? 📦");
    expect(offer.expiresAt).toBeGreaterThan(Date.now());

    agent.send({ type: "accept", ticketId });
    const assigned = await agent.next("ticket.assigned");
    expect(assigned.messages.map((m: any) => m.body)).toEqual(["Kargom nerede? 📦"]);
    await settle();
    const ticket = await env.DB.prepare("SELECT status, assignee_id FROM tickets WHERE id = ?1").bind(ticketId).first<any>();
    expect(ticket).toEqual({ status: "assigned", assignee_id: ayse.id });
  });

  it("moves an unanswered offer to the next agent when the ring time passes", async () => {
    const a = await connect((await createUser({ queues: [queueId] })).token, queueId);
    const b = await connect((await createUser({ queues: [queueId] })).token, queueId);
    const { ticketId } = await newCustomer(key);
    await settle();
    const [firstClient, secondClient] = a.all("offer").length ? [a, b] : [b, a];
    expect((await firstClient.next("offer")).ticket.id).toBe(ticketId);

    await fireTimers(queueId, "offer_expiry");
    expect((await firstClient.next("offer.withdrawn")).reason).toBe("timeout");
    const second = await secondClient.next("offer");
    expect(second.ticket.id).toBe(ticketId);
  });

  it("offers a declined ticket to the next agent, and the decliner cannot accept it any more", async () => {
    const a = await connect((await createUser({ queues: [queueId] })).token, queueId);
    const b = await connect((await createUser({ queues: [queueId] })).token, queueId);
    const { ticketId } = await newCustomer(key);
    await settle();
    const [offered, other] = a.all("offer").length ? [a, b] : [b, a];
    offered.send({ type: "decline", ticketId });
    expect((await offered.next("offer.withdrawn")).reason).toBe("declined");
    expect((await other.next("offer")).ticket.id).toBe(ticketId);
    offered.send({ type: "accept", ticketId });
    expect((await offered.next("error")).code).toBe("no_such_offer");
  });

  it("alternates offers between agents (round-robin)", async () => {
    const a = await connect((await createUser({ capacity: 10, queues: [queueId] })).token, queueId);
    const b = await connect((await createUser({ capacity: 10, queues: [queueId] })).token, queueId);
    for (let i = 0; i < 6; i++) {
      const { ticketId } = await newCustomer(key);
      await settle();
      const holder = a.all("offer").some((o) => o.ticket.id === ticketId) ? a : b;
      holder.send({ type: "accept", ticketId });
      await holder.next("ticket.assigned");
    }
    expect(a.all("offer")).toHaveLength(3);
    expect(b.all("offer")).toHaveLength(3);
  });

  it("never gives an agent more tickets than its capacity; the rest wait and are offered when room frees", async () => {
    const agentUser = await createUser({ capacity: 1, queues: [queueId] });
    const agent = await connect(agentUser.token, queueId);
    const first = await newCustomer(key);
    const second = await newCustomer(key);
    await agent.next("offer");
    agent.send({ type: "accept", ticketId: first.ticketId });
    await agent.next("ticket.assigned");
    await settle();
    expect(agent.all("offer")).toHaveLength(1);
    const snap = await queueStub(queueId).snapshot();
    expect(snap.tickets.find((t) => t.id === second.ticketId)?.state).toBe("waiting");

    agent.send({ type: "close", ticketId: first.ticketId });
    expect((await agent.next("ticket.closed")).ticketId).toBe(first.ticketId);
    expect((await agent.next("offer")).ticket.id).toBe(second.ticketId);
    expect(await count("tickets", "id = ?1 AND status = 'closed' AND current IS NULL", first.ticketId)).toBe(1);
  });

  it("keeps a ticket waiting while nobody is available and offers it as soon as someone connects", async () => {
    const { ticketId } = await newCustomer(key);
    expect((await queueStub(queueId).snapshot()).tickets[0]?.state).toBe("waiting");
    const agent = await connect((await createUser({ queues: [queueId] })).token, queueId);
    expect((await agent.next("offer")).ticket.id).toBe(ticketId);
  });

  it("does not offer to an agent who is away, and does once they are back online", async () => {
    const agent = await connect((await createUser({ queues: [queueId] })).token, queueId);
    agent.send({ type: "presence", status: "away" });
    expect((await agent.next("presence")).status).toBe("away");
    const { ticketId } = await newCustomer(key);
    await settle();
    expect(agent.all("offer")).toHaveLength(0);
    agent.send({ type: "presence", status: "online" });
    expect((await agent.next("offer")).ticket.id).toBe(ticketId);
  });

  it("pushes a later customer message to the agent holding the ticket, once even when the provider retries", async () => {
    const agent = await connect((await createUser({ queues: [queueId] })).token, queueId);
    const { ticketId, userId: uid } = await newCustomer(key);
    await agent.next("offer");
    agent.send({ type: "accept", ticketId });
    await agent.next("ticket.assigned");
    const update = telegramUpdate({ updateId: ++updateId, userId: uid, messageId: 2, text: "Sipariş no: 1234-ÇĞ" });
    await postTelegram(key, update);
    await postTelegram(key, update);
    expect((await agent.next("message")).message.body).toBe("Sipariş no: 1234-ÇĞ");
    await settle();
    expect(agent.all("message")).toHaveLength(1);
  });

  it("keeps presence, waiting tickets and a live offer across eviction; the offer can still be accepted", async () => {
    const agentUser = await createUser({ queues: [queueId] });
    const agent = await connect(agentUser.token, queueId);
    const { ticketId } = await newCustomer(key);
    await agent.next("offer");
    await evictDurableObject(queueStub(queueId), { webSockets: "hibernate" });

    const snap = await queueStub(queueId).snapshot();
    expect(snap.tickets).toEqual([expect.objectContaining({ id: ticketId, state: "offered", offeredTo: [agentUser.id] })]);
    expect(snap.agents).toEqual([expect.objectContaining({ id: agentUser.id, status: "online", sockets: 1 })]);
    expect(snap.timers.map((t) => t.kind)).toContain("offer_expiry");

    agent.send({ type: "accept", ticketId });
    expect((await agent.next("ticket.assigned")).ticket.id).toBe(ticketId);
  });

  it("expires an offer once even when the alarm fires twice", async () => {
    const agent = await connect((await createUser({ queues: [queueId] })).token, queueId);
    const { ticketId } = await newCustomer(key);
    await agent.next("offer");
    await fireTimers(queueId, "offer_expiry");
    await fireTimers(queueId, "offer_expiry");
    await settle();
    expect(agent.all("offer.withdrawn")).toHaveLength(1);
    expect((await queueStub(queueId).snapshot()).tickets.find((t) => t.id === ticketId)?.state).toBe("waiting");
  });

  it("re-offers to the only agent after the round pause, not straight after they let it expire", async () => {
    const agent = await connect((await createUser({ queues: [queueId] })).token, queueId);
    const { ticketId } = await newCustomer(key);
    await agent.next("offer");
    await fireTimers(queueId, "offer_expiry");
    await settle();
    expect(agent.all("offer")).toHaveLength(1);
    await fireTimers(queueId, "ring_retry");
    expect((await agent.next("offer")).ticket.id).toBe(ticketId);
  });

  it("replays the frames an agent missed while disconnected", async () => {
    const user = await createUser({ queues: [queueId], capacity: 5 });
    const first = await connect(user.token, queueId);
    const { ticketId, userId: uid } = await newCustomer(key);
    await first.next("offer");
    first.send({ type: "accept", ticketId });
    await first.next("ticket.assigned");
    const seen = first.lastSeq;
    first.close();
    await settle();

    await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId: uid, messageId: 2, text: "Hâlâ bekliyorum" }));
    const again = await connect(user.token, queueId, seen);
    const hello = again.all("hello")[0]!;
    expect(hello.complete).toBe(true);
    expect(hello.replayed).toBe(1);
    expect(hello.tickets.map((t: any) => t.id)).toEqual([ticketId]);
    const missed = await again.next("message");
    expect(missed.message.body).toBe("Hâlâ bekliyorum");
    expect(missed.seq).toBe(seen + 1);
  });

  it("withdraws offers from an agent whose socket is gone, and marks them offline after the grace period", async () => {
    const user = await createUser({ queues: [queueId] });
    const agent = await connect(user.token, queueId);
    await newCustomer(key);
    await agent.next("offer");
    agent.close();
    await settle();
    let snap = await queueStub(queueId).snapshot();
    expect(snap.tickets[0]?.state).toBe("waiting");
    await fireTimers(queueId, "presence_grace");
    snap = await queueStub(queueId).snapshot();
    expect(snap.agents.find((a) => a.id === user.id)?.status).toBe("offline");
  });

  it("closes a socket that stopped pinging, and withdraws its offers", async () => {
    const user = await createUser({ queues: [queueId] });
    const agent = await connect(user.token, queueId);
    await newCustomer(key);
    await agent.next("offer");
    // Two minutes of silence: no ping, no frame.
    await runInDurableObject(queueStub(queueId), (_o: QueueObject, state) => {
      for (const ws of state.getWebSockets()) ws.serializeAttachment({ ...ws.deserializeAttachment(), lastActivity: Date.now() - 120_000 });
    });
    await fireTimers(queueId, "sweep");
    await vi.waitFor(() => expect(agent.closed).toBe(true), { timeout: 3000, interval: 20 });
    expect((await queueStub(queueId).snapshot()).tickets[0]?.state).toBe("waiting");
    // The withdrawal waits in the replay log for the agent's next connection.
    const again = await connect(user.token, queueId, agent.lastSeq);
    expect(again.all("hello")[0]!.replayed).toBe(1);
    expect((await again.next("offer.withdrawn")).reason).toBe("offline");
  });

  it("answers a ping without waking the object's handlers, and keeps the socket", async () => {
    const agent = await connect((await createUser({ queues: [queueId] })).token, queueId);
    const pong = new Promise<string>((resolve) => agent.ws.addEventListener("message", (e) => e.data === '{"type":"pong"}' && resolve(e.data as string)));
    agent.ws.send('{"type":"ping"}');
    expect(await pong).toBe('{"type":"pong"}');
    await fireTimers(queueId, "sweep");
    await settle();
    expect(agent.closed).toBe(false);
  });

  it("answers an invalid frame with an error frame and keeps the socket open", async () => {
    const agent = await connect((await createUser({ queues: [queueId] })).token, queueId);
    agent.send({ type: "reply", ticketId: "x" });
    const err = await agent.next("error");
    expect(err.code).toBe("invalid_frame");
    agent.ws.send("not json");
    expect((await agent.next("error")).code).toBe("invalid_json");
    agent.send({ type: "reply", ticketId: 999999, text: "hi", clientMsgId: "c1" });
    expect((await agent.next("error")).code).toBe("not_your_ticket");
    expect(agent.closed).toBe(false);
  });
});

describe("GET /agent/ws", () => {
  it("refuses an agent outside the queue (403), a bad token (401) and a missing queue (400)", async () => {
    const queueId = await createQueue();
    const otherQueue = await createQueue();
    const outsider = await createUser({ queues: [otherQueue] });
    const ws = { Upgrade: "websocket" };
    const forbidden = await exports.default.fetch(`${BASE}/agent/ws?queue=${queueId}`, { headers: { ...ws, Authorization: `Bearer ${outsider.token}` } });
    expect(forbidden.status).toBe(403);
    const badToken = await exports.default.fetch(`${BASE}/agent/ws?queue=${queueId}&access_token=nope`, { headers: ws });
    expect(badToken.status).toBe(401);
    const noQueue = await exports.default.fetch(`${BASE}/agent/ws`, { headers: { ...ws, Authorization: `Bearer ${outsider.token}` } });
    expect(noQueue.status).toBe(400);
    expect((await noQueue.json<any>()).error.code).toBe("validation_failed");
  });

  it("accepts the token as ?access_token= for browsers", async () => {
    const queueId = await createQueue();
    const user = await createUser({ queues: [queueId] });
    const res = await exports.default.fetch(`${BASE}/agent/ws?queue=${queueId}&access_token=${user.token}`, { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(101);
    res.webSocket!.accept();
    res.webSocket!.close(1000);
  });
});
