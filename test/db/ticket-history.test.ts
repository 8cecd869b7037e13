import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { assignTicket, storeNote, ticketHistory } from "../../src/db/replies";
import { ingestMessage } from "../../src/db/ingest";
import { createQueue, createTelegramAccount, createUser } from "../helpers/hub";

// A ticket's history is read newest first (down its index, no sort) and shown oldest first.

describe("a ticket's history", () => {
  it("is its latest messages, oldest first, each with its translation, the same for an accept", async () => {
    const queueId = await createQueue();
    const { id: accountId } = await createTelegramAccount(queueId);
    const agent = await createUser({ queues: [queueId] });
    const account = { id: accountId, name: "Support bot", provider: "telegram", queueId };
    const contact = { externalId: "9500001", address: "9500001", displayName: "Ayşe" };
    const ids: number[] = [];
    let ticketId = 0;
    for (let i = 1; i <= 4; i++) {
      const stored = await ingestMessage(env.DB, account, {
        kind: "message", eventKey: `message:9500001:${i}`, providerMessageId: `9500001:${i}`, contact, text: `m${i}`, attachments: [], sentAt: i * 1_000,
      }, i * 1_000);
      if (stored.result !== "stored") throw new Error("not stored");
      ticketId = stored.ticket.id;
      ids.push(stored.message.id);
    }
    const note = await storeNote(env.DB, { ticketId, authorId: agent.id, text: "not", clientMsgId: "n-1" }, 5_000);
    if (!note || !("message" in note)) throw new Error("no note");
    ids.push(note.message.id);
    await env.DB.prepare("INSERT INTO message_translations (message_id, language, text, source_language) VALUES (?1, 'en', 'm3 in English', 'tr')").bind(ids[2]).run();

    const latest = await ticketHistory(env.DB, ticketId, 3);
    expect(latest.map((m) => m.id)).toEqual(ids.slice(2));
    expect(latest.map((m) => m.body)).toEqual(["m3", "m4", "not"]);
    expect(latest[0]!.translation).toEqual({ language: "en", text: "m3 in English", sourceLanguage: "tr" });
    expect(latest[1]!.translation).toBeUndefined();

    const { messages } = await assignTicket(env.DB, ticketId, agent.id, 6_000);
    expect(messages.map((m) => m.id)).toEqual(ids);
  });
});
