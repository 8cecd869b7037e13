import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { auditRows, call, countRows, seedUser, unique } from "../helpers/api";

const newUser = () => ({ email: `${unique("new")}@Example.test`, displayName: "Ayşe Yılmaz", role: "agent", password: "s3cret-pass!" });

describe("users", () => {
  it("creates a user with a hashed, write-only password who can then log in", async () => {
    const admin = await seedUser("admin");
    const body = newUser();
    const res = await call("/api/v1/users", { method: "POST", token: admin.token, json: body });
    expect(res.status).toBe(201);
    expect(res.data).toMatchObject({
      email: body.email.toLowerCase(),
      displayName: "Ayşe Yılmaz",
      role: "agent",
      capacity: 3,
      active: true,
      passwordSet: true,
    });
    expect(res.text).not.toContain(body.password);
    expect(res.text).not.toContain("pbkdf2");

    const row = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?1").bind(res.data.id).first<{ password_hash: string }>();
    expect(row?.password_hash).toMatch(/^pbkdf2-sha256\$/);
    expect(row?.password_hash).not.toContain(body.password);

    const login = await call("/api/v1/auth/login", { method: "POST", json: { email: body.email, password: body.password } });
    expect(login.status).toBe(200);

    const audit = await auditRows(res.data.id);
    expect(audit.map((r) => r.action)).toEqual(["user.create", "auth.login"]);
    expect(audit[0]!.details).not.toContain(body.password);
    expect(JSON.parse(audit[0]!.details!)).toMatchObject({ passwordChanged: true, role: "agent" });
  });

  it("lists, reads, updates and deletes", async () => {
    const admin = await seedUser("admin");
    const target = await seedUser("agent", { password: "old-password" });
    const list = await call("/api/v1/users", { token: admin.token });
    expect(list.data.items.map((u: { id: string }) => u.id)).toEqual(expect.arrayContaining([admin.id, target.id]));
    expect(list.text).not.toContain("passwordHash");

    const updated = await call(`/api/v1/users/${target.id}`, {
      method: "PATCH",
      token: admin.token,
      json: { capacity: 7, role: "supervisor", password: "new-password" },
    });
    expect(updated.status).toBe(200);
    expect(updated.data).toMatchObject({ capacity: 7, role: "supervisor" });
    expect((await call("/api/v1/auth/login", { method: "POST", json: { email: target.email, password: "old-password" } })).status).toBe(401);
    expect((await call("/api/v1/auth/login", { method: "POST", json: { email: target.email, password: "new-password" } })).status).toBe(200);

    const deactivated = await call(`/api/v1/users/${target.id}`, { method: "PATCH", token: admin.token, json: { active: false } });
    expect(deactivated.data.active).toBe(false);
    expect((await call("/api/v1/me", { token: target.token })).status).toBe(401);

    expect((await call(`/api/v1/users/${target.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    expect((await call(`/api/v1/users/${target.id}`, { token: admin.token })).status).toBe(404);
    expect(await countRows("api_tokens", "user_id = ?1", target.id)).toBe(0);
    expect((await auditRows(target.id)).map((r) => r.action)).toEqual(["user.update", "auth.login", "user.update", "user.delete"]);
  });

  it("validates: capacity 1–50, known role, email format, no unknown fields; stores nothing", async () => {
    const admin = await seedUser("admin");
    const displayName = unique("Invalid");
    const cases: [Record<string, unknown>, string][] = [
      [{ capacity: 0 }, "capacity"],
      [{ capacity: 51 }, "capacity"],
      [{ role: "owner" }, "role"],
      [{ email: "not-an-email" }, "email"],
      [{ password: "short" }, "password"],
      [{ passwordHash: "x" }, ""],
    ];
    for (const [patch, path] of cases) {
      const body = { ...newUser(), displayName, ...patch };
      const res = await call("/api/v1/users", { method: "POST", token: admin.token, json: body });
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect(res.data.error.code).toBe("validation_failed");
      expect(res.data.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(await countRows("users", "display_name = ?1", displayName)).toBe(0);
  });

  it("ends a user's sessions when their password changes or they are deactivated", async () => {
    const admin = await seedUser("admin");
    const agent = await seedUser("agent");
    expect((await call("/api/v1/me", { token: agent.token })).status).toBe(200);
    const changed = await call(`/api/v1/users/${agent.id}`, { method: "PATCH", token: admin.token, json: { password: "n3w-Parola-ğ" } });
    expect(changed.status).toBe(200);
    expect((await call("/api/v1/me", { token: agent.token })).status).toBe(401);

    const other = await seedUser("agent");
    await call(`/api/v1/users/${other.id}`, { method: "PATCH", token: admin.token, json: { active: false } });
    expect(await countRows("api_tokens", "user_id = ?1", other.id)).toBe(0);
    // A change of name alone keeps the session.
    const third = await seedUser("agent");
    await call(`/api/v1/users/${third.id}`, { method: "PATCH", token: admin.token, json: { displayName: "Üçüncü" } });
    expect((await call("/api/v1/me", { token: third.token })).status).toBe(200);
  });

  it("answers a duplicate email with 409", async () => {
    const admin = await seedUser("admin");
    const existing = await seedUser("agent");
    const res = await call("/api/v1/users", { method: "POST", token: admin.token, json: { ...newUser(), email: existing.email.toUpperCase() } });
    expect(res.status).toBe(409);
    expect(res.data.error.message).toBe(`A user with email ${existing.email} already exists`);
    expect(await countRows("users", "email = ?1", existing.email)).toBe(1);

    const other = await seedUser("agent");
    const patch = await call(`/api/v1/users/${other.id}`, { method: "PATCH", token: admin.token, json: { email: existing.email } });
    expect(patch.status).toBe(409);
  });

  it("keeps an admin from locking themselves out", async () => {
    const admin = await seedUser("admin");
    expect((await call(`/api/v1/users/${admin.id}`, { method: "DELETE", token: admin.token })).status).toBe(409);
    expect((await call(`/api/v1/users/${admin.id}`, { method: "PATCH", token: admin.token, json: { role: "agent" } })).status).toBe(409);
    expect((await call(`/api/v1/users/${admin.id}`, { method: "PATCH", token: admin.token, json: { displayName: "Me" } })).status).toBe(200);
  });
});
