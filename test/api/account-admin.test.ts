import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { auditRows, BOT_TOKEN, call, seedUser, seedWorld, unique } from "../helpers/api";
import { BOT_API, SECRET_TOKEN } from "../helpers/hub";

// What the admin console sets on accounts and queues: an account's short Key, description and
// phone; the agents who work an account; the web chat's branding on a queue.

const shortKeyOf = () => `K${Math.floor(Math.random() * 9000 + 1000)}`;

async function createAccount(token: string, queueId: string, extra: Record<string, unknown> = {}) {
  return call("/api/v1/accounts", {
    method: "POST",
    token,
    json: { provider: "telegram", name: unique("Mağaza"), queueId, settings: { apiBaseUrl: BOT_API }, credentials: { botToken: BOT_TOKEN, secretToken: SECRET_TOKEN }, ...extra },
  });
}

describe("an account's short Key, description and phone", () => {
  it("are set on create, shown in every view, changed and cleared by PATCH; the Key is kept upper case", async () => {
    const { admin, supervisor, queueId } = await seedWorld();
    const key = shortKeyOf();
    const created = await createAccount(admin.token, queueId, { shortKey: key.toLowerCase(), description: "İstanbul mağazası — kargo soruları", phone: "+90 212 555 01 01" });
    expect(created.status, created.text).toBe(201);
    expect(created.data).toMatchObject({ shortKey: key, description: "İstanbul mağazası — kargo soruları", phone: "+90 212 555 01 01" });
    expect(created.data.key).not.toBe(key);
    const id = created.data.id as string;

    const read = await call(`/api/v1/accounts/${id}`, { token: supervisor.token });
    expect(read.data).toMatchObject({ shortKey: key, description: "İstanbul mağazası — kargo soruları", phone: "+90 212 555 01 01" });
    const list = await call("/api/v1/accounts", { token: supervisor.token });
    expect(list.data.items.find((a: { id: string }) => a.id === id)).toMatchObject({ shortKey: key });

    const next = shortKeyOf();
    const changed = await call(`/api/v1/accounts/${id}`, { method: "PATCH", token: admin.token, json: { shortKey: next, phone: null } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.data).toMatchObject({ shortKey: next, phone: null, description: "İstanbul mağazası — kargo soruları" });
    const cleared = await call(`/api/v1/accounts/${id}`, { method: "PATCH", token: admin.token, json: { shortKey: null, description: null } });
    expect(cleared.data).toMatchObject({ shortKey: null, description: null });

    const plain = await createAccount(admin.token, queueId);
    expect(plain.data).toMatchObject({ shortKey: null, description: null, phone: null });
  });

  it("a Key another account has, in any case, is a 409 at `shortKey`", async () => {
    const { admin, queueId } = await seedWorld();
    const key = shortKeyOf();
    expect((await createAccount(admin.token, queueId, { shortKey: key })).status).toBe(201);
    const taken = await createAccount(admin.token, queueId, { shortKey: key.toLowerCase() });
    expect(taken.status).toBe(409);
    expect(taken.data.error).toMatchObject({ code: "conflict", details: [{ path: "shortKey", message: expect.any(String) }] });
    const other = await createAccount(admin.token, queueId);
    const patch = await call(`/api/v1/accounts/${other.data.id}`, { method: "PATCH", token: admin.token, json: { shortKey: key } });
    expect(patch.status).toBe(409);
    expect(patch.data.error.details).toEqual([{ path: "shortKey", message: expect.any(String) }]);
  });

  it("refuses a bad Key, description or phone at its field", async () => {
    const { admin, queueId } = await seedWorld();
    for (const [field, value] of [
      ["shortKey", "TOOLONG"],
      ["shortKey", "Ş1"],
      ["shortKey", ""],
      ["description", "a".repeat(501)],
      ["phone", "call me"],
      ["phone", `+${"1".repeat(32)}`],
    ] as const) {
      const res = await createAccount(admin.token, queueId, { [field]: value });
      expect(res.status, `${field}=${value}`).toBe(400);
      expect(res.data.error.details.map((d: { path: string }) => d.path)).toEqual([field]);
    }
  });

  it("moves the account's version when the Key changes (cached accounts carry it into ticket views)", async () => {
    const { admin, queueId } = await seedWorld();
    const created = await createAccount(admin.token, queueId, { shortKey: shortKeyOf() });
    const version = async () => (await env.DB.prepare("SELECT version FROM channel_accounts WHERE id = ?1").bind(created.data.id).first<{ version: number }>())!.version;
    const before = await version();
    await call(`/api/v1/accounts/${created.data.id}`, { method: "PATCH", token: admin.token, json: { shortKey: shortKeyOf() } });
    expect(await version()).toBe(before + 1);
    await call(`/api/v1/accounts/${created.data.id}`, { method: "PATCH", token: admin.token, json: { description: "Sadece açıklama" } });
    expect(await version()).toBe(before + 1);
  });
});

describe("the agents who work an account", () => {
  it("are listed, added (as queue members, audited as such) and removed from the account", async () => {
    const { admin, supervisor, agent, queueId } = await seedWorld();
    const account = (await createAccount(admin.token, queueId)).data;
    const [ayse, mehmet] = await Promise.all([seedUser("agent"), seedUser("agent")]);

    const before = await call(`/api/v1/accounts/${account.id}/agents`, { token: supervisor.token });
    expect(before.status).toBe(200);
    expect(before.data).toEqual({ queueId, items: [expect.objectContaining({ id: agent.id, email: agent.email, role: "agent", active: true })] });
    expect(before.data.items[0]).toEqual({ id: agent.id, displayName: expect.any(String), email: agent.email, role: "agent", active: true, weight: 1, addedAt: expect.any(Number) });

    const added = await call(`/api/v1/accounts/${account.id}/agents`, { method: "POST", token: admin.token, json: { userIds: [ayse.id, mehmet.id, agent.id, ayse.id] } });
    expect(added.status, added.text).toBe(200);
    expect(added.data.items.map((m: { id: string }) => m.id).sort()).toEqual([agent.id, ayse.id, mehmet.id].sort());
    const members = await call(`/api/v1/queues/${queueId}/members`, { token: admin.token });
    expect(members.data.items.map((m: { userId: string }) => m.userId).sort()).toEqual([agent.id, ayse.id, mehmet.id].sort());
    const audit = (await auditRows(queueId)).filter((r) => r.action === "member.add");
    expect(audit.map((r) => [r.actor_id, r.entity_type, JSON.parse(r.details!).userId]).sort()).toEqual(
      [[admin.id, "queue", ayse.id], [admin.id, "queue", mehmet.id]].sort(),
    );

    // Already members: nothing new.
    expect((await call(`/api/v1/accounts/${account.id}/agents`, { method: "POST", token: supervisor.token, json: { userIds: [ayse.id] } })).status).toBe(200);
    expect((await auditRows(queueId)).filter((r) => r.action === "member.add")).toHaveLength(2);

    expect((await call(`/api/v1/accounts/${account.id}/agents/${mehmet.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    expect((await call(`/api/v1/accounts/${account.id}/agents/${mehmet.id}`, { method: "DELETE", token: admin.token })).status).toBe(404);
    const after = await call(`/api/v1/accounts/${account.id}/agents`, { token: admin.token });
    expect(after.data.items.map((m: { id: string }) => m.id).sort()).toEqual([agent.id, ayse.id].sort());
    expect((await auditRows(queueId)).filter((r) => r.action === "member.remove").map((r) => JSON.parse(r.details!).userId)).toEqual([mehmet.id]);
  });

  it("refuses unknown users at their index, unknown accounts, and roles other than admin and supervisor", async () => {
    const { admin, agent, queueId } = await seedWorld();
    const account = (await createAccount(admin.token, queueId)).data;
    const unknownUser = await call(`/api/v1/accounts/${account.id}/agents`, { method: "POST", token: admin.token, json: { userIds: [agent.id, "no-such-user"] } });
    expect(unknownUser.status).toBe(400);
    expect(unknownUser.data.error.details).toEqual([{ path: "userIds.1", message: "No user no-such-user" }]);
    expect((await call(`/api/v1/accounts/${account.id}/agents`, { method: "POST", token: admin.token, json: { userIds: [] } })).status).toBe(400);
    expect((await call("/api/v1/accounts/no-such-account/agents", { token: admin.token })).status).toBe(404);
    expect((await call(`/api/v1/accounts/${account.id}/agents`, { token: agent.token })).status).toBe(403);
    expect((await call(`/api/v1/accounts/${account.id}/agents`, { method: "POST", token: agent.token, json: { userIds: [agent.id] } })).status).toBe(403);
    expect((await call(`/api/v1/accounts/${account.id}/agents/${agent.id}`, { method: "DELETE", token: agent.token })).status).toBe(403);
    expect((await call(`/api/v1/accounts/${account.id}/agents`)).status).toBe(401);
    expect((await call(`/api/v1/accounts/${account.id}/agents?all=1`, { token: admin.token })).status).toBe(400);
  });
});

describe("a queue's web chat branding", () => {
  it("takes an https logo URL and a call-me text, returns them, defaults them to empty", async () => {
    const admin = await seedUser("admin");
    const created = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("Web"), routing: { logoUrl: "https://cdn.example.com/çiçek-logo.png", callMeText: "Sizi arayalım 📞" } } });
    expect(created.status, created.text).toBe(201);
    expect(created.data.routing).toMatchObject({ logoUrl: "https://cdn.example.com/çiçek-logo.png", callMeText: "Sizi arayalım 📞" });
    expect((await call(`/api/v1/queues/${created.data.id}`, { token: admin.token })).data.routing.callMeText).toBe("Sizi arayalım 📞");
    const plain = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("Web") } });
    expect(plain.data.routing).toMatchObject({ logoUrl: "", callMeText: "" });
  });

  it("refuses a logo that is not https or too long, and a call-me text over 120 characters, at the field", async () => {
    const admin = await seedUser("admin");
    for (const [field, value] of [
      ["logoUrl", "http://cdn.example.com/logo.png"],
      ["logoUrl", "javascript:alert(1)"],
      ["logoUrl", `https://cdn.example.com/${"a".repeat(2030)}`],
      ["callMeText", "ş".repeat(121)],
    ] as const) {
      const res = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("Web"), routing: { [field]: value } } });
      expect(res.status, `${field}=${value.slice(0, 40)}`).toBe(400);
      expect(res.data.error.details.map((d: { path: string }) => d.path)).toEqual([`routing.${field}`]);
    }
    expect((await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("Web"), routing: { callMeText: "ş".repeat(120) } } })).status).toBe(201);
  });
});

describe("a user's memberships", () => {
  it("lists the queues a user belongs to with their weight, to admins and supervisors", async () => {
    const { admin, supervisor, agent, queueId } = await seedWorld();
    const other = (await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("Ağırlık") } })).data.id as string;
    expect((await call(`/api/v1/queues/${other}/members/${agent.id}`, { method: "PUT", token: admin.token, json: { weight: 70 } })).status).toBe(200);
    const res = await call(`/api/v1/users/${agent.id}/queues`, { token: supervisor.token });
    expect(res.status, res.text).toBe(200);
    expect(res.data.items.map((m: { queueId: string; weight: number }) => [m.queueId, m.weight]).sort()).toEqual([[queueId, 1], [other, 70]].sort());
    expect(res.data.items[0]).toEqual({ queueId: expect.any(String), queueName: expect.any(String), weight: expect.any(Number), addedAt: expect.any(Number) });
    expect((await call(`/api/v1/users/${agent.id}/queues`, { token: agent.token })).status).toBe(403);
    expect((await call("/api/v1/users/no-such-user/queues", { token: admin.token })).status).toBe(404);
    expect((await call(`/api/v1/users/${admin.id}/queues`, { token: admin.token })).data.items).toEqual([]);
  });
});
