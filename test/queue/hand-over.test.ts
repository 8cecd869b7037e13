import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { loadQueueRouting } from "../../src/db/account-lookup";
import { messageViewFromRow, type MessageRow } from "../../src/db/message-view";
import { closeTicket } from "../../src/db/replies";
import type { InboundMessage } from "../../src/queue/arrivals";
import type { QueueObject } from "../../src/queue/queue-object";
import { createTelegramAccount, createUser, fireTimers, postTelegram, queueStub, row, settle, telegramUpdate } from "../helpers/hub";
import { call } from "../helpers/api";
import { cleanUp, connect, queue } from "../helpers/session";

// Moving a ticket between queues' objects is durable: recorded before it leaves, retried until the
// receiving object confirms, and a customer message that still reaches the old queue follows it.
// No ticket is ever in no queue, or in two.

let updateId = 140_000;
let userSeq = 9_600_000;

afterEach(cleanUp);

type Receive = "receivePlanned" | "receiveTransfer" | "transferReturned";

/**
 * The queue's object fails the next hand-over it is sent (as an unreachable object would); with
 * `afterApplying`, it takes the ticket but its answer is lost on the way back.
 */
async function failNextReceive(queueId: string, method: Receive, afterApplying = false) {
  await runInDurableObject(queueStub(queueId), (target: QueueObject) => {
    const proto = Object.getPrototypeOf(target) as Record<Receive, (...args: unknown[]) => Promise<unknown>>;
    const original = proto[method];
    proto[method] = async function (this: QueueObject, ...args: unknown[]) {
      if (this !== target) return original.apply(this, args);
      proto[method] = original;
      if (afterApplying) await original.apply(this, args);
      throw new Error("the receiving queue cannot be reached");
    };
  });
}

async function write(key: string, userId: number, text: string, messageId: number) {
  const res = await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId, messageId, text }));
  expect(res.status).toBe(200);
}

const ticketQueue = async (ticketId: number) => (await row<{ queue_id: string }>("SELECT queue_id FROM tickets WHERE id = ?", ticketId))!.queue_id;
const lastTicket = async () => (await row<{ id: number }>("SELECT id FROM tickets ORDER BY id DESC LIMIT 1"))!.id;
/** The tickets a queue's object has, in whatever state. */
const ticketsIn = async (queueId: string) => (await queueStub(queueId).snapshot()).tickets.map((t) => ({ id: t.id, state: t.state }));
/** The hand-overs a queue's object has recorded: pending until the other queue confirms. */
const handOversOf = (queueId: string) =>
  runInDurableObject(queueStub(queueId), (_o: QueueObject, state) =>
    state.storage.sql
      .exec<{ ticket_id: number; to_queue: string; attempts: number; confirmed_at: number | null }>("SELECT ticket_id, to_queue, attempts, confirmed_at FROM handovers")
      .toArray()
      .map((h) => ({ ticketId: h.ticket_id, to: h.to_queue, attempts: h.attempts, confirmed: h.confirmed_at !== null })),
  );
const timerKinds = async (queueId: string) => (await queueStub(queueId).snapshot()).timers.map((t) => t.kind);

/** What the Worker sends a queue's object for the ticket's latest customer message, had it read `queueId` from D1. */
async function inboundAsRead(queueId: string, ticket: unknown, ticketId: number): Promise<InboundMessage> {
  const message = await row<MessageRow>("SELECT * FROM messages WHERE ticket_id = ? AND direction = 'in' ORDER BY id DESC LIMIT 1", ticketId);
  return { ticket: ticket as InboundMessage["ticket"], assigneeId: null, message: messageViewFromRow(message!), config: (await loadQueueRouting(env.DB, queueId))! };
}
const ticketViewIn = (queueId: string, ticketId: number) =>
  runInDurableObject(queueStub(queueId), (_o: QueueObject, state) => JSON.parse(state.storage.sql.exec<{ view: string }>("SELECT view FROM tickets WHERE id = ?", ticketId).one().view));

const plan = (queueId: string) => ({ actionPlan: { steps: [{ to: { queueId }, timeoutS: 30 }], timezone: "UTC", timeRules: [] } });

