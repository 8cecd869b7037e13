import { describe, expect, it } from "vitest";
import { auditRows, call, seedAccount, seedQueue, seedUser, seedWorld, unique } from "../helpers/api";

const create = (token: string, json: unknown) => call("/api/v1/canned-answers", { method: "POST", token, json });

describe("canned answers API", () => {
  it("admins and supervisors create, change and delete them; every change is audited", async () => {
    const { admin, supervisor, queueId } = await seedWorld();
    const account = await seedAccount(queueId);
    const shortcut = unique("iade").toLowerCase().slice(0, 32);

    const created = await create(supervisor.token, { scope: account.id, shortcut, body: "Merhaba {{contact.firstName}}, iade talebiniz alındı 📦" });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ scope: account.id, shortcut, body: "Merhaba {{contact.firstName}}, iade talebiniz alındı 📦" });
    const id = created.data.id as string;

    const changed = await call(`/api/v1/canned-answers/${id}`, { method: "PATCH", token: admin.token, json: { body: "{{agent.name}} burada: iade kodunuz yolda 🚚" } });
    expect(changed.status).toBe(200);
    expect(changed.data).toMatchObject({ id, shortcut, body: "{{agent.name}} burada: iade kodunuz yolda 🚚" });
    expect((await call(`/api/v1/canned-answers/${id}`, { token: admin.token })).data.body).toBe("{{agent.name}} burada: iade kodunuz yolda 🚚");

    expect((await call(`/api/v1/canned-answers/${id}`, { method: "DELETE", token: supervisor.token })).status).toBe(204);
    expect((await call(`/api/v1/canned-answers/${id}`, { token: admin.token })).status).toBe(404);
    expect((await auditRows(id)).map((r) => [r.action, r.actor_id])).toEqual([
      ["canned.create", supervisor.id],
      ["canned.update", admin.id],
      ["canned.delete", supervisor.id],
    ]);
  });

  it("refuses a bad shortcut, a template with unknown or unavailable variables, an unknown scope and a duplicate", async () => {
    const { admin, queueId } = await seedWorld();
    const account = await seedAccount(queueId);

    const badShortcut = await create(admin.token, { scope: "global", shortcut: "İade Kodu", body: "x" });
    expect(badShortcut.status).toBe(400);
    expect(badShortcut.data.error.details).toEqual([{ path: "shortcut", message: "Expected 1–32 characters of a–z, 0–9, _ and -" }]);

    const badBody = await create(admin.token, { scope: "global", shortcut: "sira", body: "Sıranız {{queue.position}}, {{contact.nmae}}" });
    expect(badBody.status).toBe(400);
    expect(badBody.data.error.details.map((d: any) => d.path)).toEqual(["body", "body"]);
    expect(badBody.data.error.details[0].message).toMatch(/^Variable \{\{queue.position\}\} is not available in this message/);
    expect(badBody.data.error.details[1].message).toMatch(/^Unknown variable \{\{contact.nmae\}\}/);

    const noAccount = await create(admin.token, { scope: "acct-that-does-not-exist", shortcut: "merhaba", body: "Merhaba!" });
    expect(noAccount.status).toBe(400);
    expect(noAccount.data.error.details).toEqual([{ path: "scope", message: 'Expected "global" or the id of an account' }]);

    expect((await create(admin.token, { scope: account.id, shortcut: "merhaba", body: "Merhaba!" })).status).toBe(201);
    const dup = await create(admin.token, { scope: account.id, shortcut: "merhaba", body: "Tekrar merhaba" });
    expect(dup.status).toBe(409);
    expect(dup.data.error.code).toBe("conflict");
    // The same shortcut in another scope is fine.
    expect((await create(admin.token, { scope: (await seedAccount(queueId)).id, shortcut: "merhaba", body: "Selam" })).status).toBe(201);
  });

  it("agents read the global answers and their queues' accounts' answers only, and may not write", async () => {
    const { admin, agent, queueId, otherQueueId } = await seedWorld();
    const mine = await seedAccount(queueId);
    const theirs = await seedAccount(otherQueueId);
    const sc = unique("s").toLowerCase().replace(/[^a-z0-9_-]/g, "").slice(0, 20);
    const global = await create(admin.token, { scope: "global", shortcut: `${sc}-g`, body: "Genel yanıt 🌍" });
    const own = await create(admin.token, { scope: mine.id, shortcut: `${sc}-m`, body: "Bizim hesabın yanıtı" });
    const other = await create(admin.token, { scope: theirs.id, shortcut: `${sc}-o`, body: "Başka hesabın yanıtı" });

    const listed = await call("/api/v1/canned-answers", { token: agent.token });
    expect(listed.status).toBe(200);
    const ids = listed.data.items.map((i: any) => i.id);
    expect(ids).toEqual(expect.arrayContaining([global.data.id, own.data.id]));
    expect(ids).not.toContain(other.data.id);
    expect((await call(`/api/v1/canned-answers/${other.data.id}`, { token: agent.token })).status).toBe(404);
    expect((await call(`/api/v1/canned-answers/${own.data.id}`, { token: agent.token })).status).toBe(200);

    const forAccount = await call(`/api/v1/canned-answers?accountId=${mine.id}`, { token: admin.token });
    expect(forAccount.data.items.map((i: any) => i.id)).toEqual(expect.arrayContaining([global.data.id, own.data.id]));
    expect(forAccount.data.items.map((i: any) => i.scope)).not.toContain(theirs.id);
    const onlyOther = await call(`/api/v1/canned-answers?scope=${theirs.id}`, { token: admin.token });
    expect(onlyOther.data.items.map((i: any) => i.id)).toEqual([other.data.id]);

    expect((await create(agent.token, { scope: "global", shortcut: "benim", body: "x" })).status).toBe(403);
    expect((await call(`/api/v1/canned-answers/${own.data.id}`, { method: "DELETE", token: agent.token })).status).toBe(403);
    const lonely = await seedUser("agent", { queues: [await seedQueue()] });
    const lonelyList = await call("/api/v1/canned-answers", { token: lonely.token });
    expect(lonelyList.data.items.map((i: any) => i.id)).not.toContain(own.data.id);
  });
});
