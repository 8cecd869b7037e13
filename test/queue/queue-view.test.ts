import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { RoutingConfig } from "../../src/domain/routing-config";
import { BASE, createUser, postTelegram, queueStub, settle, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, desk, trackSocket } from "../helpers/session";

let updateId = 70_000;
let userSeq = 9_500_000;

afterEach(cleanUp);

const setup = (routing: Partial<RoutingConfig> = {}) => desk({ routing });

async function write(key: string, text = "Merhaba") {
  const res = await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId: ++userSeq, messageId: 1, text }));
  expect(res.status).toBe(200);
}

/** A supervisor's socket; returns the queue.state frames as they come. */
async function watch(token: string, queueId: string) {
  return (await supervise(token, queueId)).states;
}

/** A supervisor's socket to send commands on; `errors` collects the error frames it answers. */
async function supervise(token: string, queueId: string) {
  const res = await exports.default.fetch(`${BASE}/supervisor/ws?queue=${queueId}`, { headers: { Upgrade: "websocket", Authorization: `Bearer ${token}` } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  trackSocket(ws);
  const states: any[] = [];
  const errors: any[] = [];
  ws.addEventListener("message", (e) => {
    const frame = JSON.parse(e.data as string);
    (frame.type === "error" ? errors : states).push(frame);
  });
  await settle();
  return { ws, states, errors, send: (frame: unknown) => ws.send(JSON.stringify(frame)) };
}

describe("the queue as supervisors and customers see it", () => {
  it("streams the queue's state to a supervisor: waiting tickets with position, age and estimate; agents and offers", async () => {
    const { queueId, key } = await setup({ holdEstimationUpperLimitS: 600 });
    const sup = await createUser({ role: "supervisor" });
    const states = await watch(sup.token, queueId);
    expect(states[0]).toMatchObject({ type: "queue.state", waiting: [], agents: [] });

    await write(key, "Birinci");
    await write(key, "İkinci");
    await settle();
    const last = states.at(-1);
    expect(last.waiting.map((w: any) => w.position)).toEqual([1, 2]);
    expect(last.waiting[1].estimateS).toBeGreaterThan(0);
    expect(last.waiting[1].estimateS).toBeLessThanOrEqual(600);
    expect(last.seq).toBeGreaterThan(states[0].seq);

    const agent = await createUser({ name: "Ayşe", queues: [queueId] });
    const ayse = await connect(agent.token, queueId);
    await ayse.next("offer");
    await settle();
    const withAgent = states.at(-1);
    // Capacity 3: both waiting tickets are offered to her at once.
    expect(withAgent.agents).toEqual([expect.objectContaining({ id: agent.id, name: "Ayşe", status: "online", load: 2, offered: withAgent.waiting.map((w: any) => w.ticketId) })]);
    expect(withAgent.waiting.map((w: any) => w.offeredTo)).toEqual([[agent.id], [agent.id]]);
  });

  it("refuses agents on the supervisor socket", async () => {
    const { queueId } = await setup();
    const agent = await createUser({ queues: [queueId] });
    const res = await exports.default.fetch(`${BASE}/supervisor/ws?queue=${queueId}`, { headers: { Upgrade: "websocket", Authorization: `Bearer ${agent.token}` } });
    expect(res.status).toBe(403);
  });

  it("tells a waiting ticket its position and a wait estimate capped by Hold Estimation Upper Limit", async () => {
    const { queueId, key } = await setup({ holdEstimationUpperLimitS: 90 });
    for (let i = 0; i < 3; i++) await write(key);
    const ids = (await queueStub(queueId).snapshot()).tickets.map((t) => t.id);
    const third = await queueStub(queueId).queueStatus(ids[2]!);
    expect(third).toEqual({ position: 3, waiting: 3, estimateS: 90 });
    expect((await queueStub(queueId).queueStatus(ids[0]!))!.position).toBe(1);
    expect(await queueStub(queueId).queueStatus(999_999)).toBeNull();
  });
});

describe("Close Auto Assign and picking", () => {
  it("makes no offers; agents see waiting tickets and pick them; the others hear it was taken", async () => {
    const { queueId, key } = await setup({ closeAutoAssign: true });
    const a = await connect((await createUser({ queues: [queueId] })).token, queueId);
    const b = await connect((await createUser({ queues: [queueId] })).token, queueId);
    await write(key, "Seçin beni");
    const waiting = await a.next("ticket.waiting");
    await b.next("ticket.waiting");
    expect(waiting.preview).toBe("Seçin beni");
    await settle();
    expect(a.all("offer")).toHaveLength(0);

    b.send({ type: "pick", ticketId: waiting.ticket.id });
    expect((await b.next("ticket.assigned")).ticket.id).toBe(waiting.ticket.id);
    expect((await a.next("ticket.taken")).ticketId).toBe(waiting.ticket.id);
    a.send({ type: "pick", ticketId: waiting.ticket.id });
    expect((await a.next("error")).code).toBe("not_waiting");
  });

  it("lets an agent pick beyond capacity up to Maximum Extra Webchat Count, and no further", async () => {
    const { queueId, key } = await setup({ closeAutoAssign: true, maxExtraChats: 1 });
    const agent = await connect((await createUser({ capacity: 1, queues: [queueId] })).token, queueId);
    for (let i = 0; i < 3; i++) await write(key);
    const ids = (await queueStub(queueId).snapshot()).tickets.map((t) => t.id);
    agent.send({ type: "pick", ticketId: ids[0] });
    await agent.next("ticket.assigned");
    agent.send({ type: "pick", ticketId: ids[1] });
    await agent.next("ticket.assigned");
    agent.send({ type: "pick", ticketId: ids[2] });
    expect((await agent.next("error")).code).toBe("at_capacity");
    const held = await env.DB.prepare("SELECT count(*) AS n FROM tickets WHERE queue_id = ?1 AND status = 'assigned'").bind(queueId).first<{ n: number }>();
    expect(held!.n).toBe(2);
  });
});

describe("Agent Management Access", () => {
  it("refuses an agent's own state change when off", async () => {
    const { queueId } = await setup({ agentManagementAccess: false });
    const agent = await connect((await createUser({ queues: [queueId] })).token, queueId);
    agent.send({ type: "presence", status: "away" });
    expect((await agent.next("error")).code).toBe("not_allowed");
    expect((await queueStub(queueId).snapshot()).agents[0]!.status).toBe("online");
  });
});

describe("a supervisor sets an agent's state", () => {
  it("away: no more offers, the agent is told who did it; online again: offers resume", async () => {
    const { queueId, key } = await setup({ agentManagementAccess: false });
    const sup = await createUser({ role: "supervisor", name: "Şef" });
    const agentUser = await createUser({ queues: [queueId] });
    const agent = await connect(agentUser.token, queueId);
    const room = await supervise(sup.token, queueId);
    room.send({ type: "agent.state", agentId: agentUser.id, status: "away" });
    expect(await agent.next("presence")).toMatchObject({ status: "away", by: { supervisorId: sup.id } });
    await write(key, "Beklemede mi?");
    await settle();
    expect(agent.all("offer")).toEqual([]);
    expect(room.states.at(-1).agents[0]).toMatchObject({ id: agentUser.id, status: "away" });
    room.send({ type: "agent.state", agentId: agentUser.id, status: "online" });
    expect((await agent.next("offer")).preview).toBe("Beklemede mi?");
    const audit = await env.DB.prepare("SELECT actor_id, details FROM audit_log WHERE action = 'agent.state' AND entity_id = ? ORDER BY id").bind(agentUser.id).all<{ actor_id: string; details: string }>();
    expect(audit.results.map((r) => [r.actor_id, JSON.parse(r.details).status])).toEqual([[sup.id, "away"], [sup.id, "online"]]);
  });

  it("offline: the agent is signed out at once and their tickets go to a colleague", async () => {
    const { queueId, key } = await setup();
    const sup = await createUser({ role: "supervisor" });
    const ayseUser = await createUser({ name: "Ayşe", queues: [queueId] });
    const ayse = await connect(ayseUser.token, queueId);
    await write(key, "Yardım 🙏");
    const { ticket } = await ayse.next("offer");
    ayse.send({ type: "accept", ticketId: ticket.id });
    await ayse.next("ticket.assigned");
    const john = await connect((await createUser({ name: "John", queues: [queueId] })).token, queueId);
    const room = await supervise(sup.token, queueId);
    room.send({ type: "agent.state", agentId: ayseUser.id, status: "offline" });
    expect(await ayse.next("presence")).toMatchObject({ status: "offline", by: { supervisorId: sup.id } });
    expect(await ayse.next("ticket.revoked")).toMatchObject({ ticketId: ticket.id, reason: "offline" });
    expect((await john.next("offer")).ticket.id).toBe(ticket.id);
    await settle();
    expect(ayse.closed).toBe(true);
    expect(ayse.closeCode).toBe(4001);
    expect((await queueStub(queueId).snapshot()).agents.find((a) => a.id === ayseUser.id)!.status).toBe("offline");
  });

  it("answers a bad command with an error and changes nothing", async () => {
    const { queueId } = await setup();
    const sup = await createUser({ role: "supervisor" });
    const agentUser = await createUser({ queues: [queueId] });
    await connect(agentUser.token, queueId);
    const room = await supervise(sup.token, queueId);
    room.send({ type: "agent.state", agentId: agentUser.id, status: "asleep" });
    room.send({ type: "agent.state", agentId: "nobody", status: "away" });
    room.ws.send("not json");
    await settle();
    expect(room.errors.map((e) => e.code)).toEqual(["invalid_frame", "agent_not_connected", "invalid_json"]);
    expect((await queueStub(queueId).snapshot()).agents[0]!.status).toBe("online");
  });
});

describe("Period To Check", () => {
  it("sets how often the queue re-evaluates (the sweep timer's interval)", async () => {
    const { queueId } = await setup({ periodToCheckS: 300 });
    const before = Date.now();
    await connect((await createUser({ queues: [queueId] })).token, queueId);
    const sweep = (await queueStub(queueId).snapshot()).timers.find((t) => t.kind === "sweep")!;
    expect(sweep.due_at - before).toBeGreaterThanOrEqual(299_000);
    expect(sweep.due_at - before).toBeLessThan(310_000);
  });
});
