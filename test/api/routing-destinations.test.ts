import { describe, expect, it } from "vitest";
import { AgentClient, settle } from "../helpers/hub";
import { auditRows, call, countRows, seedUser, seedWorld, unique } from "../helpers/api";

// The routing settings that name other queues and agents, and agents managing their own queues.

describe("action plans through the API", () => {
  it("stores a plan with steps and time rules, and refuses destinations that do not exist", async () => {
    const { admin, otherQueueId, agent } = await seedWorld();
    // The agent step applies in the queue the step before took the ticket to: the agent belongs there.
    expect((await call(`/api/v1/queues/${otherQueueId}/members/${agent.id}`, { method: "PUT", token: admin.token })).status).toBe(200);
    const actionPlan = {
      steps: [{ to: { queueId: otherQueueId }, timeoutS: 120 }, { to: { agentId: agent.id } }],
      timezone: "Europe/Istanbul",
      timeRules: [{ when: { days: ["sat", "sun"], from: "22:00", to: "08:00" }, steps: [{ to: { queueId: otherQueueId }, timeoutS: 30 }] }],
    };
    const created = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("Plan"), routing: { priority: 70, leaveWhenEmpty: true, actionPlan } } });
    expect(created.status).toBe(201);
    expect(created.data.routing).toMatchObject({ priority: 70, leaveWhenEmpty: true, waitForAssignedAgentS: 10, waitForAssignedQueueS: 10 });
    expect(created.data.routing.actionPlan.steps[1]).toEqual({ to: { agentId: agent.id }, timeoutS: 60 });

    const name = unique("Nowhere");
    const missing = await call("/api/v1/queues", {
      method: "POST",
      token: admin.token,
      json: { name, routing: { actionPlan: { steps: [{ to: { queueId: "no-such-queue" } }, { to: { agentId: "no-such-agent" } }] } } },
    });
    expect(missing.status).toBe(400);
    expect(missing.data.error.details.map((d: { path: string }) => d.path)).toEqual(["routing.actionPlan.steps.0.to", "routing.actionPlan.steps.1.to"]);
    expect(await countRows("queues", "name = ?1", name)).toBe(0);
  });

  it("refuses an agent step naming a user who is not a member of the queue the step applies in; nothing is saved", async () => {
    const { admin, agent, queueId, otherQueueId } = await seedWorld();
    const outsider = await seedUser("agent", { queues: [otherQueueId] });
    const routingOf = async (id: string) => (await call(`/api/v1/queues/${id}`, { token: admin.token })).data.routing;
    const patch = (actionPlan: unknown) =>
      call(`/api/v1/queues/${queueId}`, { method: "PATCH", token: admin.token, json: { name: unique("Müşteri Hizmetleri 🎧"), routing: { actionPlan } } });

    // Here the agent belongs to this queue: an agent step first (the ticket is still here) is fine.
    const ok = await patch({ steps: [{ to: { agentId: agent.id }, timeoutS: 30 }, { to: { queueId: otherQueueId } }, { to: { agentId: outsider.id } }] });
    expect(ok.status).toBe(200);
    const saved = await routingOf(queueId);
    const before = await countRows("audit_log", "entity_id = ?1", queueId);

    const refused = await patch({
      steps: [{ to: { queueId: otherQueueId } }, { to: { agentId: agent.id } }, { to: { queueId } }, { to: { agentId: outsider.id } }],
      timezone: "Europe/Istanbul",
      timeRules: [{ when: { days: ["sat"], from: "00:00", to: "23:59" }, steps: [{ to: { agentId: outsider.id } }] }],
    });
    expect(refused.status).toBe(400);
    expect(refused.data.error.details).toEqual([
      { path: "routing.actionPlan.steps.1.to", message: `User ${agent.id} is not a member of queue ${otherQueueId}, where this step applies` },
      { path: "routing.actionPlan.steps.3.to", message: `User ${outsider.id} is not a member of queue ${queueId}, where this step applies` },
      { path: "routing.actionPlan.timeRules.0.steps.0.to", message: `User ${outsider.id} is not a member of queue ${queueId}, where this step applies` },
    ]);
    expect(await routingOf(queueId)).toEqual(saved);
    expect(await countRows("audit_log", "entity_id = ?1", queueId)).toBe(before);

    // A new queue has no members yet: an agent step that keeps its tickets there names nobody who could take them.
    const name = unique("Yeni kuyruk");
    const created = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name, routing: { actionPlan: { steps: [{ to: { agentId: agent.id } }] } } } });
    expect(created.status).toBe(400);
    expect(created.data.error.details.map((d: { path: string }) => d.path)).toEqual(["routing.actionPlan.steps.0.to"]);
    expect(await countRows("queues", "name = ?1", name)).toBe(0);
  });

  it("refuses Leave When Empty with nowhere to go, an unknown time zone, a bad window and waits out of range", async () => {
    const { admin } = await seedWorld();
    const res = await call("/api/v1/queues", {
      method: "POST",
      token: admin.token,
      json: {
        name: unique("Bad plan"),
        routing: {
          leaveWhenEmpty: true,
          waitForAssignedAgentS: 0,
          waitForAssignedQueueS: 2147484,
          priority: 101,
          actionPlan: { timezone: "Mars/Olympus", timeRules: [{ when: { days: ["funday"], from: "25:00", to: "09:00" }, steps: [] }] },
        },
      },
    });
    expect(res.status).toBe(400);
    const paths = res.data.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "routing.waitForAssignedAgentS",
        "routing.waitForAssignedQueueS",
        "routing.priority",
        "routing.actionPlan.timezone",
        "routing.actionPlan.timeRules.0.when.days.0",
        "routing.actionPlan.timeRules.0.when.from",
        "routing.actionPlan.timeRules.0.steps",
      ]),
    );
    const noPlan = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("Empty"), routing: { leaveWhenEmpty: true } } });
    expect(noPlan.status).toBe(400);
    expect(noPlan.data.error.details).toEqual([{ path: "routing.leaveWhenEmpty", message: "Leave When Empty needs an action plan with somewhere to go" }]);
  });

  it("takes a LibreTranslate translation provider and refuses an unknown one", async () => {
    const { admin } = await seedWorld();
    const ok = await call("/api/v1/queues", {
      method: "POST",
      token: admin.token,
      json: { name: unique("Çeviri"), routing: { translation: { provider: "libretranslate", url: "https://translate.example.test", agentLanguage: "en" } } },
    });
    expect(ok.status).toBe(201);
    expect(ok.data.routing.translation).toEqual({ provider: "libretranslate", url: "https://translate.example.test", agentLanguage: "en", translateReplies: true });
    const bad = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("X"), routing: { translation: { provider: "babelfish" } } } });
    expect(bad.status).toBe(400);
  });
});

