import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { defaultConversationSettings } from "../../src/domain/conversation-settings";
import { hmac, toHex, unseal } from "../../src/security/crypto";
import { auditRows, BOT_TOKEN, call, countRows, seedWorld, unique } from "../helpers/api";
import { BOT_API, SECRET_TOKEN } from "../helpers/hub";
import { cleanUp, trackQueue } from "../helpers/session";
import { customerWrites, historyOf, stubNetwork } from "./helpers";

// Conversation settings through the admin API: validated, stored whole, the chatbot's secret shown once.

let userSeq = 8_600_000;

afterEach(cleanUp);

const BOT = "https://bot.example.test/destek";
const storedSecret = async (id: string) =>
  (await env.DB.prepare("SELECT chatbot_secret FROM channel_accounts WHERE id = ?1").bind(id).first<{ chatbot_secret: string | null }>())!.chatbot_secret;

async function createAccount(token: string, queueId: string, conversation?: unknown) {
  return call("/api/v1/accounts", {
    method: "POST",
    token,
    json: {
      provider: "telegram",
      name: unique("Mağaza 🛍️"),
      queueId,
      settings: { apiBaseUrl: BOT_API },
      credentials: { botToken: BOT_TOKEN, secretToken: SECRET_TOKEN },
      ...(conversation === undefined ? {} : { conversation }),
    },
  });
}

