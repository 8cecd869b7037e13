import { afterEach, describe, expect, it, vi } from "vitest";
import { call } from "../helpers/api";
import { createQueue, createUser } from "../helpers/hub";
import { cleanUp } from "../helpers/session";
import { createMetaAccount, customerEvent, customerMessage, newIgsid, newMid, notification, postMeta } from "../providers/meta/helpers";

afterEach(cleanUp);

// GET /api/v1/tickets/{id} is read by third parties through its OpenAPI document: every field it
// returns must be in the document's schema.

describe("GET /api/v1/tickets/{id}: the messages as the OpenAPI document describes them", () => {
  it("a reply-to and a reaction (Instagram) are shown, and every field of every message is in the Message schema", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Response.json({ recipient_id: "x", message_id: newMid() })));
    const queueId = await createQueue();
    const account = await createMetaAccount(queueId);
    const admin = await createUser({ role: "admin" });
    const igsid = newIgsid();
    const first = newMid();
    const second = newMid();
    const t0 = Date.now();
    expect((await postMeta(account.key, notification([customerMessage(igsid, first, "Kargom nerede? 📦", t0)]))).status).toBe(200);
    expect((await postMeta(account.key, notification([customerMessage(igsid, second, "Şu sipariş 👆", t0 + 1000, { reply_to: { mid: first } })]))).status).toBe(200);
    const reaction = customerEvent(igsid, { reaction: { mid: first, action: "react", reaction: "love", emoji: "❤️" } }, t0 + 2000);
    expect((await postMeta(account.key, notification([reaction]))).status).toBe(200);

    const tickets = await call(`/api/v1/tickets?queueId=${queueId}`, { token: admin.token });
    const detail = await call(`/api/v1/tickets/${tickets.data.items[0].id}`, { token: admin.token });
    expect(detail.status).toBe(200);
    expect(detail.data.messages.map((m: any) => [m.body, m.replyTo, m.reaction, m.translation])).toEqual([
      ["Kargom nerede? 📦", null, "❤️", null],
      ["Şu sipariş 👆", first, null, null],
    ]);

    const doc = (await call("/api/openapi.json")).data;
    const message = doc.components.schemas.Message;
    for (const m of detail.data.messages) {
      expect(Object.keys(m).filter((k) => !(k in message.properties))).toEqual([]);
      expect(message.required.filter((k: string) => !(k in m))).toEqual([]);
    }
    expect(message.properties.reaction).toMatchObject({ type: ["string", "null"] });
    expect(message.properties.replyTo).toMatchObject({ type: ["string", "null"] });
    expect(doc.components.schemas.MessageTranslation.required).toEqual(["language", "text", "sourceLanguage"]);
  });
});
