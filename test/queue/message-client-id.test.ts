import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ticketHistory } from "../../src/db/replies";
import { messageViewSchema } from "../../src/kinds/views";
import { call } from "../helpers/api";
import { BOT_API, BOT_TOKEN, createUser, postTelegram, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, desk } from "../helpers/session";

afterEach(cleanUp);

// A reply's view carries the clientMsgId its agent chose, wherever the view comes from (the socket's
// frames, the history a newly assigned agent gets, GET /api/v1/tickets/{id}), so that a desk that
// reloaded can still resend a failed reply as the same message.

describe("message views: the agent's clientMsgId", () => {
  it("a failed reply shows its clientMsgId in every view; resent with it, the same message goes out", async () => {
    const sends: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = input instanceof Request ? input.url : String(input);
        if (!url.startsWith(`${BOT_API}/bot${BOT_TOKEN}/`)) throw new Error(`unexpected fetch ${url}`);
        const body = JSON.parse(String(input instanceof Request ? await input.text() : init?.body));
        sends.push(body.text);
        // The first send is refused for good, as Telegram answers a chat it cannot write to.
        if (sends.length === 1) return Response.json({ ok: false, error_code: 400, description: "Bad Request: chat not found" }, { status: 400 });
        return Response.json({ ok: true, result: { message_id: 700 + sends.length, date: 1763700200, chat: { id: body.chat_id, type: "private" }, text: body.text } });
      }),
    );
    const { queueId, key } = await desk();
    const user = await createUser({ queues: [queueId] });
    const agent = await connect(user.token, queueId);
    await postTelegram(key, telegramUpdate({ updateId: 97001, userId: 7970001, messageId: 1, text: "Kargom nerede? 📦" }));
    const ticketId = (await agent.next("offer")).ticket.id as number;
    agent.send({ type: "accept", ticketId });
    const assigned = await agent.next("ticket.assigned");
    expect(assigned.messages.map((m: { clientMsgId?: string }) => m.clientMsgId)).toEqual([undefined]);

    agent.send({ type: "reply", ticketId, text: "Kargonuz yolda 🚚", clientMsgId: "c-kargo-1" });
    const queued = await agent.next("reply.queued");
    expect(messageViewSchema.parse(queued.message)).toMatchObject({ direction: "out", clientMsgId: "c-kargo-1" });
    expect(await agent.next("delivery")).toMatchObject({ messageId: queued.message.id, status: "failed", reason: "Bad Request: chat not found" });
    agent.send({ type: "note", ticketId, text: "Adres eksik olabilir", clientMsgId: "n-adres" });
    expect((await agent.next("note.added")).message).toMatchObject({ direction: "note", clientMsgId: "n-adres" });

    // The history a newly assigned agent is shown, and the API's detail.
    const history = await ticketHistory(env.DB, ticketId);
    expect(history.map((m) => [m.direction, m.clientMsgId])).toEqual([
      ["in", undefined],
      ["out", "c-kargo-1"],
      ["note", "n-adres"],
    ]);
    const detail = await call(`/api/v1/tickets/${ticketId}`, { token: user.token });
    expect(detail.status).toBe(200);
    const failed = detail.data.messages.find((m: { direction: string }) => m.direction === "out");
    expect(failed).toMatchObject({ id: queued.message.id, status: "failed", statusReason: "Bad Request: chat not found", clientMsgId: "c-kargo-1" });
    expect(detail.data.messages.find((m: { direction: string }) => m.direction === "in").clientMsgId).toBeUndefined();
    const doc = (await call("/api/openapi.json")).data;
    expect(doc.components.schemas.Message.properties.clientMsgId).toMatchObject({ type: "string" });

    // Resent with the id the API gave: the same message, queued again, then sent.
    agent.send({ type: "reply", ticketId, text: failed.body, clientMsgId: failed.clientMsgId, resend: true });
    const again = await agent.next("reply.queued");
    expect(again.message).toMatchObject({ id: queued.message.id, status: "queued", statusReason: null, clientMsgId: "c-kargo-1" });
    expect(await agent.next("delivery")).toMatchObject({ messageId: queued.message.id, status: "sent", reason: null });
    expect(sends).toEqual(["Kargonuz yolda 🚚", "Kargonuz yolda 🚚"]);
  });

  it("the hub's own keyed messages do not show their key", async () => {
    const { queueId, key } = await desk({ conversation: { messages: { welcome: "Merhaba, hoş geldiniz 👋" } } });
    vi.stubGlobal("fetch", vi.fn(async () => Response.json({ ok: true, result: { message_id: 1, date: 1763700200, chat: { id: 1, type: "private" }, text: "x" } })));
    const user = await createUser({ queues: [queueId] });
    const agent = await connect(user.token, queueId);
    await postTelegram(key, telegramUpdate({ updateId: 97002, userId: 7970002, messageId: 1, text: "Selam" }));
    const ticketId = (await agent.next("offer")).ticket.id as number;
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE ticket_id = ?1 AND client_msg_id IS NOT NULL").bind(ticketId).first<{ n: number }>();
    const history = await ticketHistory(env.DB, ticketId);
    expect(history.every((m) => m.clientMsgId === undefined)).toBe(true);
    // Only meaningful when the welcome was stored with its key.
    expect(stored!.n).toBeGreaterThan(0);
  });
});