describe("an action plan step to another queue", () => {
  it("whose queue fails to take the ticket: it is recorded as on its way and delivered on the retry alarm", async () => {
    const second = await queue();
    const first = await queue(plan(second));
    const { key } = await createTelegramAccount(first);
    const helper = await createUser({ name: "Yardımcı", queues: [second] });
    await write(key, ++userSeq, "Kargom nerede? 📦", 1);
    const ticketId = await lastTicket();

    await failNextReceive(second, "receivePlanned");
    await fireTimers(first, "queue_wait");
    expect(await ticketQueue(ticketId)).toBe(second);
    expect(await ticketsIn(first)).toEqual([]);
    expect(await ticketsIn(second)).toEqual([]);
    expect(await handOversOf(first)).toEqual([{ ticketId, to: second, attempts: 1, confirmed: false }]);
    expect(await timerKinds(first)).toContain("handover");

    await fireTimers(first, "handover");
    expect(await ticketsIn(second)).toEqual([{ id: ticketId, state: "waiting" }]);
    expect(await ticketsIn(first)).toEqual([]);
    expect(await handOversOf(first)).toEqual([{ ticketId, to: second, attempts: 1, confirmed: true }]);
    const desk = await connect(helper.token, second);
    const offer = await desk.next("offer");
    expect(offer).toMatchObject({ ticket: { id: ticketId }, preview: "Kargom nerede? 📦" });
    desk.send({ type: "accept", ticketId });
    expect((await desk.next("ticket.assigned")).messages.map((m: any) => m.body)).toEqual(["Kargom nerede? 📦"]);
  });

  it("a customer message that reached the old queue mid-move follows the ticket: it ends in the new queue only", async () => {
    const second = await queue();
    const first = await queue(plan(second));
    const { key } = await createTelegramAccount(first);
    const helper = await createUser({ name: "Yardımcı", queues: [second] });
    const customer = ++userSeq;
    await write(key, customer, "Merhaba 👋", 1);
    const ticketId = await lastTicket();
    const view = await ticketViewIn(first, ticketId);

    await failNextReceive(second, "receivePlanned");
    await fireTimers(first, "queue_wait"); // on its way, not there yet
    await write(key, customer, "Bir de fatura lazım 🧾", 2);
    // The same message as a Worker that read the ticket's queue before the move sends it.
    const stale = await queueStub(first).routeInbound(await inboundAsRead(first, view, ticketId));
    expect(stale.state).toBe("waiting");

    expect(await ticketsIn(first)).toEqual([]);
    expect(await ticketsIn(second)).toEqual([{ id: ticketId, state: "waiting" }]);
    expect(await handOversOf(first)).toEqual([{ ticketId, to: second, attempts: 1, confirmed: true }]);
    const desk = await connect(helper.token, second);
    const offer = await desk.next("offer");
    expect(offer).toMatchObject({ ticket: { id: ticketId }, preview: "Bir de fatura lazım 🧾" });
    await settle();
    expect(desk.all("offer")).toHaveLength(1);
    // The plan's rest came along even though the message got there first: it waits there its step's time.
    expect((await queueStub(second).snapshot()).timers.filter((t) => t.ref === String(ticketId)).map((t) => t.kind)).toContain("plan_step");
  });

  it("once delivered, a late message to the old queue is forwarded, never queued there again", async () => {
    const second = await queue();
    const first = await queue(plan(second));
    const { key } = await createTelegramAccount(first);
    const customer = ++userSeq;
    await write(key, customer, "İlk mesaj", 1);
    const ticketId = await lastTicket();
    const view = await ticketViewIn(first, ticketId);
    await fireTimers(first, "queue_wait");
    expect(await ticketsIn(second)).toEqual([{ id: ticketId, state: "waiting" }]);

    await write(key, customer, "Geç kalan mesaj ⏰", 2);
    await queueStub(first).routeInbound(await inboundAsRead(first, view, ticketId));
    expect(await ticketsIn(first)).toEqual([]);
    expect(await ticketsIn(second)).toEqual([{ id: ticketId, state: "waiting" }]);
    const preview = await runInDurableObject(queueStub(second), (_o: QueueObject, state) => state.storage.sql.exec<{ preview: string }>("SELECT preview FROM tickets").one().preview);
    expect(preview).toBe("Geç kalan mesaj ⏰");
  });
});

