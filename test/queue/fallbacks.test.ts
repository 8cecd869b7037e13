import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { localClock, weekdays, type Weekday } from "../../src/domain/weekly-schedule";
import { createTelegramAccount, createUser, fireTimers, postTelegram, queueStub, settle, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, queue } from "../helpers/session";

// Wait For The Assigned Agent / Queue, action plans (ordered steps and time rules) and Leave When Empty.

let updateId = 120_000;
let userSeq = 9_700_000;

afterEach(cleanUp);

async function write(key: string, userId: number, text: string, messageId = 1) {
  const res = await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId, messageId, text }));
  expect(res.status).toBe(200);
}
const ticketQueue = async (ticketId: number) =>
  (await env.DB.prepare("SELECT queue_id FROM tickets WHERE id = ?").bind(ticketId).first<{ queue_id: string }>())!.queue_id;
const waitingIn = async (queueId: string) => (await queueStub(queueId).snapshot()).tickets.filter((t) => t.state !== "assigned").map((t) => t.id);
const onlyTicket = async () => (await env.DB.prepare("SELECT id FROM tickets ORDER BY id DESC LIMIT 1").first<{ id: number }>())!.id;

describe("Wait For The Assigned Queue and the action plan", () => {
  it("a ticket nobody takes in time moves to the plan's next queue, whose agents are offered it; then on to the step after", async () => {
    const third = await queue();
    const second = await queue();
    const first = await queue({
      waitForAssignedQueueS: 45,
      actionPlan: { steps: [{ to: { queueId: second }, timeoutS: 30 }, { to: { queueId: third }, timeoutS: 60 }], timezone: "UTC", timeRules: [] },
    });
    const { key } = await createTelegramAccount(first);
    const busy = await createUser({ name: "Meşgul", queues: [first] });
    const helper = await createUser({ name: "Yardımcı", queues: [second] });
    const last = await createUser({ name: "Son", queues: [third] });
    const busyDesk = await connect(busy.token, first);
    busyDesk.send({ type: "presence", status: "away" });
    await busyDesk.next("presence");
    const helperDesk = await connect(helper.token, second);
    helperDesk.send({ type: "presence", status: "away" });
    await helperDesk.next("presence");
    const lastDesk = await connect(last.token, third);

    await write(key, ++userSeq, "Kargom nerede? 📦");
    const ticketId = await onlyTicket();
    const timers = (await queueStub(first).snapshot()).timers.filter((t) => t.kind === "queue_wait");
    expect(timers).toHaveLength(1);

    await fireTimers(first, "queue_wait");
    await fireTimers(first); // a repeated or late alarm moves nothing twice
    expect(await ticketQueue(ticketId)).toBe(second);
    expect(await waitingIn(first)).toEqual([]);
    expect(await waitingIn(second)).toEqual([ticketId]);

    // The second queue's step lapses with nobody taking it: on to the third, where an agent is online.
    await fireTimers(second, "plan_step");
    await fireTimers(second, "plan_step");
    expect(await ticketQueue(ticketId)).toBe(third);
    const offer = await lastDesk.next("offer");
    expect(offer.ticket.id).toBe(ticketId);
    expect(offer.preview).toBe("Kargom nerede? 📦");
    lastDesk.send({ type: "accept", ticketId });
    expect((await lastDesk.next("ticket.assigned")).messages.map((m: any) => m.body)).toEqual(["Kargom nerede? 📦"]);
    expect(await waitingIn(second)).toEqual([]);
  });

  it("the conversation's clocks move with the ticket to the plan's next queue", async () => {
    const next = await queue();
    const home = await queue({ sessionTimeoutS: 3600, contactMessageTimeoutS: 600, actionPlan: { steps: [{ to: { queueId: next }, timeoutS: 30 }], timezone: "UTC", timeRules: [] } });
    const { key } = await createTelegramAccount(home);
    await write(key, ++userSeq, "Saatler taşınsın ⏱️");
    const ticketId = await onlyTicket();
    const clocks = async (q: string) =>
      (await queueStub(q).snapshot()).timers.filter((t) => ["session_limit", "contact_message"].includes(t.kind)).map((t) => [t.kind, t.ref, t.due_at]).sort();
    const before = await clocks(home);
    expect(before.map((c) => c[1])).toEqual([String(ticketId), String(ticketId)]);
    await fireTimers(home, "queue_wait");
    expect(await ticketQueue(ticketId)).toBe(next);
    expect(await clocks(next)).toEqual(before);
    expect(await clocks(home)).toEqual([]);
  });

  it("a ticket taken before the wait is over stays where it is", async () => {
    const other = await queue();
    const home = await queue({ actionPlan: { steps: [{ to: { queueId: other }, timeoutS: 30 }], timezone: "UTC", timeRules: [] } });
    const { key } = await createTelegramAccount(home);
    const agent = await createUser({ queues: [home] });
    const desk = await connect(agent.token, home);
    await write(key, ++userSeq, "Merhaba");
    const { ticket } = await desk.next("offer");
    desk.send({ type: "accept", ticketId: ticket.id });
    await desk.next("ticket.assigned");
    await fireTimers(home);
    expect(await ticketQueue(ticket.id)).toBe(home);
    expect((await queueStub(home).snapshot()).tickets[0]).toMatchObject({ id: ticket.id, state: "assigned", agentId: agent.id });
  });

  it("an agent step offers the ticket to that agent only, for the step's time; then anyone may take it", async () => {
    const home = await queue({ waitForAssignedQueueS: 20 });
    const { key } = await createTelegramAccount(home);
    const senior = await createUser({ name: "Kıdemli", queues: [home] });
    const junior = await createUser({ name: "Yeni", queues: [home] });
    await env.DB.prepare("UPDATE queues SET routing = json_set(routing, '$.actionPlan', json(?)) WHERE id = ?")
      .bind(JSON.stringify({ steps: [{ to: { agentId: senior.id }, timeoutS: 40 }], timezone: "UTC", timeRules: [] }), home)
      .run();
    const juniorDesk = await connect(junior.token, home);
    await write(key, ++userSeq, "Acil!");
    const { ticket } = await juniorDesk.next("offer");
    juniorDesk.send({ type: "decline", ticketId: ticket.id });
    await juniorDesk.next("offer.withdrawn");
    await fireTimers(home, "queue_wait"); // nobody took it: the plan reserves it for the senior agent
    await fireTimers(home, "ring_retry"); // a new round, in which the junior agent is not asked again
    await settle();
    expect(juniorDesk.all("offer")).toHaveLength(1);
    const seniorDesk = await connect(senior.token, home);
    expect((await seniorDesk.next("offer")).ticket.id).toBe(ticket.id);
    seniorDesk.send({ type: "decline", ticketId: ticket.id });
    await seniorDesk.next("offer.withdrawn");
    await fireTimers(home, "plan_step"); // the step's time is over: anyone may take it
    expect((await juniorDesk.next("offer")).ticket.id).toBe(ticket.id);
  });

  it("a time rule whose weekly window holds now chooses the destination; otherwise the default steps apply", async () => {
    const dayTeam = await queue();
    const nightTeam = await queue();
    const today = localClock(Date.now(), "Europe/Istanbul").weekday;
    const notToday = weekdays.filter((d) => d !== today);
    const plan = (days: Weekday[]) => ({
      steps: [{ to: { queueId: dayTeam }, timeoutS: 60 }],
      timezone: "Europe/Istanbul",
      timeRules: [{ when: { days, from: "00:00", to: "24:00" }, steps: [{ to: { queueId: nightTeam }, timeoutS: 60 }] }],
    });
    const ruled = await queue({ actionPlan: plan([today]) });
    const unruled = await queue({ actionPlan: plan(notToday) });
    const a = await createTelegramAccount(ruled);
    const b = await createTelegramAccount(unruled);
    await write(a.key, ++userSeq, "Gece mesajı 🌙");
    const ruledTicket = await onlyTicket();
    await write(b.key, ++userSeq, "Gündüz mesajı ☀️");
    const unruledTicket = await onlyTicket();
    await fireTimers(ruled, "queue_wait");
    await fireTimers(unruled, "queue_wait");
    expect(await ticketQueue(ruledTicket)).toBe(nightTeam);
    expect(await ticketQueue(unruledTicket)).toBe(dayTeam);
  });
});

