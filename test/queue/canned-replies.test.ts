import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { agentIn, cleanUp, connect, desk, heldTicket, messagesOf, stubBotApi } from "./desk";

afterEach(cleanUp);

let n = 0;
async function canned(scope: string, shortcut: string, body: string) {
  await env.DB.prepare("INSERT INTO canned_answers (id, scope, shortcut, body) VALUES (?1, ?2, ?3, ?4)").bind(crypto.randomUUID(), scope, shortcut, body).run();
}

describe("replies with a canned answer", () => {
  it("sends the account's answer rendered for the ticket, before a global one of the same shortcut", async () => {
    const calls = stubBotApi();
    const { queueId, key, account } = await desk({ queueName: `Destek ${crypto.randomUUID().slice(0, 6)}` });
    const queueName = (await env.DB.prepare("SELECT name FROM queues WHERE id = ?1").bind(queueId).first<{ name: string }>())!.name;
    const sc = `iade-${++n}`;
    await canned("global", sc, "Genel iade metni");
    await canned(account.id, sc, "Merhaba {{contact.firstName}} 👋 #{{ticket.id}} için {{queue.name}} ekibinden {{agent.name}} yazıyor ({{account.name}}); tam ad: {{contact.name}}");
    await canned("global", `kargo-${n}`, "Kargonuz yolda 🚚");
    const a = await agentIn(queueId, "Ayşe Yılmaz");
    const ayse = await connect(a.token, queueId);
    const { ticketId, customer } = await heldTicket(key, ayse);

    ayse.send({ type: "reply", ticketId, canned: sc, clientMsgId: "c-1" });
    const queued = await ayse.next("reply.queued");
    const expected = `Merhaba Zeynep 👋 #${ticketId} için ${queueName} ekibinden Ayşe Yılmaz yazıyor (Support bot); tam ad: Zeynep Çelik`;
    expect(queued.message.body).toBe(expected);
    expect(await ayse.next("delivery", 15_000)).toMatchObject({ status: "sent" });

    ayse.send({ type: "reply", ticketId, canned: `kargo-${n}`, clientMsgId: "c-2" });
    expect((await ayse.next("reply.queued")).message.body).toBe("Kargonuz yolda 🚚");
    await ayse.next("delivery", 15_000);

    // What the customer got.
    expect(calls.map((c) => [c.body.chat_id, c.body.text])).toEqual([
      [customer, expected],
      [customer, "Kargonuz yolda 🚚"],
    ]);
  }, 30_000);

  it("refuses an unknown shortcut, another account's answer, and a frame with both text and canned, storing nothing", async () => {
    const calls = stubBotApi();
    const { queueId, key } = await desk();
    const other = await desk();
    await canned(other.account.id, `yabanci-${++n}`, "Başka hesabın yanıtı");
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse);

    ayse.send({ type: "reply", ticketId, canned: "yok-boyle-bir-sey", clientMsgId: "x-1" });
    expect(await ayse.next("error")).toMatchObject({ code: "no_such_canned_answer", ref: { ticketId, canned: "yok-boyle-bir-sey" } });
    ayse.send({ type: "reply", ticketId, canned: `yabanci-${n}`, clientMsgId: "x-2" });
    expect(await ayse.next("error")).toMatchObject({ code: "no_such_canned_answer" });
    ayse.send({ type: "reply", ticketId, canned: `yabanci-${n}`, text: "merhaba", clientMsgId: "x-3" });
    expect(await ayse.next("error")).toMatchObject({ code: "invalid_frame" });
    ayse.send({ type: "reply", ticketId, clientMsgId: "x-4" });
    expect(await ayse.next("error")).toMatchObject({ code: "invalid_frame" });

    expect((await messagesOf(ticketId)).filter((m) => m.direction !== "in")).toEqual([]);
    expect(calls).toEqual([]);
  });
});
