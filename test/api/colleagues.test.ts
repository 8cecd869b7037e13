import { describe, expect, it } from "vitest";
import { call, seedUser, seedWorld } from "../helpers/api";

describe("GET /queues/{id}/colleagues", () => {
  it("shows every role the queue's active members by id and name, never their emails; an agent only in their own queues", async () => {
    const { admin, supervisor, agent, queueId, otherQueueId } = await seedWorld();
    const colleague = await seedUser("agent", { queues: [queueId] });
    await seedUser("agent", { queues: [queueId], active: false });
    const path = `/api/v1/queues/${queueId}/colleagues`;
    for (const who of [admin, supervisor, agent]) {
      const res = await call(path, { token: who.token });
      expect(res.status, who.role).toBe(200);
      const items = res.data.items as { userId: string; displayName: string }[];
      expect(items.map((m) => m.userId).sort(), who.role).toEqual([agent.id, colleague.id].sort());
      for (const m of items) expect(Object.keys(m).sort()).toEqual(["displayName", "userId"]);
      expect(JSON.stringify(res.data)).not.toContain("@");
    }
    const elsewhere = await call(`/api/v1/queues/${otherQueueId}/colleagues`, { token: agent.token });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.data.error.code).toBe("not_found");
    expect((await call(`/api/v1/queues/${otherQueueId}/colleagues`, { token: supervisor.token })).status).toBe(200);
    expect((await call(`/api/v1/queues/${crypto.randomUUID()}/colleagues`, { token: admin.token })).status).toBe(404);
    expect((await call(path)).status).toBe(401);
    // The full member list, with emails, stays the managers'.
    expect((await call(`/api/v1/queues/${queueId}/members`, { token: agent.token })).status).toBe(403);
  });
});