describe("Leave When Empty", () => {
  it("with nobody logged in, a new ticket leaves at once for the plan's destination", async () => {
    const fallback = await queue();
    const empty = await queue({ leaveWhenEmpty: true, actionPlan: { steps: [{ to: { queueId: fallback }, timeoutS: 60 }], timezone: "UTC", timeRules: [] } });
    const { key } = await createTelegramAccount(empty);
    const agent = await createUser({ queues: [fallback] });
    const desk = await connect(agent.token, fallback);
    await write(key, ++userSeq, "Kimse var mı?");
    const offer = await desk.next("offer");
    expect(await ticketQueue(offer.ticket.id)).toBe(fallback);
    expect(await waitingIn(empty)).toEqual([]);
  });

  it("when the last agent leaves, the tickets waiting there leave too; while someone is logged in they wait", async () => {
    const fallback = await queue();
    const home = await queue({ leaveWhenEmpty: true, presenceGraceS: 5, actionPlan: { steps: [{ to: { queueId: fallback }, timeoutS: 60 }], timezone: "UTC", timeRules: [] } });
    const { key } = await createTelegramAccount(home);
    const agent = await createUser({ queues: [home], capacity: 1 });
    const desk = await connect(agent.token, home);
    await write(key, ++userSeq, "Birinci");
    const first = await desk.next("offer");
    desk.send({ type: "accept", ticketId: first.ticket.id });
    await desk.next("ticket.assigned");
    await write(key, ++userSeq, "İkinci");
    await settle();
    const second = await onlyTicket();
    expect(await waitingIn(home)).toEqual([second]); // the agent is logged in (at capacity): it waits
    desk.close();
    await settle();
    await fireTimers(home, "presence_grace");
    // The agent is gone: their ticket came back and, with the one waiting, left for the fallback.
    expect(await ticketQueue(second)).toBe(fallback);
    expect(await ticketQueue(first.ticket.id)).toBe(fallback);
    expect(await waitingIn(home)).toEqual([]);
    expect((await waitingIn(fallback)).sort()).toEqual([first.ticket.id, second].sort());
  });
});

