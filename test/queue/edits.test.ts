import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { call } from "../helpers/api";
import { createQueue } from "../helpers/hub";
import { createMetaAccount, customerMessage, IG, newIgsid, newMid, notification, postMeta } from "../providers/meta/helpers";
import { agentIn, cleanUp, connect, heldTicket, stubBotApi, desk } from "./desk";

afterEach(cleanUp);

const revisionsOf = async (messageId: number) =>
  (await env.DB.prepare("SELECT body FROM message_revisions WHERE message_id = ?1 ORDER BY id").bind(messageId).all<{ body: string }>()).results.map((r) => r.body);

describe("agents' edits of sent replies", () => {
  it("a provider without edits (Instagram) refuses clearly, before anything is stored or sent", async () => {
    const sends: any[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        expect(String(input)).toContain(`/${IG}/messages`);
        sends.push(JSON.parse(String(init?.body)));
        return Response.json({ recipient_id: "x", message_id: newMid() });
      }),
    );
    const queueId = await createQueue();
    const account = await createMetaAccount(queueId);
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    await postMeta(account.key, notification([customerMessage(newIgsid(), newMid(), "İade nasıl yapılır?")]));
    const ticketId = (await ayse.next("offer")).ticket.id;
    ayse.send({ type: "accept", ticketId });
    await ayse.next("ticket.assigned");
    ayse.send({ type: "reply", ticketId, text: "İade kodunuz: TR-4821", clientMsgId: "r1" });
    const queued = await ayse.next("reply.queued");
    expect(await ayse.next("delivery", 15_000)).toMatchObject({ status: "sent" });

    ayse.send({ type: "edit", ticketId, messageId: queued.message.id, text: "İade kodunuz: TR-4822 ✅" });
    const refused = await ayse.next("error");
    expect(refused).toMatchObject({ code: "edit_not_supported", ref: { ticketId, messageId: queued.message.id } });
    expect(refused.message).toBe("Instagram (meta) does not let a sent message be edited; send a new reply instead");
    const row = await env.DB.prepare("SELECT body, edited_at FROM messages WHERE id = ?1").bind(queued.message.id).first();
    expect(row).toEqual({ body: "İade kodunuz: TR-4821", edited_at: null });
    expect(await revisionsOf(queued.message.id)).toEqual([]);
    expect(sends.map((b) => b.message.text)).toEqual(["İade kodunuz: TR-4821"]);
    expect(ayse.all("message.updated")).toEqual([]);
  }, 30_000);

  it("Telegram: the customer's copy is edited, and the history keeps every version", async () => {
    const calls = stubBotApi();
    const { queueId, key } = await desk();
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    const { ticketId, customer } = await heldTicket(key, ayse);
    ayse.send({ type: "reply", ticketId, text: "Kargo 3 gün içinde 📦", clientMsgId: "r1" });
    const queued = await ayse.next("reply.queued");
    await ayse.next("delivery", 15_000);

    ayse.send({ type: "edit", ticketId, messageId: queued.message.id, text: "Kargo 2 gün içinde 📦" });
    await ayse.next("message.updated");
    ayse.send({ type: "edit", ticketId, messageId: queued.message.id, text: "Kargo yarın teslim ✅" });
    expect((await ayse.next("message.updated")).message.body).toBe("Kargo yarın teslim ✅");
    await vi.waitFor(() => expect(calls.filter((c) => c.method === "editMessageText")).toHaveLength(2), { timeout: 15_000, interval: 50 });
    // Each edit is delivered with the message's text at delivery time: the customer ends with the latest.
    const edits = calls.filter((c) => c.method === "editMessageText");
    const sent = calls.find((c) => c.method === "sendMessage")!;
    expect(sent.body).toMatchObject({ chat_id: customer, text: "Kargo 3 gün içinde 📦" });
    expect(edits.every((c) => c.body.chat_id === customer && c.body.message_id === 901)).toBe(true);
    expect(edits.at(-1)!.body.text).toBe("Kargo yarın teslim ✅");

    const detail = await call(`/api/v1/tickets/${ticketId}`, { token: a.token });
    const reply = detail.data.messages.find((m: any) => m.id === queued.message.id);
    expect(reply.body).toBe("Kargo yarın teslim ✅");
    expect(reply.editedAt).toBeGreaterThan(0);
    expect(reply.revisions.map((r: any) => r.body)).toEqual(["Kargo 3 gün içinde 📦", "Kargo 2 gün içinde 📦"]);
    expect(detail.data.messages.find((m: any) => m.direction === "in").revisions).toEqual([]);
  }, 30_000);
});
