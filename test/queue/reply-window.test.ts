import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { createMetaAccount, customerMessage, newIgsid, newMid, notification, postMeta } from "../providers/meta/helpers";
import { agentIn, cleanUp, connect, customerWrites, desk, heldTicket, stubBotApi } from "./desk";
import { createQueue, settle } from "../helpers/hub";

afterEach(cleanUp);

const HOUR = 3_600_000;

describe("reply windows in agents' ticket views", () => {
  it("Instagram: the window closes 24 h after the customer's last message, and moves with each new one", async () => {
    const queueId = await createQueue();
    const account = await createMetaAccount(queueId);
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    const igsid = newIgsid();
    const firstAt = Date.now() - 2 * HOUR;
    expect((await postMeta(account.key, notification([customerMessage(igsid, newMid(), "Merhaba, iade nasıl yapılır? 📦", firstAt)]))).status).toBe(200);
    const ticketId = (await ayse.next("offer")).ticket.id;
    ayse.send({ type: "accept", ticketId });
    const assigned = await ayse.next("ticket.assigned");
    expect(assigned.ticket.replyWindow).toEqual({ open: true, closesAt: firstAt + 24 * HOUR, kind: "24h" });

    const secondAt = Date.now() - 1000;
    await postMeta(account.key, notification([customerMessage(igsid, newMid(), "Sipariş no 5521", secondAt)]));
    expect((await ayse.next("message")).message.body).toBe("Sipariş no 5521");
    const updated = await ayse.next("ticket.updated");
    expect(updated.ticket).toMatchObject({ id: ticketId, unread: 2, replyWindow: { open: true, closesAt: secondAt + 24 * HOUR, kind: "24h" } });

    // Past the window, the API says it is closed.
    await env.DB.prepare("UPDATE messages SET sent_at = sent_at - ?2 WHERE ticket_id = ?1 AND direction = 'in'").bind(ticketId, 25 * HOUR).run();
    const detail = await call(`/api/v1/tickets/${ticketId}`, { token: a.token });
    expect(detail.data.replyWindow).toEqual({ open: false, closesAt: secondAt - 25 * HOUR + 24 * HOUR, kind: "24h" });
    ayse.close();
    const again = await connect(a.token, queueId);
    expect(again.all("hello")[0]!.tickets[0].replyWindow).toEqual({ open: false, closesAt: secondAt - HOUR, kind: "24h" });
  });

  it("Instagram with the human agent permission: 7 days", async () => {
    const queueId = await createQueue();
    const account = await createMetaAccount(queueId, { settings: { humanAgent: true } });
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    const at = Date.now() - 30 * HOUR;
    await postMeta(account.key, notification([customerMessage(newIgsid(), newMid(), "Selam", at)]));
    ayse.send({ type: "accept", ticketId: (await ayse.next("offer")).ticket.id });
    expect((await ayse.next("ticket.assigned")).ticket.replyWindow).toEqual({ open: true, closesAt: at + 7 * 24 * HOUR, kind: "7d" });
  });

  it("Telegram has none: always open, and customer messages bring no ticket.updated", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    const { assigned, customer } = await heldTicket(key, ayse);
    expect(assigned.ticket.replyWindow).toEqual({ open: true, closesAt: null, kind: "none" });
    await customerWrites(key, customer, "Orada mısınız?");
    await ayse.next("message");
    await settle();
    expect(ayse.all("ticket.updated")).toEqual([]);
  });
});