describe("Wait For The Assigned Agent", () => {
  it("a message on the ticket of an agent who is away waits for them, then the queue gives it to someone else", async () => {
    const home = await queue({ waitForAssignedAgentS: 15 });
    const { key } = await createTelegramAccount(home);
    const ayse = await createUser({ name: "Ayşe", queues: [home] });
    const john = await createUser({ name: "John", queues: [home] });
    const ayseDesk = await connect(ayse.token, home);
    const customer = ++userSeq;
    await write(key, customer, "Merhaba", 1);
    const { ticket } = await ayseDesk.next("offer");
    ayseDesk.send({ type: "accept", ticketId: ticket.id });
    await ayseDesk.next("ticket.assigned");
    ayseDesk.send({ type: "presence", status: "away" });
    await ayseDesk.next("presence");
    const johnDesk = await connect(john.token, home);

    await write(key, customer, "Orada mısınız?", 2);
    expect((await ayseDesk.next("message")).message.body).toBe("Orada mısınız?");
    const wait = (await queueStub(home).snapshot()).timers.find((t) => t.kind === "assigned_wait");
    expect(wait?.ref).toBe(String(ticket.id));

    await fireTimers(home, "assigned_wait");
    expect(await ayseDesk.next("ticket.revoked")).toMatchObject({ ticketId: ticket.id, reason: "agent_unavailable" });
    const offer = await johnDesk.next("offer");
    expect(offer.ticket.id).toBe(ticket.id);
    johnDesk.send({ type: "accept", ticketId: ticket.id });
    expect((await johnDesk.next("ticket.assigned")).messages.map((m: any) => m.body)).toEqual(["Merhaba", "Orada mısınız?"]);
  });

  it("the agent coming back in time keeps the ticket", async () => {
    const home = await queue();
    const { key } = await createTelegramAccount(home);
    const ayse = await createUser({ queues: [home] });
    const desk = await connect(ayse.token, home);
    const customer = ++userSeq;
    await write(key, customer, "Selam", 1);
    const { ticket } = await desk.next("offer");
    desk.send({ type: "accept", ticketId: ticket.id });
    await desk.next("ticket.assigned");
    desk.send({ type: "presence", status: "away" });
    await desk.next("presence");
    await write(key, customer, "Hâlâ bekliyorum", 2);
    await desk.next("message");
    desk.send({ type: "presence", status: "online" });
    await desk.next("presence");
    await fireTimers(home);
    await settle();
    expect(desk.all("ticket.revoked")).toEqual([]);
    expect((await queueStub(home).snapshot()).tickets[0]).toMatchObject({ id: ticket.id, state: "assigned", agentId: ayse.id });
  });

  it("a message for an agent who is online starts no wait", async () => {
    const home = await queue();
    const { key } = await createTelegramAccount(home);
    const ayse = await createUser({ queues: [home] });
    const desk = await connect(ayse.token, home);
    const customer = ++userSeq;
    await write(key, customer, "Bir", 1);
    const { ticket } = await desk.next("offer");
    desk.send({ type: "accept", ticketId: ticket.id });
    await desk.next("ticket.assigned");
    await write(key, customer, "İki", 2);
    await desk.next("message");
    expect((await queueStub(home).snapshot()).timers.map((t) => t.kind)).not.toContain("assigned_wait");
  });
});

describe("a ticket in another queue than its account's", () => {
  it("is routed by that queue's configuration, which the account's queue does not overwrite", async () => {
    const second = await queue({ agentRingTimeS: 90 });
    const first = await queue({ agentRingTimeS: 15, actionPlan: { steps: [{ to: { queueId: second }, timeoutS: 60 }], timezone: "UTC", timeRules: [] } });
    const { key } = await createTelegramAccount(first);
    const agent = await createUser({ queues: [second] });
    const desk = await connect(agent.token, second);
    const customer = ++userSeq;
    await write(key, customer, "İlk mesaj", 1);
    await fireTimers(first, "queue_wait");
    const offer = await desk.next("offer");
    desk.send({ type: "decline", ticketId: offer.ticket.id });
    await desk.next("offer.withdrawn");
    await write(key, customer, "Bir daha yazıyorum", 2);
    expect((await queueStub(second).snapshot()).config).toMatchObject({ agentRingTimeS: 90 });
  });
});
