import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chatbotRequestSchema } from "../../src/automations/chatbot";
import { hmac, seal, toHex } from "../../src/security/crypto";
import { postTelegram, queueStub, telegramUpdate } from "../helpers/hub";
import { cleanUp } from "../helpers/session";
import { agentTakes, customerWrites, delivered, historyOf, stubNetwork, systemMessagesOf, telegramAccount, ticketsOf } from "./helpers";

// The account's chatbot: asked first about each customer message on a ticket nobody holds.

const BOT = "https://bot.example.test/hook";
const SECRET = "bot-signing-secret-🔑-for-tests";
let userSeq = 8_500_000;

afterEach(async () => {
  await cleanUp();
  vi.restoreAllMocks();
});

type BotCall = { headers: Headers; body: string };

/** A bot that answers with `answer(call)`; every request it got is in `calls`. */
function stubBot(answer: (call: BotCall & { signal?: AbortSignal | null }) => Response | Promise<Response>) {
  const calls: BotCall[] = [];
  const net = stubNetwork({
    [BOT]: (r) => {
      calls.push({ headers: r.headers, body: r.body });
      return answer(r);
    },
  });
  return { ...net, calls };
}

async function account(timeoutMs = 2000) {
  const acct = await telegramAccount({ chatbot: { url: BOT, timeoutMs }, messages: { welcome: "Hoş geldiniz 🌷" } });
  await env.DB.prepare("UPDATE channel_accounts SET chatbot_secret = ?2 WHERE id = ?1").bind(acct.id, await seal(env.SECRETS_KEY, SECRET)).run();
  return acct;
}

const waitingTickets = async (queueId: string) => (await queueStub(queueId).snapshot()).tickets.map((t) => t.id);