describe("news about a moved ticket that reaches the old queue", () => {
  it("closing it, as the API does after reading the ticket's queue before the move, takes it out of the new queue", async () => {
    const second = await queue();
    const first = await queue(plan(second));
    const { key } = await createTelegramAccount(first);
    const admin = await createUser({ role: "admin", name: "Yönetici" });
    const helper = await createUser({ name: "Yardımcı", queues: [second] });
    const desk = await connect(helper.token, second);
    await write(key, ++userSeq, "Artık gerek yok 👍", 1);
    const ticketId = await lastTicket();
    await fireTimers(first, "queue_wait");
    expect((await desk.next("offer")).ticket.id).toBe(ticketId);

    expect(await closeTicket(env.DB, ticketId, { closedBy: admin.id })).toBe(true);
    await queueStub(first).ticketClosed(ticketId, admin.id, null);
    expect(await desk.next("offer.withdrawn")).toMatchObject({ ticketId, reason: "closed" });
    expect(await ticketsIn(second)).toEqual([]);
    expect(await ticketsIn(first)).toEqual([]);
  });
});

describe("a hand-over that cannot be completed", () => {
  it("a ticket closed while on its way is not delivered; the retry stops", async () => {
    const second = await queue();
    const first = await queue(plan(second));
    const { key } = await createTelegramAccount(first);
    const admin = await createUser({ role: "admin" });
    const helper = await createUser({ name: "Yardımcı", queues: [second] });
    await write(key, ++userSeq, "Vazgeçtim, kapatın lütfen 🙏", 1);
    const ticketId = await lastTicket();
    await failNextReceive(second, "receivePlanned");
    await fireTimers(first, "queue_wait");

    const closed = await call(`/api/v1/tickets/${ticketId}/close`, { method: "POST", token: admin.token, json: {} });
    expect(closed.status).toBe(200);
    await fireTimers(first, "handover");
    expect(await handOversOf(first)).toEqual([]);
    expect(await ticketsIn(first)).toEqual([]);
    expect(await ticketsIn(second)).toEqual([]);
    const desk = await connect(helper.token, second);
    await settle();
    expect(desk.all("offer")).toEqual([]);
  });

  it("a destination deleted after the plan was saved keeps the ticket here, and the plan goes on to its next step", async () => {
    const gone = await queue();
    const third = await queue();
    const first = await queue({ actionPlan: { steps: [{ to: { queueId: gone }, timeoutS: 30 }, { to: { queueId: third }, timeoutS: 30 }], timezone: "UTC", timeRules: [] } });
    const { key } = await createTelegramAccount(first);
    await write(key, ++userSeq, "Sıradaki adım? ➡️", 1);
    const ticketId = await lastTicket();
    await env.DB.prepare("DELETE FROM queues WHERE id = ?").bind(gone).run();

    await fireTimers(first, "queue_wait");
    expect(await ticketQueue(ticketId)).toBe(first);
    expect(await ticketsIn(first)).toEqual([{ id: ticketId, state: "waiting" }]);
    expect(await handOversOf(first)).toEqual([]);
    await fireTimers(first, "plan_step");
    expect(await ticketQueue(ticketId)).toBe(third);
    expect(await ticketsIn(third)).toEqual([{ id: ticketId, state: "waiting" }]);
    expect(await ticketsIn(first)).toEqual([]);
  });
});

describe("Leave When Empty", () => {
  it("a ticket leaving an empty queue whose fallback fails is delivered on the retry; the customer's message is accepted meanwhile", async () => {
    const fallback = await queue();
    const empty = await queue({ leaveWhenEmpty: true, ...plan(fallback) });
    const { key } = await createTelegramAccount(empty);
    const agent = await createUser({ name: "Nöbetçi", queues: [fallback] });

    await failNextReceive(fallback, "receivePlanned");
    await write(key, ++userSeq, "Kimse var mı? 🙋", 1);
    const ticketId = await lastTicket();
    expect(await ticketQueue(ticketId)).toBe(fallback);
    expect(await ticketsIn(empty)).toEqual([]);
    expect(await ticketsIn(fallback)).toEqual([]);
    expect(await handOversOf(empty)).toEqual([{ ticketId, to: fallback, attempts: 1, confirmed: false }]);

    await fireTimers(empty, "handover");
    expect(await ticketsIn(fallback)).toEqual([{ id: ticketId, state: "waiting" }]);
    expect(await ticketsIn(empty)).toEqual([]);
    const desk = await connect(agent.token, fallback);
    expect((await desk.next("offer")).preview).toBe("Kimse var mı? 🙋");
  });
});

