import { describe, expect, it } from "vitest";
import { call, seedWorld, unique } from "../helpers/api";

describe("audit log", () => {
  it("admins page through the entries of an entity, newest first", async () => {
    const { admin } = await seedWorld();
    const created = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("Audited") } });
    const id = created.data.id;
    for (const n of [1, 2]) {
      await call(`/api/v1/queues/${id}`, { method: "PATCH", token: admin.token, json: { name: unique(`Audited ${n}`) } });
    }
    const first = await call(`/api/v1/audit?entityType=queue&entityId=${id}&limit=2`, { token: admin.token });
    expect(first.status).toBe(200);
    expect(first.data.items.map((e: { action: string }) => e.action)).toEqual(["queue.update", "queue.update"]);
    expect(first.data.items[0]).toMatchObject({ actorId: admin.id, entityType: "queue", entityId: id });
    const rest = await call(`/api/v1/audit?entityType=queue&entityId=${id}&limit=2&cursor=${first.data.nextCursor}`, { token: admin.token });
    expect(rest.data.items.map((e: { action: string }) => e.action)).toEqual(["queue.create"]);
    expect(rest.data.nextCursor).toBeNull();
  });
});

describe("OpenAPI document and reference", () => {
  it("serves an OpenAPI 3.1 document with every /api/v1 route and the bearer scheme", async () => {
    const res = await call("/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.data;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("channel-hub");
    expect(doc.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: "http", scheme: "bearer" }));
    const ops = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(ops).toEqual(
      expect.arrayContaining([
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/logout",
        "GET /api/v1/me",
        "GET /api/v1/queues",
        "POST /api/v1/queues",
        "GET /api/v1/queues/{id}",
        "PATCH /api/v1/queues/{id}",
        "DELETE /api/v1/queues/{id}",
        "GET /api/v1/queues/{id}/members",
        "PUT /api/v1/queues/{id}/members/{userId}",
        "DELETE /api/v1/queues/{id}/members/{userId}",
        "GET /api/v1/users",
        "POST /api/v1/users",
        "GET /api/v1/users/{id}",
        "PATCH /api/v1/users/{id}",
        "DELETE /api/v1/users/{id}",
        "GET /api/v1/accounts",
        "POST /api/v1/accounts",
        "GET /api/v1/accounts/{id}",
        "PATCH /api/v1/accounts/{id}",
        "DELETE /api/v1/accounts/{id}",
        "POST /api/v1/accounts/{id}/telegram/webhook",
        "GET /api/v1/tickets",
        "GET /api/v1/tickets/{id}",
        "GET /api/v1/audit",
      ]),
    );
    const createQueue = doc.paths["/api/v1/queues"].post;
    expect(createQueue.security).toEqual([{ bearerAuth: [] }]);
    expect(createQueue["x-required-roles"]).toEqual(["admin"]);
    expect(Object.keys(createQueue.responses)).toEqual(expect.arrayContaining(["201", "400", "401", "403", "409"]));
    expect(createQueue.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/QueueCreate" });
    expect(doc.paths["/api/v1/auth/login"].post.security).toEqual([]);
    expect(JSON.stringify(doc.components.schemas.UserCreate)).toContain('"additionalProperties":false');
    expect(doc.components.schemas.Attachment.properties.kind.enum).toContain("image");
    const routing = doc.components.schemas.RoutingConfig;
    expect(routing.properties.strategy.enum).toEqual(["round-robin", "random", "least-busy", "longest-idle", "percentage", "sticky", "ring-all"]);
    expect(Object.keys(routing.properties)).toEqual(expect.arrayContaining(["agentTimeoutS", "idleSessionTimeoutS", "transferTimeoutS", "holdEstimationUpperLimitS"]));
  });

  it("renders a browsable HTML reference with every operation, its role and schemas, and no external scripts", async () => {
    const res = await call("/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = res.text;
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|fonts)/i);
    expect(html).toContain('<section id="tag-queues">');
    expect(html).toContain('id="op-post-api-v1-accounts-id-telegram-webhook"');
    expect(html).toContain("<code>/api/v1/queues/{id}/members/{userId}</code>");
    expect(html).toMatch(/Register the account&#39;s receive URL with Telegram[\s\S]*?Required role: <strong>admin<\/strong>/);
    expect(html).toMatch(/List tickets, newest first[\s\S]*?Required role: <strong>admin, supervisor, agent<\/strong>/);
    expect(html).toContain('<article id="schema-Queue">');
    expect(html).toContain('<a href="#schema-User">');
  });
});