describe("chatbot", () => {
  it("gets the message signed, and its reply is sent to the customer instead of queueing the ticket", async () => {
    const bot = stubBot(() => Response.json({ action: "reply", text: "Kargonuz yolda 🚚 Takip no: TR-1432" }));
    const { id, key, queueId } = await account();
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Kargom nerede? 📦");

    const [ticket] = await ticketsOf(id, customer);
    const [inbound] = await historyOf(id, customer);
    const contact = await env.DB.prepare("SELECT id FROM contacts WHERE account_id = ?1").bind(id).first<{ id: number }>();
    expect(bot.calls).toHaveLength(1);
    const { headers, body } = bot.calls[0]!;
    expect(JSON.parse(body)).toEqual({
      event: "message",
      account: { id, name: "Support bot", provider: "telegram" },
      contact: { id: contact!.id, name: "Zeynep Çelik", username: "zeynep_c" },
      ticket: { id: ticket!.id },
      message: { id: inbound!.id, text: "Kargom nerede? 📦", attachments: [] },
    });
    expect(chatbotRequestSchema.safeParse(JSON.parse(body)).success).toBe(true); // the schema docs/conversations.md is checked against
    expect(headers.get("Content-Type")).toBe("application/json");
    expect(headers.get("X-Hub-Signature-256")).toBe(`sha256=${toHex(await hmac("SHA-256", SECRET, body))}`);

    expect((await systemMessagesOf(id, customer)).map((m) => [m.client_msg_id, m.body])).toEqual([
      ["auto:welcome", "Hoş geldiniz 🌷"],
      [`auto:bot:${inbound!.id}`, "Kargonuz yolda 🚚 Takip no: TR-1432"],
    ]);
    expect(await delivered(() => bot.textsTo(customer), 2)).toEqual(["Hoş geldiniz 🌷", "Kargonuz yolda 🚚 Takip no: TR-1432"]);
    expect(await waitingTickets(queueId)).toEqual([]);
  });

  it("hands the conversation to the queue when the bot says handoff", async () => {
    const bot = stubBot(() => Response.json({ action: "handoff" }));
    const { id, key, queueId } = await account();
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Bir temsilciyle görüşmek istiyorum");
    expect(bot.calls).toHaveLength(1);
    expect(await waitingTickets(queueId)).toEqual([(await ticketsOf(id, customer))[0]!.id]);
    expect((await systemMessagesOf(id, customer)).map((m) => m.body)).toEqual(["Hoş geldiniz 🌷"]);
  });

  const failures: [string, (call: BotCall & { signal?: AbortSignal | null }) => Response | Promise<Response>, string][] = [
    ["an error status", () => new Response("Internal error", { status: 500 }), "HTTP 500"],
    ["an answer that is not JSON", () => new Response("tamam 👍", { status: 200 }), "answer is not JSON"],
    ["an unknown action", () => Response.json({ action: "menu", items: ["Kargo", "İade"] }), "unexpected answer"],
    ["a reply without text", () => Response.json({ action: "reply", text: "   " }), "unexpected answer"],
    ["a network failure", () => Promise.reject(new TypeError("connection refused")), "connection refused"],
  ];
  for (const [what, answer, reason] of failures) {
    it(`queues the ticket and logs the reason on ${what}`, async () => {
      const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
      stubBot(answer);
      const { id, key, queueId } = await account();
      const customer = ++userSeq;
      await customerWrites(key, customer, 1, "Merhaba");
      expect(await waitingTickets(queueId)).toEqual([(await ticketsOf(id, customer))[0]!.id]);
      const logged = errors.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("chatbot_failed"));
      expect(logged).toHaveLength(1);
      expect(JSON.parse(logged[0]!)).toMatchObject({ event: "chatbot_failed", accountId: id, url: BOT, reason: expect.stringContaining(reason) });
    });
  }

  it("queues the ticket when the bot does not answer within its timeout", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    // Answers only when the hub gives up on it: the abort is the hub's timeout firing.
    stubBot(({ signal }) => new Promise((_, reject) => signal!.addEventListener("abort", () => reject(signal!.reason))));
    const { id, key, queueId } = await account(500);
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Merhaba");
    expect(await waitingTickets(queueId)).toEqual([(await ticketsOf(id, customer))[0]!.id]);
    expect(errors.mock.calls.map((c) => String(c[0])).find((l) => l.includes("chatbot_failed"))).toContain("no answer within 500 ms");
  });

  it("is not asked about messages on a ticket an agent holds", async () => {
    let handoff = true;
    const bot = stubBot(() => Response.json(handoff ? { action: "handoff" } : { action: "reply", text: "Ben botum 🤖" }));
    const { id, key, queueId } = await account();
    const customer = ++userSeq;
    const { desk } = await agentTakes(queueId, key, customer, "Temsilci lütfen");

    handoff = false;
    await customerWrites(key, customer, 2, "Siparişim 1432 numaralı");
    expect(bot.calls).toHaveLength(1);
    expect((await desk.next("message")).message.body).toBe("Siparişim 1432 numaralı");
    expect((await systemMessagesOf(id, customer)).map((m) => m.body)).toEqual(["Hoş geldiniz 🌷"]);
  });

  it("is not asked again, and the ticket not queued, when Telegram retries an update the bot answered", async () => {
    const bot = stubBot(() => Response.json({ action: "reply", text: "Size nasıl yardımcı olabilirim? 🙂" }));
    const { id, key, queueId } = await account();
    const customer = ++userSeq;
    const update = telegramUpdate({ updateId: 8_590_000 + customer, userId: customer, messageId: 1, text: "Merhaba" });
    expect((await postTelegram(key, update)).status).toBe(200);
    expect((await postTelegram(key, update)).status).toBe(200);
    expect(bot.calls).toHaveLength(1);
    expect(await waitingTickets(queueId)).toEqual([]);
    expect(await systemMessagesOf(id, customer)).toHaveLength(2);
  });

  it("without a signing secret is not called: the ticket goes to the queue and the reason is logged", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const bot = stubBot(() => Response.json({ action: "reply", text: "x" }));
    const { id, key, queueId } = await account();
    await env.DB.prepare("UPDATE channel_accounts SET chatbot_secret = NULL WHERE id = ?1").bind(id).run();
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Merhaba");
    expect(bot.calls).toEqual([]);
    expect(await waitingTickets(queueId)).toHaveLength(1);
    expect(errors.mock.calls.map((c) => String(c[0])).find((l) => l.includes("chatbot_failed"))).toContain("no signing secret");
  });
});
