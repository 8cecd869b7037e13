import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { SocketAttachment } from "../../src/queue/host";
import type { QueueObject } from "../../src/queue/queue-object";
import { call, seedUser } from "../helpers/api";
import { AgentClient, BASE, fireTimers, queueStub, settle } from "../helpers/hub";
import { trackSocket } from "../helpers/session";
import { cleanUp, connect, customerWrites, desk, heldTicket, messagesOf, newCustomer, stubBotApi } from "./desk";

// A user's access ends while their sockets are open (logout, deactivation, new password,
// deletion, expiry): the sockets close with 4004 and hear nothing more.

afterEach(cleanUp);

const ACCESS_ENDED = 4004;

/** Another login of the same user (a second device): a new token in D1, as login stores it. */
async function anotherSession(userId: string, expiresAt: number | null = null) {
  const token = `second-${crypto.randomUUID()}`;
  const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)))].map((b) => b.toString(16).padStart(2, "0")).join("");
  await env.DB.prepare("INSERT INTO api_tokens (id, user_id, token_hash, label, expires_at) VALUES (?1, ?2, ?3, 'login', ?4)")
    .bind(crypto.randomUUID(), userId, digest, expiresAt)
    .run();
  return token;
}

/** A supervisor's socket on a queue: what it received, and how it closed. */
async function watch(token: string, queueId: string) {
  const res = await exports.default.fetch(`${BASE}/supervisor/ws?queue=${queueId}`, { headers: { Upgrade: "websocket", Authorization: `Bearer ${token}` } });
  expect(res.status).toBe(101);
  const ws = trackSocket(res.webSocket!);
  const room = { frames: [] as any[], closeCode: undefined as number | undefined };
  ws.addEventListener("message", (e) => {
    room.frames.push(JSON.parse(e.data as string));
  });
  ws.addEventListener("close", (e) => {
    room.closeCode = e.code;
  });
  ws.accept();
  await settle();
  return room;
}

/** The socket upgrade with this token, as a desk reconnecting would try it. */
const reconnect = (token: string, queueId: string) =>
  exports.default.fetch(`${BASE}/agent/ws?queue=${queueId}`, { headers: { Upgrade: "websocket", Authorization: `Bearer ${token}` } });

const agentState = async (queueId: string, agentId: string) => (await queueStub(queueId).snapshot()).agents.find((a) => a.id === agentId)?.status;
const ticketIn = async (queueId: string, ticketId: number) => (await queueStub(queueId).snapshot()).tickets.find((t) => t.id === ticketId);

async function closedWith(client: AgentClient) {
  for (let i = 0; i < 50 && !client.closed; i++) await settle();
  return client.closeCode;
}