describe("conversation settings in the accounts API", () => {
  it("defaults every field on create, and the account view shows them", async () => {
    const { admin, supervisor, queueId } = await seedWorld();
    const created = await createAccount(admin.token, queueId);
    expect(created.status).toBe(201);
    expect(created.data.conversation).toEqual(defaultConversationSettings);
    expect(created.data.chatbotSecretSet).toBe(false);
    expect(created.data).not.toHaveProperty("revealed");
    const read = await call(`/api/v1/accounts/${created.data.id}`, { token: supervisor.token });
    expect(read.data.conversation).toEqual(defaultConversationSettings);
  });

  it("generates the chatbot's signing secret, shows it once, seals it, and never writes it to the audit", async () => {
    const { admin, queueId } = await seedWorld();
    const conversation = {
      multipleConversations: true,
      commands: { newTicket: "/yeni" },
      messages: { welcome: "Hoş geldiniz {{contact.firstName}} 👋" },
      chatbot: { url: BOT },
    };
    const created = await createAccount(admin.token, queueId, conversation);
    expect(created.status).toBe(201);
    expect(created.data.conversation).toEqual({
      ...defaultConversationSettings,
      multipleConversations: true,
      commands: { newTicket: "/yeni", switchTicket: "/ticket", listTickets: "/tickets" },
      messages: { ...defaultConversationSettings.messages, welcome: "Hoş geldiniz {{contact.firstName}} 👋" },
      chatbot: { url: BOT, timeoutMs: 3000 },
    });
    const secret = created.data.revealed.chatbotSecret as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.data.chatbotSecretSet).toBe(true);
    const sealed = (await storedSecret(created.data.id))!;
    expect(sealed).not.toContain(secret);
    expect(await unseal(env.SECRETS_KEY, sealed)).toBe(secret);

    const read = await call(`/api/v1/accounts/${created.data.id}`, { token: admin.token });
    expect(read.text).not.toContain(secret);
    expect(read.text).not.toContain(sealed);
    expect(read.data).not.toHaveProperty("chatbotSecret");
    const audit = await auditRows(created.data.id);
    expect(audit[0]!.details).not.toContain(secret);
    expect(JSON.parse(audit[0]!.details!)).toMatchObject({ conversation: { chatbot: { url: BOT } }, chatbotSecretGenerated: true });
  });

  it("replaces the settings as a whole on PATCH; the secret is kept while a chatbot stays, dropped with it, new when set again", async () => {
    const { admin, queueId } = await seedWorld();
    const created = await createAccount(admin.token, queueId, { chatbot: { url: BOT }, listShowsSubject: false });
    const id = created.data.id;
    const first = await storedSecret(id);

    const moved = await call(`/api/v1/accounts/${id}`, { method: "PATCH", token: admin.token, json: { conversation: { chatbot: { url: `${BOT}/v2`, timeoutMs: 800 } } } });
    expect(moved.status).toBe(200);
    expect(moved.data).not.toHaveProperty("revealed");
    expect(moved.data.conversation.listShowsSubject).toBe(true); // omitted: the default again
    expect(moved.data.conversation.chatbot).toEqual({ url: `${BOT}/v2`, timeoutMs: 800 });
    expect(await storedSecret(id)).toBe(first);

    const off = await call(`/api/v1/accounts/${id}`, { method: "PATCH", token: admin.token, json: { conversation: { multipleConversations: true } } });
    expect(off.data).toMatchObject({ chatbotSecretSet: false, conversation: { chatbot: null, multipleConversations: true } });
    expect(await storedSecret(id)).toBeNull();

    const again = await call(`/api/v1/accounts/${id}`, { method: "PATCH", token: admin.token, json: { conversation: { chatbot: { url: BOT } } } });
    expect(again.status).toBe(200);
    expect(await unseal(env.SECRETS_KEY, (await storedSecret(id))!)).toBe(again.data.revealed.chatbotSecret);
    expect(again.data.revealed.chatbotSecret).not.toBe(created.data.revealed.chatbotSecret);
    expect((await auditRows(id)).map((r) => r.action)).toEqual(["account.create", "account.update", "account.update", "account.update"]);

    // Renaming leaves the settings and the secret alone.
    const renamed = await call(`/api/v1/accounts/${id}`, { method: "PATCH", token: admin.token, json: { name: "Destek 🤝" } });
    expect(renamed.data.conversation.chatbot).toEqual({ url: BOT, timeoutMs: 3000 });
    expect(renamed.data).not.toHaveProperty("revealed");
  });

  it("refuses invalid settings with the path of each problem, storing nothing", async () => {
    const { admin, queueId } = await seedWorld();
    const before = await countRows("channel_accounts");
    const bad = await createAccount(admin.token, queueId, {
      messages: { welcome: "Merhaba, ben {{agent.name}}" },
      mandatoryDisposition: true,
      chatbot: { url: "ftp://bot.example.test", timeoutMs: 60_000 },
      commands: { newTicket: "yeni" },
      colour: "mavi",
    });
    expect(bad.status).toBe(400);
    expect(bad.data.error.code).toBe("validation_failed");
    const paths = bad.data.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(["conversation.messages.welcome", "conversation.chatbot.url", "conversation.chatbot.timeoutMs", "conversation.commands.newTicket"]),
    );
    expect(await countRows("channel_accounts")).toBe(before);

    const created = await createAccount(admin.token, queueId);
    const patched = await call(`/api/v1/accounts/${created.data.id}`, { method: "PATCH", token: admin.token, json: { conversation: { mandatoryDisposition: true } } });
    expect(patched.status).toBe(400);
    expect(patched.data.error.details).toEqual([expect.objectContaining({ path: "conversation.mandatoryDisposition" })]);
    expect((await call(`/api/v1/accounts/${created.data.id}`, { token: admin.token })).data.conversation).toEqual(defaultConversationSettings);
  });

  it("signs requests to the chatbot with the secret the API revealed", async () => {
    const { admin, queueId } = await seedWorld();
    trackQueue(queueId);
    const created = await createAccount(admin.token, queueId, { chatbot: { url: BOT } });
    const secret = created.data.revealed.chatbotSecret as string;
    const signatures: { header: string | null; expected: string }[] = [];
    stubNetwork({
      [BOT]: async ({ headers, body }) => {
        signatures.push({ header: headers.get("X-Hub-Signature-256"), expected: `sha256=${toHex(await hmac("SHA-256", secret, body))}` });
        return Response.json({ action: "reply", text: "Merhaba! Ben Mağaza asistanı 🤖" });
      },
    });
    const customer = ++userSeq;
    await customerWrites(created.data.key, customer, 1, "İade nasıl yapılır?");
    expect(signatures).toHaveLength(1);
    expect(signatures[0]!.header).toBe(signatures[0]!.expected);
    expect((await historyOf(created.data.id, customer)).map((m) => [m.direction, m.body])).toEqual([
      ["in", "İade nasıl yapılır?"],
      ["system", "Merhaba! Ben Mağaza asistanı 🤖"],
    ]);
  });
});
