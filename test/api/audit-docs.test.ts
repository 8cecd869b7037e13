import { describe, expect, it } from "vitest";
import initializer from "../../web/api-reference/init.js?raw";
import viteConfig from "../../web/vite.config.ts?raw";
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

  it("serves the reference page: Swagger UI from the Worker's own assets, pointed at the document, no inline or external script", async () => {
    const res = await call("/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = res.text;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.map((m) => /src="([^"]+)"/.exec(m[1]!)?.[1])).toEqual(["/api-reference/swagger-ui-bundle.js", "/api-reference/init.js"]);
    for (const m of scripts) expect(m[2]!.trim(), "no inline script").toBe("");
    expect(html).toContain('<link rel="stylesheet" href="/api-reference/swagger-ui.css">');
    expect(html).toContain('data-openapi-url="/api/openapi.json"');
    expect(html).not.toMatch(/https?:\/\//i);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it("the page's initializer starts Swagger UI on the URL the page names, with nothing fetched from elsewhere", () => {
    expect(initializer).toContain("SwaggerUIBundle(");
    expect(initializer).toContain("url: root.dataset.openapiUrl");
    expect(initializer).toContain("validatorUrl: null");
    expect(initializer).not.toMatch(/https?:\/\//);
    for (const name of ["swagger-ui-bundle.js", "swagger-ui.css", "init.js", "page.css"]) expect(viteConfig).toContain(`"${name}"`);
  });
});
