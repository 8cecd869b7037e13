import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { auditRows, call, countRows, seedAccount, seedTicket, seedUser, seedWorld, unique } from "../helpers/api";

/** The routing configuration the queue's Durable Object holds. */
async function objectConfig(queueId: string) {
  return runInDurableObject(env.QUEUE_OBJECT.getByName(queueId), (_o, state) => {
    const row = state.storage.sql.exec<{ json: string }>("SELECT json FROM config WHERE id = 1").toArray()[0];
    return row ? JSON.parse(row.json) : null;
  });
}

describe("queues", () => {
  it("creates, reads, updates and deletes a queue, configuring its queue object", async () => {
    const { admin } = await seedWorld();
    const name = unique("Billing");
    const created = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name, routing: { agentRingTimeS: 45 } } });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      name,
      routing: { strategy: "round-robin", agentRingTimeS: 45, presenceGraceS: 30 },
    });
    const id: string = created.data.id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await objectConfig(id)).toEqual(created.data.routing);

    expect((await call(`/api/v1/queues/${id}`, { token: admin.token })).data.name).toBe(name);

    const renamed = await call(`/api/v1/queues/${id}`, {
      method: "PATCH",
      token: admin.token,
      json: { name: `${name} 2`, routing: { agentRingTimeS: 15 } },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.data).toMatchObject({ name: `${name} 2`, routing: { agentRingTimeS: 15, presenceGraceS: 30 } });
    expect(renamed.data.updatedAt).toBeGreaterThanOrEqual(created.data.updatedAt);
    expect(await objectConfig(id)).toMatchObject({ agentRingTimeS: 15 });

    expect((await call(`/api/v1/queues/${id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    expect((await call(`/api/v1/queues/${id}`, { token: admin.token })).status).toBe(404);
    expect((await auditRows(id)).map((r) => r.action)).toEqual(["queue.create", "queue.update", "queue.delete"]);
    expect((await auditRows(id))[0]!.actor_id).toBe(admin.id);
  });

  it("rejects invalid routing with details and stores nothing", async () => {
    const { admin } = await seedWorld();
    const name = unique("Bad");
    const res = await call("/api/v1/queues", {
      method: "POST",
      token: admin.token,
      json: { name, routing: { agentRingTimeS: 1, strategy: "telepathy" } },
    });
    expect(res.status).toBe(400);
    expect(res.data.error.code).toBe("validation_failed");
    const paths = res.data.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["routing.agentRingTimeS", "routing.strategy"]));
    expect(await countRows("queues", "name = ?1", name)).toBe(0);

    const unknownField = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name, color: "red" } });
    expect(unknownField.status).toBe(400);
    expect(unknownField.data.error.details).toEqual([{ path: "", message: expect.stringContaining("color") }]);

    const malformed = await call("/api/v1/queues", { method: "POST", token: admin.token, body: `{"name": "${name}",` });
    expect(malformed.status).toBe(400);
    expect(malformed.data.error).toEqual({ code: "malformed_json", message: "Malformed JSON in request body" });
    const empty = await call("/api/v1/queues", { method: "POST", token: admin.token });
    expect(empty.status).toBe(400);
    const notJson = await call("/api/v1/queues", { method: "POST", token: admin.token, body: `name=${name}`, headers: { "Content-Type": "text/plain" } });
    expect(notJson.status).toBe(415);
    expect(notJson.data.error.code).toBe("unsupported_media_type");
    expect(notJson.data.error.message).toBe("Unsupported Media Type");
    expect(await countRows("queues", "name = ?1", name)).toBe(0);
  });

  it("answers a duplicate name with 409", async () => {
    const { admin } = await seedWorld();
    const name = unique("Sales");
    expect((await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name } })).status).toBe(201);
    const dup = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name } });
    expect(dup.status).toBe(409);
    expect(dup.data.error).toMatchObject({ code: "conflict", message: `A queue named "${name}" already exists` });
    expect(await countRows("queues", "name = ?1", name)).toBe(1);
  });

  it("refuses to delete a queue an account still uses", async () => {
    const { admin, queueId } = await seedWorld();
    const account = await seedAccount(queueId);
    const res = await call(`/api/v1/queues/${queueId}`, { method: "DELETE", token: admin.token });
    expect(res.status).toBe(409);
    expect(res.data.error.details.accounts).toEqual([{ id: account.id, name: "Bot" }]);
    expect(await countRows("queues", "id = ?1", queueId)).toBe(1);
  });

  it("shows agents only the queues they belong to", async () => {
    const { agent, admin, queueId, otherQueueId } = await seedWorld();
    const mine = await call("/api/v1/queues", { token: agent.token });
    expect(mine.status).toBe(200);
    expect(mine.data.items.map((q: { id: string }) => q.id)).toEqual([queueId]);
    expect((await call(`/api/v1/queues/${queueId}`, { token: agent.token })).status).toBe(200);
    const other = await call(`/api/v1/queues/${otherQueueId}`, { token: agent.token });
    expect(other.status).toBe(404);
    expect(other.data.error.code).toBe("not_found");

    const all = await call("/api/v1/queues", { token: admin.token });
    expect(all.data.items.map((q: { id: string }) => q.id)).toEqual(expect.arrayContaining([queueId, otherQueueId]));
  });
});

describe("memberships", () => {
  it("supervisors add and remove members, idempotently, with audit rows", async () => {
    const { supervisor, otherQueueId } = await seedWorld();
    const agent = await seedUser("agent");
    const path = `/api/v1/queues/${otherQueueId}/members/${agent.id}`;
    const added = await call(path, { method: "PUT", token: supervisor.token });
    expect(added.status).toBe(200);
    expect(added.data).toMatchObject({ userId: agent.id, email: agent.email, role: "agent", active: true });
    expect((await call(path, { method: "PUT", token: supervisor.token })).status).toBe(200);

    const list = await call(`/api/v1/queues/${otherQueueId}/members`, { token: supervisor.token });
    expect(list.data.items.map((m: { userId: string }) => m.userId)).toEqual([agent.id]);
    expect((await call("/api/v1/queues", { token: agent.token })).data.items.map((q: { id: string }) => q.id)).toEqual([otherQueueId]);

    expect((await call(path, { method: "DELETE", token: supervisor.token })).status).toBe(204);
    expect((await call(path, { method: "DELETE", token: supervisor.token })).status).toBe(404);
    expect(await countRows("queue_members", "queue_id = ?1", otherQueueId)).toBe(0);
    const actions = (await auditRows(otherQueueId)).map((r) => r.action);
    expect(actions).toEqual(["member.add", "member.remove"]);
  });

  it("404 for an unknown queue or user", async () => {
    const { admin, queueId } = await seedWorld();
    expect((await call(`/api/v1/queues/${crypto.randomUUID()}/members/${admin.id}`, { method: "PUT", token: admin.token })).status).toBe(404);
    const res = await call(`/api/v1/queues/${queueId}/members/${crypto.randomUUID()}`, { method: "PUT", token: admin.token });
    expect(res.status).toBe(404);
    expect(res.data.error.message).toBe("User not found");
  });

  it("refuses to delete a queue that still has tickets", async () => {
    const { admin, queueId, otherQueueId } = await seedWorld();
    const account = await seedAccount(queueId);
    await seedTicket(account.id, otherQueueId);
    const res = await call(`/api/v1/queues/${otherQueueId}`, { method: "DELETE", token: admin.token });
    expect(res.status).toBe(409);
    expect(await env.DB.prepare("SELECT id FROM queues WHERE id = ?1").bind(otherQueueId).first()).not.toBeNull();
  });
});
