import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { authenticateToken } from "../../src/routes/api/auth";
import { auditRows, call, PASSWORD, seedQueue, seedUser, seedWorld } from "../helpers/api";

describe("login", () => {
  it("exchanges email and password for a token that works", async () => {
    const user = await seedUser("agent", { password: PASSWORD });
    const res = await call("/api/v1/auth/login", { method: "POST", json: { email: user.email.toUpperCase(), password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.data.user).toMatchObject({ id: user.id, email: user.email, role: "agent", passwordSet: true });
    expect(res.data.user).not.toHaveProperty("passwordHash");
    expect(res.data.expiresAt).toBeGreaterThan(Date.now());

    const me = await call("/api/v1/me", { token: res.data.token });
    expect(me.status).toBe(200);
    expect(me.data.user.id).toBe(user.id);

    const stored = await env.DB.prepare("SELECT token_hash FROM api_tokens WHERE user_id = ?1 AND label = 'login'")
      .bind(user.id)
      .first<{ token_hash: string }>();
    expect(stored?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored?.token_hash).not.toBe(res.data.token);
    expect((await auditRows(user.id)).map((r) => r.action)).toEqual(["auth.login"]);
  });

  it("answers a wrong password and an unknown email with the same 401", async () => {
    const user = await seedUser("agent", { password: PASSWORD });
    const wrong = await call("/api/v1/auth/login", { method: "POST", json: { email: user.email, password: "not it at all" } });
    const unknown = await call("/api/v1/auth/login", { method: "POST", json: { email: "nobody@example.test", password: PASSWORD } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.data).toEqual(unknown.data);
    expect(wrong.data.error).toEqual({ code: "unauthorized", message: "Invalid email or password" });
    expect(wrong.data).not.toHaveProperty("token");
  });

  it("refuses an inactive user even with the right password", async () => {
    const user = await seedUser("agent", { password: PASSWORD, active: false });
    const res = await call("/api/v1/auth/login", { method: "POST", json: { email: user.email, password: PASSWORD } });
    expect(res.status).toBe(401);
  });

  it("rejects a malformed body with 400, not 500", async () => {
    const broken = await call("/api/v1/auth/login", { method: "POST", body: "{not json" });
    expect(broken.status).toBe(400);
    expect(broken.data.error.message).toMatch(/malformed json/i);
    const extra = await call("/api/v1/auth/login", { method: "POST", json: { email: "a@b.test", password: "x", admin: true } });
    expect(extra.status).toBe(400);
    expect(extra.data.error.code).toBe("validation_failed");
  });

  it("logout revokes the token", async () => {
    const user = await seedUser("agent", { password: PASSWORD });
    const { data } = await call("/api/v1/auth/login", { method: "POST", json: { email: user.email, password: PASSWORD } });
    expect((await call("/api/v1/auth/logout", { method: "POST", token: data.token })).status).toBe(204);
    expect((await call("/api/v1/me", { token: data.token })).status).toBe(401);
  });
});

describe("bearer tokens", () => {
  it("401 without a token, with an unknown one, an expired one, or an inactive user's", async () => {
    const expired = await seedUser("admin", { expiresAt: Date.now() - 1000 });
    const inactive = await seedUser("admin", { active: false });
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: "Bearer nope" },
      { Authorization: "Basic abc" },
      { Authorization: `Bearer ${expired.token}` },
      { Authorization: `Bearer ${inactive.token}` },
    ];
    for (const headers of attempts) {
      const res = await call("/api/v1/queues", { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.data.error.code).toBe("unauthorized");
    }
  });

  it("authenticateToken returns the principal and touches last_used_at at most once a minute", async () => {
    const user = await seedUser("supervisor");
    expect(await authenticateToken(env.DB, "unknown")).toBeNull();
    expect(await authenticateToken(env.DB, user.token)).toEqual({
      userId: user.id,
      role: "supervisor",
      displayName: expect.any(String),
    });
    const first = await env.DB.prepare("SELECT last_used_at AS t FROM api_tokens WHERE user_id = ?1").bind(user.id).first<{ t: number }>();
    expect(first?.t).toBeGreaterThan(Date.now() - 5000);
    await env.DB.prepare("UPDATE api_tokens SET last_used_at = ?1 WHERE user_id = ?2").bind(first!.t - 10_000, user.id).run();
    await authenticateToken(env.DB, user.token);
    const second = await env.DB.prepare("SELECT last_used_at AS t FROM api_tokens WHERE user_id = ?1").bind(user.id).first<{ t: number }>();
    expect(second?.t).toBe(first!.t - 10_000);
  });
});

describe("roles", () => {
  it("forbids agents every admin route with 403", async () => {
    const { agent, queueId } = await seedWorld();
    const id = crypto.randomUUID();
    const attempts: [string, string, unknown?][] = [
      ["POST", "/api/v1/queues", { name: "x" }],
      ["PATCH", `/api/v1/queues/${queueId}`, { name: "x" }],
      ["DELETE", `/api/v1/queues/${queueId}`],
      ["GET", `/api/v1/queues/${queueId}/members`],
      ["PUT", `/api/v1/queues/${queueId}/members/${agent.id}`],
      ["GET", "/api/v1/users"],
      ["POST", "/api/v1/users", { email: "x@y.test", displayName: "x", role: "admin" }],
      ["GET", "/api/v1/accounts"],
      ["GET", `/api/v1/accounts/${id}`],
      ["POST", `/api/v1/accounts/${id}/telegram/webhook`],
      ["GET", "/api/v1/audit"],
    ];
    for (const [method, path, json] of attempts) {
      const res = await call(path, { method, token: agent.token, json });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.data.error.code).toBe("forbidden");
    }
  });

  it("lets supervisors read but not change accounts, queues and users", async () => {
    const { supervisor, queueId } = await seedWorld();
    for (const path of ["/api/v1/accounts", "/api/v1/queues", "/api/v1/users", `/api/v1/queues/${queueId}/members`, "/api/v1/tickets"]) {
      expect((await call(path, { token: supervisor.token })).status, path).toBe(200);
    }
    expect((await call("/api/v1/queues", { method: "POST", token: supervisor.token, json: { name: "nope" } })).status).toBe(403);
    expect((await call(`/api/v1/users/${supervisor.id}`, { method: "PATCH", token: supervisor.token, json: { role: "admin" } })).status).toBe(403);
    expect((await call("/api/v1/audit", { token: supervisor.token })).status).toBe(403);
  });

  it("GET /me shows an agent its queues", async () => {
    const queueId = await seedQueue();
    await seedQueue();
    const agent = await seedUser("agent", { queues: [queueId] });
    const res = await call("/api/v1/me", { token: agent.token });
    expect(res.status).toBe(200);
    expect(res.data.user).toMatchObject({ id: agent.id, role: "agent" });
    expect(res.data.queues.map((q: { id: string }) => q.id)).toEqual([queueId]);
  });
});