describe("a user's access ends while their socket is open", () => {
  it("logout closes the sockets opened with that token only; the other device keeps working", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const ayse = await seedUser("agent", { queues: [queueId] });
    const laptop = await connect(ayse.token, queueId);
    const phone = await connect(await anotherSession(ayse.id), queueId);
    const { ticketId, customer } = await heldTicket(key, laptop, "Kargom nerede? 📦");

    expect((await call("/api/v1/auth/logout", { method: "POST", token: ayse.token })).status).toBe(204);
    expect(await closedWith(laptop)).toBe(ACCESS_ENDED);
    const framesBefore = laptop.frames.length;

    // The phone's session is another token: it stays, holds the ticket and hears the customer.
    await customerWrites(key, customer, "Çok acil, lütfen 🙏");
    expect((await phone.next("message")).message.body).toBe("Çok acil, lütfen 🙏");
    expect(laptop.frames.length).toBe(framesBefore);
    expect(phone.closed).toBe(false);
    expect(await ticketIn(queueId, ticketId)).toMatchObject({ state: "assigned", agentId: ayse.id });

    // The revoked token opens nothing any more.
    expect((await reconnect(ayse.token, queueId)).status).toBe(401);
  });

  it("logout of the only session: the agent is gone as after a disconnect, offers withdrawn, tickets kept through the grace period", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const ayse = await seedUser("agent", { queues: [queueId] });
    const desk1 = await connect(ayse.token, queueId);
    const { ticketId } = await heldTicket(key, desk1);
    await customerWrites(key, newCustomer(), "Yeni bir soru ❓");
    const offer = await desk1.next("offer");

    await call("/api/v1/auth/logout", { method: "POST", token: ayse.token });
    expect(await closedWith(desk1)).toBe(ACCESS_ENDED);
    const tickets = (await queueStub(queueId).snapshot()).tickets;
    expect(tickets.find((t) => t.id === offer.ticket.id)?.state).toBe("waiting");
    expect(tickets.find((t) => t.id === ticketId)).toMatchObject({ state: "assigned", agentId: ayse.id });
    expect((await queueStub(queueId).snapshot()).timers.some((t) => t.kind === "presence_grace" && t.ref === ayse.id)).toBe(true);
    expect((await reconnect(ayse.token, queueId)).status).toBe(401);
  });

  it("deactivation closes every socket in every queue at once, and the agent's tickets go to a colleague now", async () => {
    stubBotApi();
    const admin = await seedUser("admin");
    const first = await desk();
    const second = await desk();
    const ayse = await seedUser("agent", { queues: [first.queueId, second.queueId] });
    const mehmet = await seedUser("agent", { queues: [first.queueId] });
    const inFirst = await connect(ayse.token, first.queueId);
    const inSecond = await connect(await anotherSession(ayse.id), second.queueId);
    const { ticketId, customer } = await heldTicket(first.key, inFirst, "İade istiyorum 🔁");
    const colleague = await connect(mehmet.token, first.queueId);

    const res = await call(`/api/v1/users/${ayse.id}`, { method: "PATCH", token: admin.token, json: { active: false } });
    expect(res.status).toBe(200);
    expect(await closedWith(inFirst)).toBe(ACCESS_ENDED);
    expect(await closedWith(inSecond)).toBe(ACCESS_ENDED);
    // Told before the socket closed; no grace period for a user who is gone.
    expect(inFirst.all("ticket.revoked").map((f) => f.ticketId)).toEqual([ticketId]);
    expect((await colleague.next("offer")).ticket.id).toBe(ticketId);
    expect(await agentState(first.queueId, ayse.id)).toBe("offline");
    expect(await agentState(second.queueId, ayse.id)).toBe("offline");
    expect(await env.DB.prepare("SELECT status, assignee_id FROM tickets WHERE id = ?1").bind(ticketId).first()).toEqual({ status: "open", assignee_id: null });

    // Nothing more reaches the closed sockets; nothing they send is heard.
    const heard = inFirst.frames.length;
    await customerWrites(first.key, customer, "Kimse yok mu? 😟");
    await customerWrites(first.key, newCustomer(), "Merhaba 👋");
    await settle();
    expect(inFirst.frames.length).toBe(heard);
    expect(() => inFirst.send({ type: "reply", ticketId, text: "Hâlâ buradayım", clientMsgId: "after-close" })).toThrow();
    await settle();
    expect((await messagesOf(ticketId)).filter((m) => m.direction === "out")).toEqual([]);
    expect((await reconnect(ayse.token, first.queueId)).status).toBe(401);
  });

  it("a new password closes every session's sockets; the agent may come back within the grace period", async () => {
    stubBotApi();
    const admin = await seedUser("admin");
    const { queueId, key } = await desk();
    const ayse = await seedUser("agent", { queues: [queueId] });
    const laptop = await connect(ayse.token, queueId);
    const phone = await connect(await anotherSession(ayse.id), queueId);
    const { ticketId } = await heldTicket(key, laptop);

    const res = await call(`/api/v1/users/${ayse.id}`, { method: "PATCH", token: admin.token, json: { password: "yeni şifre 🔐 2026" } });
    expect(res.status).toBe(200);
    expect(await closedWith(laptop)).toBe(ACCESS_ENDED);
    expect(await closedWith(phone)).toBe(ACCESS_ENDED);
    expect(await ticketIn(queueId, ticketId)).toMatchObject({ state: "assigned", agentId: ayse.id });
    expect((await reconnect(ayse.token, queueId)).status).toBe(401);

    // Logged in again with the new password, before the grace period ends: the ticket is still hers.
    const fresh = await AgentClient.connect(await anotherSession(ayse.id), queueId);
    expect(fresh.all("hello")[0]!.tickets.map((t: any) => t.id)).toEqual([ticketId]);
    fresh.close();
  });

  it("deleting the user closes their sockets and hands their tickets to others", async () => {
    stubBotApi();
    const admin = await seedUser("admin");
    const { queueId, key } = await desk();
    const ayse = await seedUser("agent", { queues: [queueId] });
    const mehmet = await seedUser("agent", { queues: [queueId] });
    const desk1 = await connect(ayse.token, queueId);
    const { ticketId } = await heldTicket(key, desk1, "Faturam yanlış 🧾");
    const colleague = await connect(mehmet.token, queueId);

    expect((await call(`/api/v1/users/${ayse.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    expect(await closedWith(desk1)).toBe(ACCESS_ENDED);
    expect((await colleague.next("offer")).ticket.id).toBe(ticketId);
    expect(await agentState(queueId, ayse.id)).toBe("offline");
    expect(await env.DB.prepare("SELECT status FROM tickets WHERE id = ?1").bind(ticketId).first()).toEqual({ status: "open" });
  });

  it("a supervisor's sockets close too, on queues they watch without being a member", async () => {
    const admin = await seedUser("admin");
    const queueId = (await desk()).queueId;
    const other = (await desk()).queueId;
    const sup = await seedUser("supervisor");
    const room = await watch(sup.token, queueId);
    const otherRoom = await watch(await anotherSession(sup.id), other);
    expect(room.frames[0]).toMatchObject({ type: "queue.state" });

    await call("/api/v1/auth/logout", { method: "POST", token: sup.token });
    await settle();
    expect(room.closeCode).toBe(ACCESS_ENDED);
    expect(otherRoom.closeCode).toBeUndefined();

    await call(`/api/v1/users/${sup.id}`, { method: "PATCH", token: admin.token, json: { active: false } });
    await settle();
    expect(otherRoom.closeCode).toBe(ACCESS_ENDED);
  });
});

describe("a token expiring while its socket is open", () => {
  /** The token's expiry, as the socket's attachment in the queue's object holds it; `to` rewrites it (the clock passing it). */
  async function socketExpiry(queueId: string, agentId: string, to?: number) {
    return runInDurableObject(queueStub(queueId), (_o: QueueObject, state) => {
      const [ws] = state.getWebSockets(agentId);
      const att = ws!.deserializeAttachment() as SocketAttachment;
      if (to !== undefined) ws!.serializeAttachment({ ...att, access: { ...att.access!, expiresAt: to } });
      return att.access?.expiresAt;
    });
  }

  it("closes on the queue's next sweep with 4004, and the token opens nothing after", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const ayse = await seedUser("agent", { queues: [queueId] });
    const expiresAt = Date.now() + 60 * 60 * 1000;
    const token = await anotherSession(ayse.id, expiresAt);
    const desk1 = await connect(token, queueId);
    await heldTicket(key, desk1);
    expect(await socketExpiry(queueId, ayse.id)).toBe(expiresAt);

    // The hour passes.
    await env.DB.prepare("UPDATE api_tokens SET expires_at = ?2 WHERE user_id = ?1 AND expires_at IS NOT NULL").bind(ayse.id, Date.now() - 1).run();
    await socketExpiry(queueId, ayse.id, Date.now() - 1);
    await fireTimers(queueId, "sweep");
    expect(await closedWith(desk1)).toBe(ACCESS_ENDED);
    expect((await reconnect(token, queueId)).status).toBe(401);
  });

  it("a frame sent on a socket whose token has expired is not carried out: the socket closes", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const ayse = await seedUser("agent", { queues: [queueId] });
    const desk1 = await connect(await anotherSession(ayse.id, Date.now() + 60 * 60 * 1000), queueId);
    const { ticketId } = await heldTicket(key, desk1);
    await socketExpiry(queueId, ayse.id, Date.now() - 1);

    desk1.send({ type: "reply", ticketId, text: "Süre doldu mu? ⌛", clientMsgId: "expired-1" });
    expect(await closedWith(desk1)).toBe(ACCESS_ENDED);
    expect(desk1.all("reply.queued")).toEqual([]);
    expect((await messagesOf(ticketId)).filter((m) => m.direction === "out")).toEqual([]);
  });
});