describe("a transfer to another queue and its return", () => {
  async function held() {
    const home = await queue({ transferTimeoutS: 30 });
    const { key } = await createTelegramAccount(home);
    const ayse = await createUser({ name: "Ayşe", queues: [home] });
    const ayseDesk = await connect(ayse.token, home);
    const customer = ++userSeq;
    await write(key, customer, "Faturamda hata var 🧾", 1);
    const ticketId = (await ayseDesk.next("offer")).ticket.id as number;
    ayseDesk.send({ type: "accept", ticketId });
    await ayseDesk.next("ticket.assigned");
    return { home, key, customer, ticketId, ayse, ayseDesk };
  }

  it("the other queue failing to take it: it is delivered on the retry; coming back, a lost answer does not give it back twice", async () => {
    const { home, ticketId, ayse, ayseDesk } = await held();
    const billing = await queue({ transferTimeoutS: 30 });

    await failNextReceive(billing, "receiveTransfer");
    ayseDesk.send({ type: "transfer", ticketId, to: { queueId: billing } });
    expect(await ayseDesk.next("ticket.transferred")).toMatchObject({ ticketId, to: { queueId: billing } });
    await settle();
    expect(await ticketQueue(ticketId)).toBe(billing);
    expect(await ticketsIn(home)).toEqual([]);
    expect(await ticketsIn(billing)).toEqual([]);
    expect(await handOversOf(home)).toEqual([{ ticketId, to: billing, attempts: 1, confirmed: false }]);

    await fireTimers(home, "handover");
    expect(await ticketsIn(billing)).toEqual([{ id: ticketId, state: "waiting" }]);
    expect(await timerKinds(billing)).toContain("transfer_return");

    // Nobody there takes it: it goes back; the home queue takes it but its answer is lost.
    await failNextReceive(home, "transferReturned", true);
    await fireTimers(billing, "transfer_return");
    const back = await ayseDesk.next("transfer.failed");
    expect(back).toMatchObject({ ticketId, reason: "not_accepted", ticket: { id: ticketId } });
    expect(back.messages.map((m: any) => m.body)).toEqual(["Faturamda hata var 🧾"]);
    expect(await handOversOf(billing)).toEqual([{ ticketId, to: home, attempts: 1, confirmed: false }]);

    await fireTimers(billing, "handover"); // asked again: acknowledged, not applied twice
    await settle();
    expect(await handOversOf(billing)).toEqual([{ ticketId, to: home, attempts: 1, confirmed: true }]);
    expect(ayseDesk.all("transfer.failed")).toHaveLength(1);
    expect(await ticketsIn(home)).toEqual([{ id: ticketId, state: "assigned" }]);
    expect(await ticketsIn(billing)).toEqual([]);
    expect(await row("SELECT queue_id, assignee_id FROM tickets WHERE id = ?", ticketId)).toEqual({ queue_id: home, assignee_id: ayse.id });
    // The home queue's own record of the ticket leaving went when it came back: nothing is forwarded away.
    expect(await handOversOf(home)).toEqual([]);
  });

  it("a message that reaches the old queue after the transfer goes to the agent holding it in the new one", async () => {
    const { home, key, customer, ticketId, ayseDesk } = await held();
    const view = await ticketViewIn(home, ticketId);
    const billing = await queue({ transferTimeoutS: 30 });
    const fatma = await createUser({ name: "Fatma", queues: [billing] });
    const fatmaDesk = await connect(fatma.token, billing);
    ayseDesk.send({ type: "transfer", ticketId, to: { queueId: billing } });
    await ayseDesk.next("ticket.transferred");
    fatmaDesk.send({ type: "accept", ticketId: (await fatmaDesk.next("offer")).ticket.id });
    await fatmaDesk.next("ticket.assigned");

    await write(key, customer, "Yeni temsilciye merhaba 🙂", 2);
    expect((await fatmaDesk.next("message")).message.body).toBe("Yeni temsilciye merhaba 🙂");
    await queueStub(home).routeInbound(await inboundAsRead(home, view, ticketId));
    await settle();
    expect(fatmaDesk.all("message")).toHaveLength(1);
    expect(await ticketsIn(home)).toEqual([]);
    expect(await ticketsIn(billing)).toEqual([{ id: ticketId, state: "assigned" }]);
  });
});
