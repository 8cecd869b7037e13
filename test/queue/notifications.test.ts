import { afterEach, describe, expect, it } from "vitest";
import { agentIn, cleanUp, connect, customerWrites, desk, newCustomer, stubBotApi } from "./desk";

afterEach(cleanUp);

const unique = () => crypto.randomUUID().slice(0, 6);

describe("new-interaction notifications", () => {
  it("offers carry the account's template rendered for the ticket, with its sound and shake", async () => {
    stubBotApi();
    const queueName = `Destek Türkiye ${unique()}`;
    const { queueId, key } = await desk({
      queueName,
      conversation: { notification: { template: "🔔 {{contact.name}} ({{source}}, {{account.name}}) → {{queue.name}} #{{ticket.id}}", sound: false, shake: true } },
    });
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    await customerWrites(key, newCustomer(), "Merhaba 👋");
    const offer = await ayse.next("offer");
    expect(offer.notification).toEqual({ text: `🔔 Zeynep Çelik (Telegram, Support bot) → ${queueName} #${offer.ticket.id}`, sound: false, shake: true });

    // The open offer, as a second tab's hello shows it, carries it too.
    const tab = await connect(a.token, queueId);
    expect(tab.all("hello")[0]!.offers.map((o: any) => o.notification)).toEqual([offer.notification]);
  });

  it("without settings, the default text with sound", async () => {
    stubBotApi();
    const queueName = `Satış ${unique()}`;
    const { queueId, key } = await desk({ queueName });
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    await customerWrites(key, newCustomer(), "Fiyat sorusu");
    expect((await ayse.next("offer")).notification).toEqual({ text: `New conversation from Zeynep Çelik (Support bot) in ${queueName}`, sound: true, shake: false });
  });

  it("Close Auto Assign: ticket.waiting carries it", async () => {
    stubBotApi();
    const queueName = `Çağrı ${unique()}`;
    const { queueId, key } = await desk({ queueName, routing: { closeAutoAssign: true }, conversation: { notification: { template: "{{contact.name}} bekliyor ⏳", shake: true } } });
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    await customerWrites(key, newCustomer(), "Yardım lazım");
    const waiting = await ayse.next("ticket.waiting");
    expect(waiting.notification).toEqual({ text: "Zeynep Çelik bekliyor ⏳", sound: true, shake: true });
  });
});
