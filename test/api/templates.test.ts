import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { auditRows, BOT_TOKEN, call, seedUser, seedWorld, unique } from "../helpers/api";
import { BOT_API, SECRET_TOKEN } from "../helpers/hub";

// The template library: CRUD, validation at the field, roles, where a template is used, preview.

const createTemplate = (token: string, json: Record<string, unknown>) => call("/api/v1/templates", { method: "POST", token, json });

async function telegramAccount(token: string, queueId: string, extra: Record<string, unknown> = {}) {
  const res = await call("/api/v1/accounts", {
    method: "POST",
    token,
    json: { provider: "telegram", name: unique("Mağaza"), queueId, settings: { apiBaseUrl: BOT_API }, credentials: { botToken: BOT_TOKEN, secretToken: SECRET_TOKEN }, ...extra },
  });
  expect(res.status, res.text).toBe(201);
  return res.data as { id: string; name: string; key: string };
}

describe("the template library", () => {
  it("an admin creates, reads, lists, changes and deletes a template; each write audited by name", async () => {
    const { admin, supervisor } = await seedWorld();
    const name = unique("Karşılama");
    const created = await createTemplate(admin.token, { name, description: "İlk mesaj", body: "Merhaba {{contact.firstName}} 👋 {{queue.name}} ekibi burada." });
    expect(created.status, created.text).toBe(201);
    expect(created.data).toMatchObject({
      id: expect.stringMatching(/^tpl_/),
      name,
      description: "İlk mesaj",
      body: "Merhaba {{contact.firstName}} 👋 {{queue.name}} ekibi burada.",
      variables: ["contact.firstName", "queue.name"],
      usedBy: [],
      createdBy: admin.id,
      updatedBy: admin.id,
    });
    const id = created.data.id as string;

    const read = await call(`/api/v1/templates/${id}`, { token: supervisor.token });
    expect(read.status).toBe(200);
    expect(read.data).toEqual(created.data);
    const list = await call("/api/v1/templates", { token: supervisor.token });
    expect(list.status).toBe(200);
    expect(list.data.items.find((t: { id: string }) => t.id === id)).toEqual(created.data);

    const changed = await call(`/api/v1/templates/${id}`, { method: "PATCH", token: admin.token, json: { body: "Hoş geldiniz {{contact.name}}." } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.data).toMatchObject({ name, body: "Hoş geldiniz {{contact.name}}.", variables: ["contact.name"] });
    expect(changed.data.updatedAt).toBeGreaterThanOrEqual(created.data.updatedAt);

    expect((await call(`/api/v1/templates/${id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    expect((await call(`/api/v1/templates/${id}`, { token: admin.token })).status).toBe(404);
    expect((await auditRows(id)).map((r) => [r.action, r.entity_type, JSON.parse(r.details as string).name])).toEqual([
      ["template.create", "template", name],
      ["template.update", "template", name],
      ["template.delete", "template", name],
    ]);
  });

  it("refuses a bad body at `body`, naming the problem, as automatic messages are refused", async () => {
    const admin = await seedUser("admin");
    const unknownVar = await createTemplate(admin.token, { name: unique("x"), body: "Merhaba {{contact.nickname}}" });
    expect(unknownVar.status).toBe(400);
    expect(unknownVar.data.error.code).toBe("validation_failed");
    expect(unknownVar.data.error.details).toEqual([{ path: "body", message: expect.stringContaining("Unknown variable {{contact.nickname}}") }]);

    const unclosed = await createTemplate(admin.token, { name: unique("x"), body: "Sıranız {{queue.position" });
    expect(unclosed.status).toBe(400);
    expect(unclosed.data.error.details).toEqual([{ path: "body", message: expect.stringContaining('is never closed with "}}"') }]);

    const tooLong = await createTemplate(admin.token, { name: unique("x"), body: "ş".repeat(4097) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.data.error.details[0].path).toBe("body");
    expect((await createTemplate(admin.token, { name: unique("x"), body: "ş".repeat(4096) })).status).toBe(201);

    const noName = await createTemplate(admin.token, { name: " ", body: "Merhaba" });
    expect(noName.data.error.details).toEqual([{ path: "name", message: expect.any(String) }]);
    const longDescription = await createTemplate(admin.token, { name: unique("x"), description: "a".repeat(501), body: "Merhaba" });
    expect(longDescription.data.error.details).toEqual([{ path: "description", message: expect.any(String) }]);
    const extra = await createTemplate(admin.token, { name: unique("x"), body: "Merhaba", text: "?" });
    expect(extra.status).toBe(400);
  });

  it("names are unique whatever their case: 409 at `name`", async () => {
    const admin = await seedUser("admin");
    const name = unique("Çağrı Sırası");
    expect((await createTemplate(admin.token, { name, body: "Sıranız: {{queue.position}}" })).status).toBe(201);
    const again = await createTemplate(admin.token, { name: name.toUpperCase(), body: "Başka" });
    expect(again.status).toBe(409);
    expect(again.data.error.details).toEqual([{ path: "name", message: "Already taken" }]);
    const other = await createTemplate(admin.token, { name: unique("Başka"), body: "Başka" });
    const rename = await call(`/api/v1/templates/${other.data.id}`, { method: "PATCH", token: admin.token, json: { name: name.toLowerCase() } });
    expect(rename.status).toBe(409);
  });

  it("roles: admins write, supervisors read and preview, agents and strangers nothing", async () => {
    const { admin, supervisor, agent } = await seedWorld();
    const t = await createTemplate(admin.token, { name: unique("Rol"), body: "Merhaba" });
    const id = t.data.id;
    const preview = { method: "POST", json: { body: "Merhaba {{contact.firstName}}" } };
    for (const [who, token] of [["supervisor", supervisor.token], ["agent", agent.token]] as const) {
      expect((await createTemplate(token, { name: unique("x"), body: "x" })).status, who).toBe(403);
      expect((await call(`/api/v1/templates/${id}`, { method: "PATCH", token, json: { body: "y" } })).status, who).toBe(403);
      expect((await call(`/api/v1/templates/${id}`, { method: "DELETE", token })).status, who).toBe(403);
    }
    expect((await call("/api/v1/templates", { token: supervisor.token })).status).toBe(200);
    expect((await call(`/api/v1/templates/${id}`, { token: supervisor.token })).status).toBe(200);
    expect((await call("/api/v1/templates/preview", { ...preview, token: supervisor.token })).status).toBe(200);
    expect((await call("/api/v1/templates", { token: agent.token })).status).toBe(403);
    expect((await call(`/api/v1/templates/${id}`, { token: agent.token })).status).toBe(403);
    expect((await call("/api/v1/templates/preview", { ...preview, token: agent.token })).status).toBe(403);
    expect((await call("/api/v1/templates")).status).toBe(401);
    const unknownParam = await call("/api/v1/templates?name=x", { token: admin.token });
    expect(unknownParam.status).toBe(400);
    expect(unknownParam.data.error.details).toEqual([{ path: "name", message: expect.stringContaining("Unknown query parameter") }]);
    expect((await call("/api/v1/templates/preview", preview)).status).toBe(401);
  });

  it("previews with the values given and sample values for the rest", async () => {
    const admin = await seedUser("admin");
    const res = await call("/api/v1/templates/preview", {
      method: "POST",
      token: admin.token,
      json: { body: "Merhaba {{contact.firstName}}, {{queue.name}} sırasında {{queue.position}}. sıradasınız.", values: { "contact.firstName": "Gülşen" } },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.data).toEqual({ text: "Merhaba Gülşen, Müşteri Hizmetleri sırasında 3. sıradasınız.", variables: ["contact.firstName", "queue.name", "queue.position"] });

    const bad = await call("/api/v1/templates/preview", { method: "POST", token: admin.token, json: { body: "{{agent.nick}}" } });
    expect(bad.status).toBe(400);
    expect(bad.data.error.details[0].path).toBe("body");
    const badValue = await call("/api/v1/templates/preview", { method: "POST", token: admin.token, json: { body: "x", values: { "contact.nickname": "x" } } });
    expect(badValue.status).toBe(400);
    expect(badValue.data.error.details[0].path).toMatch(/^values/);
  });
});

describe("automatic messages that name a template", () => {
  it("an account's welcome and a queue's session timeout message take {templateId}; the template lists them in usedBy and cannot be deleted", async () => {
    const { admin, queueId } = await seedWorld();
    const t = await createTemplate(admin.token, { name: unique("Hoş geldin"), body: "Hoş geldiniz {{contact.firstName}}!" });
    const templateId = t.data.id as string;
    const account = await telegramAccount(admin.token, queueId, { conversation: { messages: { welcome: { templateId } } } });
    const accountView = await call(`/api/v1/accounts/${account.id}`, { token: admin.token });
    expect(accountView.data.conversation.messages.welcome).toEqual({ templateId });

    const queue = await call(`/api/v1/queues/${queueId}`, { method: "PATCH", token: admin.token, json: { routing: { sessionTimeoutS: 3600, sessionTimeoutMessage: { templateId } } } });
    expect(queue.status, queue.text).toBe(200);
    expect(queue.data.routing.sessionTimeoutMessage).toEqual({ templateId });
    const queueName = queue.data.name as string;

    const read = await call(`/api/v1/templates/${templateId}`, { token: admin.token });
    expect(read.data.usedBy).toEqual([
      { kind: "account", id: account.id, name: account.name, field: "conversation.messages.welcome" },
      { kind: "queue", id: queueId, name: queueName, field: "routing.sessionTimeoutMessage" },
    ]);

    const refused = await call(`/api/v1/templates/${templateId}`, { method: "DELETE", token: admin.token });
    expect(refused.status).toBe(409);
    expect(refused.data.error.code).toBe("template_in_use");
    expect(refused.data.error.details).toEqual({ usedBy: read.data.usedBy });
    expect((await call(`/api/v1/templates/${templateId}`, { token: admin.token })).status).toBe(200);

    // Inline text again on both: the template is free to go.
    await call(`/api/v1/accounts/${account.id}`, { method: "PATCH", token: admin.token, json: { conversation: { messages: { welcome: "Merhaba" } } } });
    await call(`/api/v1/queues/${queueId}`, { method: "PATCH", token: admin.token, json: { routing: { sessionTimeoutMessage: "" } } });
    expect((await call(`/api/v1/templates/${templateId}`, { token: admin.token })).data.usedBy).toEqual([]);
    expect((await call(`/api/v1/templates/${templateId}`, { method: "DELETE", token: admin.token })).status).toBe(204);
  });

  it("refuses an unknown template id, and a template whose variables the place does not offer, at that field", async () => {
    const { admin, queueId } = await seedWorld();
    const account = await telegramAccount(admin.token, queueId);
    const unknown = await call(`/api/v1/accounts/${account.id}`, {
      method: "PATCH",
      token: admin.token,
      json: { conversation: { messages: { away: { templateId: "tpl_nosuchtemplate" } } } },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.data.error).toMatchObject({ code: "validation_failed", details: [{ path: "conversation.messages.away", message: "No template tpl_nosuchtemplate" }] });

    // agent.name is not known before an agent takes the ticket: refused in the welcome as inline text is.
    const withAgent = await createTemplate(admin.token, { name: unique("Temsilci"), body: "Ben {{agent.name}}, size yardımcı olacağım." });
    const misplaced = await call(`/api/v1/accounts/${account.id}`, {
      method: "PATCH",
      token: admin.token,
      json: { conversation: { messages: { welcome: { templateId: withAgent.data.id } } } },
    });
    expect(misplaced.status).toBe(400);
    expect(misplaced.data.error.details).toEqual([
      { path: "conversation.messages.welcome", message: expect.stringContaining("Variable {{agent.name}} is not available in this message") },
    ]);
    const inline = await call(`/api/v1/accounts/${account.id}`, { method: "PATCH", token: admin.token, json: { conversation: { messages: { welcome: "Ben {{agent.name}}" } } } });
    expect(inline.data.error.details[0]).toMatchObject({ path: "conversation.messages.welcome", message: expect.stringContaining("Variable {{agent.name}} is not available") });

    // The session timeout message offers every variable.
    const queue = await call(`/api/v1/queues/${queueId}`, { method: "PATCH", token: admin.token, json: { routing: { sessionTimeoutMessage: { templateId: withAgent.data.id } } } });
    expect(queue.status, queue.text).toBe(200);
    const unknownInQueue = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("Q"), routing: { sessionTimeoutMessage: { templateId: "tpl_gone" } } } });
    expect(unknownInQueue.status).toBe(400);
    expect(unknownInQueue.data.error.details).toEqual([{ path: "routing.sessionTimeoutMessage", message: "No template tpl_gone" }]);

    const malformed = await call(`/api/v1/accounts/${account.id}`, { method: "PATCH", token: admin.token, json: { conversation: { messages: { welcome: { templateId: "x", extra: 1 } } } } });
    expect(malformed.status).toBe(400);
    expect(malformed.data.error.details[0].path).toMatch(/^conversation\.messages\.welcome/);
  });

  it("a new body must suit every place using the template: refused at `body` naming the place", async () => {
    const { admin, queueId } = await seedWorld();
    const t = await createTemplate(admin.token, { name: unique("Sıra"), body: "Sıranız {{queue.position}}" });
    const account = await telegramAccount(admin.token, queueId, { conversation: { messages: { queuePosition: { templateId: t.data.id } } } });
    const res = await call(`/api/v1/templates/${t.data.id}`, { method: "PATCH", token: admin.token, json: { body: "{{agent.name}} sizinle" } });
    expect(res.status).toBe(400);
    expect(res.data.error.details).toEqual([
      { path: "body", message: expect.stringMatching(new RegExp(`^Used by account "${account.name}" at conversation\\.messages\\.queuePosition: Variable \\{\\{agent\\.name\\}\\} is not available`)) },
    ]);
    expect((await call(`/api/v1/templates/${t.data.id}`, { token: admin.token })).data.body).toBe("Sıranız {{queue.position}}");
  });

  it("a command answer may name a template too", async () => {
    const { admin, queueId } = await seedWorld();
    const t = await createTemplate(admin.token, { name: unique("Liste"), body: "Açık talepleriniz:\n{{tickets}}" });
    const account = await telegramAccount(admin.token, queueId, { conversation: { commandAnswers: { ticketList: { templateId: t.data.id } } } });
    expect((await call(`/api/v1/templates/${t.data.id}`, { token: admin.token })).data.usedBy).toEqual([
      { kind: "account", id: account.id, name: account.name, field: "conversation.commandAnswers.ticketList" },
    ]);
    const elsewhere = await call(`/api/v1/accounts/${account.id}`, { method: "PATCH", token: admin.token, json: { conversation: { commandAnswers: { noOpenTickets: { templateId: t.data.id } } } } });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.data.error.details[0].path).toBe("conversation.commandAnswers.noOpenTickets");
  });

  it("a template in use survives in D1 as the references name it", async () => {
    const { admin, queueId } = await seedWorld();
    const t = await createTemplate(admin.token, { name: unique("Saklı"), body: "Mesai dışındayız: {{businessHours}}" });
    const account = await telegramAccount(admin.token, queueId, { conversation: { messages: { outOfHours: { templateId: t.data.id } } } });
    const stored = await env.DB.prepare("SELECT conversation FROM channel_accounts WHERE id = ?1").bind(account.id).first<{ conversation: string }>();
    expect(JSON.parse(stored!.conversation).messages.outOfHours).toEqual({ templateId: t.data.id });
  });
});
