import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ingestDelete } from "../../src/db/ingest-reports";
import { contactLanguage, saveTranslation } from "../../src/db/translations";
import { ticketFixture, translationRow } from "./helpers";

describe("message_translations", () => {
  it("replaces a message's translation when saved again", async () => {
    const t = await ticketFixture();
    const m = await t.inbound("Kargom nerede?");
    await saveTranslation(env.DB, { messageId: m.id, language: "en", text: "Where is my cargo?", sourceLanguage: "tr" });

    expect(await saveTranslation(env.DB, { messageId: m.id, language: "en", text: "Where is my parcel?", sourceLanguage: "tr" })).toBe(true);

    expect(await translationRow(m.id)).toEqual({ language: "en", text: "Where is my parcel?", source_language: "tr" });
  });

  it("stores nothing for a message that does not exist", async () => {
    expect(await saveTranslation(env.DB, { messageId: 987654321, language: "en", text: "x", sourceLanguage: null })).toBe(false);
    expect(await translationRow(987654321)).toBeNull();
  });

  it("knows no contact language until one is detected on the ticket", async () => {
    const t = await ticketFixture();
    const m = await t.inbound("Merhaba");
    expect(await contactLanguage(env.DB, t.ticketId)).toBeNull();

    await saveTranslation(env.DB, { messageId: m.id, language: "en", text: "Hello", sourceLanguage: "tr" });

    expect(await contactLanguage(env.DB, t.ticketId)).toBe("tr");
  });

  it("goes with its message", async () => {
    const t = await ticketFixture();
    const m = await t.inbound("Merhaba");
    await saveTranslation(env.DB, { messageId: m.id, language: "en", text: "Hello", sourceLanguage: "tr" });

    await env.DB.prepare("DELETE FROM messages WHERE id = ?1").bind(m.id).run();

    expect(await translationRow(m.id)).toBeNull();
  });

  it("leaves D1 when the customer unsends the message", async () => {
    const t = await ticketFixture();
    const providerMessageId = `tg-unsend-${crypto.randomUUID()}`;
    const m = await t.inbound("Adresim: Bağdat Caddesi 12", { providerMessageId });
    await saveTranslation(env.DB, { messageId: m.id, language: "en", text: "My address: Bagdat Street 12", sourceLanguage: "tr" });

    const outcome = await ingestDelete(env.DB, t.account, {
      kind: "delete",
      eventKey: `delete:${providerMessageId}`,
      providerMessageId,
      contact: { externalId: "x", address: "x", displayName: "Zeynep" },
      deletedAt: Date.now(),
    });

    expect(outcome.result).toBe("stored");
    expect(outcome.changed[0]?.message).toMatchObject({ id: m.id, body: "", deletedAt: expect.any(Number) });
    expect(await translationRow(m.id)).toBeNull();
  });
});
