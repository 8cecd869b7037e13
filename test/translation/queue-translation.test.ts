import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { saveTranslation, ticketTranslations } from "../../src/db/translations";
import { saveReplyOriginal, translateInbound, translateReply } from "../../src/queue/translation";
import { json, libreConfig, requestOf, stubFetch, ticketFixture, translationRow } from "./helpers";

const QUESTION = "Siparişim nerede? 📦";
const QUESTION_EN = "Where is my order? 📦";
const turkish = (translatedText = QUESTION_EN) => json({ translatedText, detectedLanguage: { confidence: 92, language: "tr" } });

describe("translateInbound", () => {
  it("translates a customer's message into the agents' language and stores it with the detected language", async () => {
    const t = await ticketFixture();
    const message = await t.inbound(QUESTION);
    const fetchMock = stubFetch();
    fetchMock.mockResolvedValueOnce(turkish());

    const out = await translateInbound(env, libreConfig({ agentLanguage: "en" }), message);

    expect(requestOf(fetchMock.mock.calls[0]!).body).toMatchObject({ q: QUESTION, source: "auto", target: "en" });
    expect(out).toEqual({ messageId: message.id, language: "en", text: QUESTION_EN, sourceLanguage: "tr" });
    expect(await translationRow(message.id)).toEqual({ language: "en", text: QUESTION_EN, source_language: "tr" });
  });

  it("stores nothing for a message already in the agents' language", async () => {
    const t = await ticketFixture();
    const message = await t.inbound("Where is my order? 📦");
    const fetchMock = stubFetch();
    fetchMock.mockResolvedValueOnce(json({ translatedText: "Where is my order? 📦", detectedLanguage: { confidence: 95, language: "en" } }));

    expect(await translateInbound(env, libreConfig({ agentLanguage: "en" }), message)).toBeNull();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(await translationRow(message.id)).toBeNull();
  });

  it("stores nothing for text the service gives back unchanged (emoji only)", async () => {
    const t = await ticketFixture();
    const message = await t.inbound("👍📦");
    stubFetch().mockResolvedValueOnce(json({ translatedText: "👍📦", detectedLanguage: { confidence: 0, language: "en" } }));

    expect(await translateInbound(env, libreConfig({ agentLanguage: "de" }), message)).toBeNull();
    expect(await translationRow(message.id)).toBeNull();
  });

  it("calls no service for provider none, an empty body or an outbound message", async () => {
    const t = await ticketFixture();
    const fetchMock = stubFetch();

    expect(await translateInbound(env, { provider: "none" }, await t.inbound(QUESTION))).toBeNull();
    expect(await translateInbound(env, libreConfig(), await t.inbound(""))).toBeNull();
    expect(await translateInbound(env, libreConfig(), await t.reply("Kargonuz yolda"))).toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("gives null and logs, without the customer's text, when the service fails", async () => {
    const t = await ticketFixture();
    const message = await t.inbound(QUESTION);
    stubFetch().mockResolvedValueOnce(json({ error: "Cannot translate text: out of memory" }, 500));
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});

    expect(await translateInbound(env, libreConfig(), message)).toBeNull();

    expect(await translationRow(message.id)).toBeNull();
    expect(errors).toHaveBeenCalledTimes(1);
    const logged = JSON.parse(String(errors.mock.calls[0]![0]));
    expect(logged).toMatchObject({ event: "translation_inbound_failed", messageId: message.id, retryable: true });
    expect(JSON.stringify(logged)).not.toContain("Siparişim");
  });

  it("stores no translation of a message the customer unsent while it was being translated", async () => {
    const t = await ticketFixture();
    const message = await t.inbound(QUESTION);
    stubFetch().mockImplementationOnce(async () => {
      await env.DB.prepare("UPDATE messages SET body = '', deleted_at = 1 WHERE id = ?1").bind(message.id).run();
      return turkish();
    });

    expect(await translateInbound(env, libreConfig(), message)).toBeNull();
    expect(await translationRow(message.id)).toBeNull();
  });

  it("drops the earlier translation when an edit puts the message in the agents' language", async () => {
    const t = await ticketFixture();
    const message = await t.inbound(QUESTION);
    stubFetch().mockResolvedValueOnce(turkish()).mockResolvedValueOnce(json({ translatedText: "Never mind, found it", detectedLanguage: { confidence: 97, language: "en" } }));
    await translateInbound(env, libreConfig(), message);
    expect(await translationRow(message.id)).not.toBeNull();

    const edited = { ...message, body: "Never mind, found it", editedAt: Date.now() };
    expect(await translateInbound(env, libreConfig(), edited)).toBeNull();

    expect(await translationRow(message.id)).toBeNull();
  });
});

