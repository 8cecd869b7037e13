import { afterEach, describe, expect, it } from "vitest";
import type { RoutingConfig } from "../../src/domain/routing-config";
import { createUser, fireTimers, postTelegram, queueStub, settle, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, desk } from "../helpers/session";

// Priority across queues: an agent in two queues is offered the higher-priority queue's waiting tickets first.

let updateId = 130_000;
let userSeq = 9_800_000;

afterEach(cleanUp);

async function queue(routing: Partial<RoutingConfig>) {
  const { queueId: id, key } = await desk({ routing });
  return { id, key };
}
async function write(key: string, text: string) {
  const res = await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId: ++userSeq, messageId: 1, text }));
  expect(res.status).toBe(200);
}
/** Lets the queues' messages to each other arrive. */
const quiet = async () => {
  for (let i = 0; i < 5; i++) await settle();
};

/**
 * The agent is offered a ticket and declines it: it waits in that queue (they were tried this
 * round) while they still have room — capacity counts every queue, so room alone never makes a ticket wait.
 */
async function declined(desk: Awaited<ReturnType<typeof connect>>, key: string, text: string) {
  await write(key, text);
  const offer = await desk.next("offer");
  desk.send({ type: "decline", ticketId: offer.ticket.id });
  await desk.next("offer.withdrawn");
  return offer;
}

describe("queue priority", () => {
  it("while a higher-priority queue has tickets waiting for an agent, a lower one offers that agent nothing; then it does", async () => {
    const vip = await queue({ priority: 90 });
    const general = await queue({ priority: 10 });
    const ayse = await createUser({ name: "Ayşe", capacity: 2, queues: [vip.id, general.id] });
    const vipDesk = await connect(ayse.token, vip.id);
    const generalDesk = await connect(ayse.token, general.id);

    await write(vip.key, "VIP birinci");
    const first = await vipDesk.next("offer");
    vipDesk.send({ type: "accept", ticketId: first.ticket.id });
    await vipDesk.next("ticket.assigned");
    await declined(vipDesk, vip.key, "VIP ikinci ⭐"); // waits in the VIP queue; Ayşe has room for one more
    await quiet();

    await write(general.key, "Genel soru");
    await quiet();
    expect(generalDesk.all("offer")).toEqual([]);
    const waiting = (await queueStub(general.id).snapshot()).tickets;
    expect(waiting.map((t) => t.state)).toEqual(["waiting"]);

    // The VIP queue's next round: its waiting ticket is Ayşe's first (her last slot); once she closes one, the general one.
    await fireTimers(vip.id, "ring_retry");
    const second = await vipDesk.next("offer");
    expect(second.preview).toBe("VIP ikinci ⭐");
    await quiet();
    expect(generalDesk.all("offer")).toEqual([]);
    vipDesk.send({ type: "close", ticketId: first.ticket.id });
    const general1 = await generalDesk.next("offer");
    expect(general1.preview).toBe("Genel soru");
    expect(general1.seq).toBeGreaterThan(0);
  });

  it("an agent who is not online in the higher-priority queue is not held back by it", async () => {
    const vip = await queue({ priority: 90 });
    const general = await queue({ priority: 10 });
    const vipOnly = await createUser({ capacity: 1, queues: [vip.id] });
    const john = await createUser({ name: "John", capacity: 1, queues: [vip.id, general.id] });
    const vipDesk = await connect(vipOnly.token, vip.id);
    await write(vip.key, "Bir");
    const t = await vipDesk.next("offer");
    vipDesk.send({ type: "accept", ticketId: t.ticket.id });
    await vipDesk.next("ticket.assigned");
    await write(vip.key, "İki"); // waits in VIP, but John is only logged in to the general queue
    const johnDesk = await connect(john.token, general.id);
    await write(general.key, "Genel");
    expect((await johnDesk.next("offer")).preview).toBe("Genel");
  });

  it("equal priorities do not hold each other back", async () => {
    const a = await queue({ priority: 50 });
    const b = await queue({ priority: 50 });
    const agent = await createUser({ capacity: 2, queues: [a.id, b.id] });
    const deskA = await connect(agent.token, a.id);
    const deskB = await connect(agent.token, b.id);
    await write(a.key, "A1");
    const t = await deskA.next("offer");
    deskA.send({ type: "accept", ticketId: t.ticket.id });
    await deskA.next("ticket.assigned");
    await declined(deskA, a.key, "A2"); // waits in A
    await quiet();
    await write(b.key, "B1");
    expect((await deskB.next("offer")).preview).toBe("B1");
  });

  it("lowering the higher queue's priority lifts its hold at once", async () => {
    const vip = await queue({ priority: 80 });
    const general = await queue({ priority: 20 });
    const agent = await createUser({ capacity: 2, queues: [vip.id, general.id] });
    const vipDesk = await connect(agent.token, vip.id);
    const generalDesk = await connect(agent.token, general.id);
    await write(vip.key, "Bir");
    const t = await vipDesk.next("offer");
    vipDesk.send({ type: "accept", ticketId: t.ticket.id });
    await vipDesk.next("ticket.assigned");
    await declined(vipDesk, vip.key, "İki"); // waits in the VIP queue
    await quiet();
    await write(general.key, "Genel");
    await quiet();
    expect(generalDesk.all("offer")).toEqual([]);
    await queueStub(vip.id).configure({ ...(await queueStub(vip.id).snapshot()).config, priority: 5 });
    expect((await generalDesk.next("offer")).preview).toBe("Genel");
  });

  it("a ticket reserved for one agent does not hold the others back", async () => {
    const absent = await createUser({ name: "Kıdemli" });
    const vip = await queue({
      priority: 90,
      waitForAssignedQueueS: 30,
      actionPlan: { steps: [{ to: { agentId: absent.id }, timeoutS: 3600 }], timezone: "UTC", timeRules: [] },
    });
    const general = await queue({ priority: 10 });
    const ayse = await createUser({ name: "Ayşe", capacity: 2, queues: [vip.id, general.id] });
    const vipDesk = await connect(ayse.token, vip.id);
    const generalDesk = await connect(ayse.token, general.id);
    await write(vip.key, "Sadece kıdemli bakabilir");
    const offer = await vipDesk.next("offer");
    vipDesk.send({ type: "decline", ticketId: offer.ticket.id }); // it waits, open to anyone: Ayşe is claimed
    await vipDesk.next("offer.withdrawn");
    await quiet();
    await write(general.key, "Genel soru");
    await quiet();
    expect(generalDesk.all("offer")).toEqual([]);
    // The plan reserves the VIP ticket for an agent who is not here: nobody else may take it, so nobody is held back.
    await fireTimers(vip.id, "queue_wait");
    expect((await generalDesk.next("offer")).preview).toBe("Genel soru");
  });
});