describe("agents managing their own queues (Agent Management Access)", () => {
  it("an agent joins and leaves a queue that allows it; leaving signs them out of it", async () => {
    const { admin } = await seedWorld();
    const open = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("Açık"), routing: { agentsMayJoin: true } } });
    const agent = await seedUser("agent");
    const joined = await call(`/api/v1/me/queues/${open.data.id}`, { method: "PUT", token: agent.token });
    expect(joined.status).toBe(200);
    expect(joined.data.userId).toBe(agent.id);
    const me = await call("/api/v1/me", { token: agent.token });
    expect(me.data.queues.map((q: { id: string }) => q.id)).toEqual([open.data.id]);

    const desk = await AgentClient.connect(agent.token, open.data.id);
    expect((await call(`/api/v1/me/queues/${open.data.id}`, { method: "DELETE", token: agent.token })).status).toBe(204);
    await settle();
    expect(desk.closed).toBe(true);
    expect(desk.closeCode).toBe(4003);
    expect((await call("/api/v1/me", { token: agent.token })).data.queues).toEqual([]);
    expect((await auditRows(open.data.id)).map((r) => r.action)).toEqual(["queue.create", "member.join", "member.leave"]);
  });

  it("is refused by default: a queue lets agents in only when its admin says so", async () => {
    const { admin } = await seedWorld();
    const plain = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("Varsayılan"), routing: {} } });
    const agent = await seedUser("agent");
    const join = await call(`/api/v1/me/queues/${plain.data.id}`, { method: "PUT", token: agent.token });
    expect(join.status).toBe(403);
    expect(join.data.error.code).toBe("not_allowed");
    expect(await countRows("queue_members", "queue_id = ?1", plain.data.id)).toBe(0);
  });

  it("is refused where the queue's Agent Management Access is off", async () => {
    const { admin } = await seedWorld();
    const closed = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("Kapalı"), routing: { agentManagementAccess: false, agentsMayJoin: true } } });
    const agent = await seedUser("agent", { queues: [closed.data.id] });
    const outsider = await seedUser("agent");
    const join = await call(`/api/v1/me/queues/${closed.data.id}`, { method: "PUT", token: outsider.token });
    expect(join.status).toBe(403);
    expect(join.data.error.code).toBe("not_allowed");
    expect((await call(`/api/v1/me/queues/${closed.data.id}`, { method: "DELETE", token: agent.token })).status).toBe(403);
    expect(await countRows("queue_members", "queue_id = ?1", closed.data.id)).toBe(1);
    expect((await call("/api/v1/me/queues/no-such-queue", { method: "PUT", token: agent.token })).status).toBe(404);
  });
});