describe("translateReply", () => {
  it("translates the agent's reply into the language detected in the customer's messages", async () => {
    const t = await ticketFixture();
    const first = await t.inbound("Merhaba");
    await saveTranslation(env.DB, { messageId: first.id, language: "en", text: "Hello", sourceLanguage: "tr" });
    const fetchMock = stubFetch();
    fetchMock.mockResolvedValueOnce(json({ translatedText: "Siparişiniz yarın teslim edilecek 🚚" }));

    const out = await translateReply(env, libreConfig({ agentLanguage: "en" }), t.ticketId, "Your order arrives tomorrow 🚚");

    expect(requestOf(fetchMock.mock.calls[0]!).body).toMatchObject({ q: "Your order arrives tomorrow 🚚", source: "en", target: "tr" });
    expect(out).toEqual({
      text: "Siparişiniz yarın teslim edilecek 🚚",
      original: { language: "en", text: "Your order arrives tomorrow 🚚", contactLanguage: "tr" },
    });
  });

  it("follows the customer's latest detected language, not the agents' stored originals", async () => {
    const t = await ticketFixture();
    const a = await t.inbound("Merhaba");
    const b = await t.inbound("Guten Tag, wo ist mein Paket?");
    const r = await t.reply("Bonjour");
    await saveTranslation(env.DB, { messageId: a.id, language: "en", text: "Hello", sourceLanguage: "tr" });
    await saveTranslation(env.DB, { messageId: b.id, language: "en", text: "Good day, where is my parcel?", sourceLanguage: "de" });
    await saveTranslation(env.DB, { messageId: r.id, language: "en", text: "Hello", sourceLanguage: "fr" });
    const fetchMock = stubFetch();
    fetchMock.mockResolvedValueOnce(json({ translatedText: "Es ist unterwegs" }));

    await translateReply(env, libreConfig(), t.ticketId, "It is on its way");

    expect(requestOf(fetchMock.mock.calls[0]!).body.target).toBe("de");
  });

  it("sends the agent's text as written when the customer's language is unknown, the same, or replies are not translated", async () => {
    const fetchMock = stubFetch();
    const unknown = await ticketFixture();
    const english = await ticketFixture();
    const m = await english.inbound("Where is it?");
    await saveTranslation(env.DB, { messageId: m.id, language: "en", text: "Where is it?", sourceLanguage: "en" });
    const turkishTicket = await ticketFixture();
    const n = await turkishTicket.inbound(QUESTION);
    await saveTranslation(env.DB, { messageId: n.id, language: "en", text: QUESTION_EN, sourceLanguage: "tr" });

    const same = { text: "On its way 🚚", original: null };
    expect(await translateReply(env, libreConfig(), unknown.ticketId, "On its way 🚚")).toEqual(same);
    expect(await translateReply(env, libreConfig(), english.ticketId, "On its way 🚚")).toEqual(same);
    expect(await translateReply(env, libreConfig({ translateReplies: false }), turkishTicket.ticketId, "On its way 🚚")).toEqual(same);
    expect(await translateReply(env, { provider: "none" }, turkishTicket.ticketId, "On its way 🚚")).toEqual(same);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("sends the agent's text untranslated, and logs, when the service fails", async () => {
    const t = await ticketFixture();
    const m = await t.inbound(QUESTION);
    await saveTranslation(env.DB, { messageId: m.id, language: "en", text: QUESTION_EN, sourceLanguage: "tr" });
    stubFetch().mockRejectedValueOnce(new TypeError("Network connection lost."));
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});

    const out = await translateReply(env, libreConfig(), t.ticketId, "On its way 🚚");

    expect(out).toEqual({ text: "On its way 🚚", original: null });
    expect(JSON.parse(String(errors.mock.calls[0]![0]))).toMatchObject({ event: "translation_reply_failed", ticketId: t.ticketId, retryable: true });
  });
});

describe("saveReplyOriginal", () => {
  it("keeps the agent's original with the translated reply, so history holds both", async () => {
    const t = await ticketFixture();
    const inbound = await t.inbound(QUESTION);
    await saveTranslation(env.DB, { messageId: inbound.id, language: "en", text: QUESTION_EN, sourceLanguage: "tr" });
    stubFetch().mockResolvedValueOnce(json({ translatedText: "Yarın geliyor 🚚" }));
    const { text, original } = await translateReply(env, libreConfig(), t.ticketId, "Arriving tomorrow 🚚");
    const reply = await t.reply(text);

    await saveReplyOriginal(env, reply.id, original!);

    expect(await translationRow(reply.id)).toEqual({ language: "en", text: "Arriving tomorrow 🚚", source_language: "tr" });
    const both = await ticketTranslations(env.DB, t.ticketId);
    expect([...both.keys()].sort((x, y) => x - y)).toEqual([inbound.id, reply.id]);
    expect(both.get(reply.id)).toMatchObject({ messageId: reply.id, text: "Arriving tomorrow 🚚", sourceLanguage: "tr" });
  });
});
