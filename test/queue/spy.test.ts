import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { call } from "../helpers/api";
import { BASE, createUser, queueStub, settle } from "../helpers/hub";
import { trackSocket } from "../helpers/session";
import { supervisorServerFrameSchema } from "../../src/queue/protocol";
import { agentIn, cleanUp, connect, customerWrites, desk, heldTicket, messagesOf, stubBotApi } from "./desk";

const misfits: unknown[] = [];

afterEach(async () => {
  await cleanUp();
  expect(misfits.splice(0)).toEqual([]);
});

/** A supervisor's socket: `next(type)` takes the first frame of that type not taken yet (queue.state frames are skipped). */
async function supervise(token: string, queueId: string) {
  const res = await exports.default.fetch(`${BASE}/supervisor/ws?queue=${queueId}`, { headers: { Upgrade: "websocket", Authorization: `Bearer ${token}` } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  trackSocket(ws);
  const frames: any[] = [];
  let cursor = 0;
  ws.addEventListener("message", (e) => {
    const frame = JSON.parse(e.data as string);
    if (frame.type === "queue.state") return;
    frames.push(frame);
    // Every frame is one the protocol describes.
    const parsed = supervisorServerFrameSchema.safeParse(frame);
    if (!parsed.success) misfits.push({ type: frame.type, issues: parsed.error.issues });
  });
  const next = async (type: string, timeoutMs = 5000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const i = frames.findIndex((f, j) => j >= cursor && f.type === type);
      if (i >= 0) {
        cursor = i + 1;
        return frames[i];
      }
      if (Date.now() > until) throw new Error(`no "${type}" frame; got ${JSON.stringify(frames.slice(cursor).map((f) => f.type))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { frames, next, send: (frame: unknown) => ws.send(JSON.stringify(frame)), rest: () => frames.slice(cursor), close: () => ws.close(1000) };
}

describe("spying on a ticket", () => {
  it("gives the supervisor the history, then every message, reply, edit, note and delivery; the supervisor's note reaches the agent and never the customer", async () => {
    const calls = stubBotApi();
    const { queueId, key } = await desk();
    const a = await agentIn(queueId, "Ayşe Yılmaz");
    const sup = await createUser({ role: "supervisor", name: "Selin Kaya" });
    const ayse = await connect(a.token, queueId);
    const { ticketId, customer } = await heldTicket(key, ayse, "Merhaba, siparişim nerede? 📦");
    ayse.send({ type: "reply", ticketId, text: "Bakıyorum, bir dakika 🙏", clientMsgId: "r-1" });
    await ayse.next("reply.queued");
    await ayse.next("delivery", 15_000);

    const watcher = await supervise(sup.token, queueId);
    watcher.send({ type: "spy.start", ticketId });
    const started = await watcher.next("spy.started");
    expect(started.ticket.id).toBe(ticketId);
    expect(started.holderId).toBe(a.id);
    expect(started.messages.map((m: any) => [m.direction, m.body])).toEqual([
      ["in", "Merhaba, siparişim nerede? 📦"],
      ["out", "Bakıyorum, bir dakika 🙏"],
    ]);

    // The customer writes: the holder and the spy see it live.
    expect(await customerWrites(key, customer, "Kargo kodu ABC-123 ğüşiöç")).toBe(200);
    const live = await ayse.next("message");
    const seen = await watcher.next("spy.event");
    expect(seen).toMatchObject({ ticketId, frame: { type: "message", message: { id: live.message.id, direction: "in", body: "Kargo kodu ABC-123 ğüşiöç" } } });

    // The agent's reply, its delivery and the agent's own note.
    ayse.send({ type: "reply", ticketId, text: "Teşekkürler, kontrol ediyorum", clientMsgId: "r-2" });
    const queued = await watcher.next("spy.event");
    expect(queued).toMatchObject({ frame: { type: "reply.queued", message: { body: "Teşekkürler, kontrol ediyorum" } } });
    expect(await watcher.next("spy.event", 15_000)).toMatchObject({ frame: { type: "delivery", ticketId, status: "sent" } });
    await ayse.next("delivery", 15_000);
    ayse.send({ type: "edit", ticketId, messageId: queued.frame.message.id, text: "Teşekkürler, hemen kontrol ediyorum" });
    expect(await watcher.next("spy.event")).toMatchObject({ frame: { type: "message.updated", message: { id: queued.frame.message.id, body: "Teşekkürler, hemen kontrol ediyorum" } } });
    ayse.send({ type: "note", ticketId, text: "Müşteri sabırsız", clientMsgId: "n-1" });
    expect(await watcher.next("spy.event")).toMatchObject({ frame: { type: "note.added", message: { direction: "note", body: "Müşteri sabırsız" } } });

    // The supervisor's note: stored as a note, the agent gets it live, the spy too; Telegram never does.
    watcher.send({ type: "note", ticketId, text: "Ona iade kodu ver, onaylıyorum ✅", clientMsgId: "s-1" });
    const added = await watcher.next("note.added");
    expect(added.message).toMatchObject({ ticketId, direction: "note", authorId: sup.id, body: "Ona iade kodu ver, onaylıyorum ✅" });
    const toAgent = await ayse.next("message");
    expect(toAgent.message).toMatchObject({ id: added.message.id, direction: "note", authorId: sup.id });
    expect(await watcher.next("spy.event")).toMatchObject({ frame: { type: "message", message: { id: added.message.id } } });
    await settle();
    await vi.waitFor(() => expect(calls.filter((c) => c.method === "editMessageText")).toHaveLength(1), { timeout: 15_000, interval: 50 });
    expect(calls.map((c) => c.body.text)).toEqual(["Bakıyorum, bir dakika 🙏", "Teşekkürler, kontrol ediyorum", "Teşekkürler, hemen kontrol ediyorum"]);
    expect(calls.map((c) => c.method)).toEqual(["sendMessage", "sendMessage", "editMessageText"]);
    const notes = (await messagesOf(ticketId)).filter((m) => m.direction === "note");
    expect(notes.map((m) => [m.author_id, m.body])).toEqual([
      [a.id, "Müşteri sabırsız"],
      [sup.id, "Ona iade kodu ver, onaylıyorum ✅"],
    ]);

    // Stopped: nothing more comes.
    watcher.send({ type: "spy.stop", ticketId });
    expect(await watcher.next("spy.stopped")).toEqual({ type: "spy.stopped", ticketId, reason: "stopped" });
    expect(await customerWrites(key, customer, "Hâlâ bekliyorum")).toBe(200);
    await ayse.next("message");
    await settle();
    expect(watcher.rest().filter((f) => f.type === "spy.event")).toEqual([]);
  }, 40_000);

  it("ends when the ticket closes, and refuses a ticket that is not in the queue", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const a = await agentIn(queueId);
    const sup = await createUser({ role: "admin" });
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse);
    const watcher = await supervise(sup.token, queueId);

    watcher.send({ type: "spy.start", ticketId: 987_654_321 });
    expect(await watcher.next("error")).toMatchObject({ code: "not_in_queue", ref: { ticketId: 987_654_321 } });
    watcher.send({ type: "note", ticketId: 987_654_321, text: "x", clientMsgId: "x" });
    expect(await watcher.next("error")).toMatchObject({ code: "not_in_queue" });

    watcher.send({ type: "spy.start", ticketId });
    await watcher.next("spy.started");
    ayse.send({ type: "close", ticketId });
    await ayse.next("ticket.closed");
    expect(await watcher.next("spy.event")).toMatchObject({ frame: { type: "ticket.closed", ticketId } });
    expect(await watcher.next("spy.stopped")).toMatchObject({ ticketId, reason: "closed" });
  }, 30_000);

  it("gives a waiting ticket's spy the note when nobody holds it, and tells it when the ticket is closed or erased", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const sup = await createUser({ role: "supervisor" });
    expect(await customerWrites(key, 8_800_001, "Kimse yok mu?")).toBe(200);
    await settle();
    const { results } = await (await import("cloudflare:workers")).env.DB.prepare("SELECT id FROM tickets WHERE queue_id = ?1").bind(queueId).all<{ id: number }>();
    const ticketId = results[0]!.id;
    const watcher = await supervise(sup.token, queueId);
    watcher.send({ type: "spy.start", ticketId });
    expect((await watcher.next("spy.started")).holderId).toBeNull();
    watcher.send({ type: "note", ticketId, text: "Bunu ilk boşalan alsın", clientMsgId: "w-1" });
    await watcher.next("note.added");
    expect(await watcher.next("spy.event")).toMatchObject({ frame: { type: "message", message: { direction: "note", body: "Bunu ilk boşalan alsın" } } });

    // Closed while it waits (no holder to tell): the spy is told all the same.
    const admin = await createUser({ role: "admin" });
    expect((await call(`/api/v1/tickets/${ticketId}/close`, { method: "POST", token: admin.token, json: {} })).status).toBe(200);
    expect(await watcher.next("spy.stopped")).toEqual({ type: "spy.stopped", ticketId, reason: "closed" });

    // Erased while it waits: likewise.
    expect(await customerWrites(key, 8_800_002, "Bir sorum var")).toBe(200);
    await settle();
    const second = (await queueStub(queueId).snapshot()).tickets[0]!.id;
    watcher.send({ type: "spy.start", ticketId: second });
    await watcher.next("spy.started");
    expect((await call(`/api/v1/tickets/${second}`, { method: "DELETE", token: admin.token })).status).toBe(200);
    expect(await watcher.next("spy.stopped")).toEqual({ type: "spy.stopped", ticketId: second, reason: "deleted" });
  });

  it("lets several supervisors spy on one ticket; one closing its socket leaves the others watching", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const a = await agentIn(queueId);
    const [s1, s2] = [await createUser({ role: "supervisor" }), await createUser({ role: "admin" })];
    const ayse = await connect(a.token, queueId);
    const { ticketId, customer } = await heldTicket(key, ayse);
    const one = await supervise(s1.token, queueId);
    const two = await supervise(s2.token, queueId);
    for (const w of [one, two]) {
      w.send({ type: "spy.start", ticketId });
      await w.next("spy.started");
    }
    one.close();
    await settle();
    expect(await customerWrites(key, customer, "Orada mısınız?")).toBe(200);
    await ayse.next("message");
    expect(await two.next("spy.event")).toMatchObject({ frame: { type: "message", message: { body: "Orada mısınız?" } } });
    expect(one.rest().filter((f) => f.type === "spy.event")).toEqual([]);
  });
});
