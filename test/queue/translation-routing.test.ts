import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BOT_API, createTelegramAccount, createUser, postTelegram, settle, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, queue } from "../helpers/session";
import { call } from "../helpers/api";

// The Translation Provider as agents live it: a Turkish customer, English-speaking agents.

const LT = "https://translate.example.test";
let updateId = 140_000;
let userSeq = 9_850_000;

afterEach(cleanUp);

/** LibreTranslate as its API answers, with a two-phrase dictionary; every other call (the Bot API) succeeds. */
function stubServices() {
  const dictionary: Record<string, [string, string]> = {
    "Siparişim nerede? 📦": ["Where is my order? 📦", "tr"],
    "It ships today.": ["Bugün kargoya veriliyor.", "en"],
  };
  const calls: { url: string; body: any }[] = [];
  const real = globalThis.fetch;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith(LT)) {
      const body = JSON.parse(String(init?.body));
      calls.push({ url, body });
      const hit = dictionary[body.q];
      if (!hit) return Response.json({ error: "unknown" }, { status: 400 });
      return Response.json(body.source === "auto" ? { translatedText: hit[0], detectedLanguage: { confidence: 92, language: hit[1] } } : { translatedText: hit[0] });
    }
    if (url.startsWith(BOT_API)) {
      calls.push({ url, body: JSON.parse(String(init?.body ?? "{}")) });
      return Response.json({ ok: true, result: { message_id: 777, date: 1795300000, chat: { id: 1, type: "private" } } });
    }
    return real(input, init);
  });
  return calls;
}

describe("a queue with a translation provider", () => {
  it("shows the agent the customer's message in English and sends the agent's English reply in Turkish", async () => {
    const calls = stubServices();
    const queueId = await queue({ translation: { provider: "libretranslate", url: LT, agentLanguage: "en", translateReplies: true } });
    const { key } = await createTelegramAccount(queueId);
    const agent = await createUser({ name: "John", queues: [queueId] });
    const desk = await connect(agent.token, queueId);

    await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId: ++userSeq, messageId: 1, text: "Siparişim nerede? 📦" }));
    const { ticket } = await desk.next("offer");
    desk.send({ type: "accept", ticketId: ticket.id });
    const assigned = await desk.next("ticket.assigned");
    expect(assigned.messages[0].body).toBe("Siparişim nerede? 📦");
    // Translated in the background: either already in the history or arriving live.
    const translated = assigned.messages[0].translation ?? (await desk.next("message.translated")).translation;
    expect(translated).toEqual({ language: "en", text: "Where is my order? 📦", sourceLanguage: "tr" });
    expect(calls.find((c) => c.url === `${LT}/translate`)!.body).toMatchObject({ q: "Siparişim nerede? 📦", source: "auto", target: "en", format: "text" });

    desk.send({ type: "reply", ticketId: ticket.id, text: "It ships today.", clientMsgId: "tr-1" });
    const queued = await desk.next("reply.queued");
    expect(queued.message.body).toBe("Bugün kargoya veriliyor.");
    expect(queued.message.translation).toEqual({ language: "en", text: "It ships today.", sourceLanguage: "tr" });
    expect(calls.filter((c) => c.url.startsWith(LT)).at(-1)!.body).toMatchObject({ q: "It ships today.", source: "en", target: "tr" });
    const stored = await env.DB.prepare("SELECT m.body, t.text FROM messages m JOIN message_translations t ON t.message_id = m.id WHERE m.id = ?")
      .bind(queued.message.id)
      .first();
    expect(stored).toEqual({ body: "Bugün kargoya veriliyor.", text: "It ships today." });
  });

  it("a translator that fails leaves messages and replies untouched", async () => {
    vi.stubGlobal("fetch", async (input: RequestInfo | URL) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.startsWith(LT)) return Response.json({ error: "Service unavailable" }, { status: 503 });
      return Response.json({ ok: true, result: { message_id: 778, date: 1795300000, chat: { id: 1, type: "private" } } });
    });
    const queueId = await queue({ translation: { provider: "libretranslate", url: LT, agentLanguage: "en", translateReplies: true } });
    const { key } = await createTelegramAccount(queueId);
    const agent = await createUser({ queues: [queueId] });
    const desk = await connect(agent.token, queueId);
    await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId: ++userSeq, messageId: 1, text: "Merhaba" }));
    const { ticket } = await desk.next("offer");
    desk.send({ type: "accept", ticketId: ticket.id });
    expect((await desk.next("ticket.assigned")).messages[0].body).toBe("Merhaba");
    desk.send({ type: "reply", ticketId: ticket.id, text: "Hello!", clientMsgId: "x-1" });
    const queued = await desk.next("reply.queued");
    expect(queued.message.body).toBe("Hello!");
    expect(queued.message.translation).toBeUndefined();
    await settle();
    expect(desk.all("message.translated")).toEqual([]);
  });
});

describe("the ticket API on a translating queue", () => {
  it("GET /api/v1/tickets/{id} shows each translated message's other version, and null where there is none", async () => {
    stubServices();
    const queueId = await queue({ translation: { provider: "libretranslate", url: LT, agentLanguage: "en", translateReplies: true } });
    const { key } = await createTelegramAccount(queueId);
    const agent = await createUser({ name: "John", queues: [queueId] });
    const desk = await connect(agent.token, queueId);
    await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId: ++userSeq, messageId: 1, text: "Siparişim nerede? 📦" }));
    const { ticket } = await desk.next("offer");
    desk.send({ type: "accept", ticketId: ticket.id });
    const assigned = await desk.next("ticket.assigned");
    if (!assigned.messages[0].translation) await desk.next("message.translated");
    desk.send({ type: "note", ticketId: ticket.id, text: "Müşteri acele ediyor ⏳", clientMsgId: "n-1" });
    await desk.next("note.added");
    desk.send({ type: "reply", ticketId: ticket.id, text: "It ships today.", clientMsgId: "tr-api" });
    await desk.next("reply.queued");

    const detail = await call(`/api/v1/tickets/${ticket.id}`, { token: agent.token });
    expect(detail.status).toBe(200);
    expect(detail.data.messages.map((m: any) => [m.direction, m.body, m.translation])).toEqual([
      ["in", "Siparişim nerede? 📦", { language: "en", text: "Where is my order? 📦", sourceLanguage: "tr" }],
      ["note", "Müşteri acele ediyor ⏳", null],
      ["out", "Bugün kargoya veriliyor.", { language: "en", text: "It ships today.", sourceLanguage: "tr" }],
    ]);
  });
});
