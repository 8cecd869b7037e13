import { afterEach, describe, expect, it } from "vitest";
import { postTelegram, telegramUpdate } from "../helpers/hub";
import { cleanUp } from "../helpers/session";
import { customerWrites, delivered, stubNetwork, systemMessagesOf, telegramAccount, ticketsOf } from "./helpers";

// The order in which a new customer hears the hub's automatic messages, as Telegram is asked to send them.

let userSeq = 8_300_000;

afterEach(cleanUp);

// Saturday 22 November 2025, 11:30 in Istanbul: closed on weekends.
const SATURDAY = Date.parse("2025-11-22T08:30:00Z");

const messages = {
  welcome: "Merhaba {{contact.firstName}} 👋 {{account.name}} destek hattına hoş geldiniz!",
  newConversation: "Talebiniz #{{ticket.id}} açıldı 🎫",
  outOfHours: "Şu an kapalıyız 🌙 Çalışma saatlerimiz: {{businessHours}}.",
  away: "Şu an müsait temsilcimiz yok 🙏",
  queuePosition: "Sıranız: {{queue.position}} ⏳",
};

describe("automatic messages to a new customer", () => {
  it("arrive welcome first, then new conversation, out of hours, away and the queue position, in that order", async () => {
    const net = stubNetwork();
    const { id, key } = await telegramAccount({
      businessHours: { timezone: "Europe/Istanbul", windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" }] },
      messages,
    });
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Kimse var mı? Siparişim gelmedi 📦", SATURDAY);

    const [ticket] = await ticketsOf(id, customer);
    const expected = [
      "Merhaba Zeynep 👋 Support bot destek hattına hoş geldiniz!",
      `Talebiniz #${ticket!.id} açıldı 🎫`,
      "Şu an kapalıyız 🌙 Çalışma saatlerimiz: Mon–Fri 09:00–18:00 (Europe/Istanbul).",
      "Şu an müsait temsilcimiz yok 🙏",
      "Sıranız: 1 ⏳",
    ];
    expect((await systemMessagesOf(id, customer)).map((m) => m.body)).toEqual(expected);
    expect(await delivered(() => net.textsTo(customer), expected.length)).toEqual(expected);
  });

  it("with nobody available during open hours: welcome, then away; a retried update adds nothing", async () => {
    const net = stubNetwork();
    const { id, key } = await telegramAccount({ messages: { welcome: messages.welcome, away: messages.away } });
    const customer = ++userSeq;
    const update = telegramUpdate({ updateId: 990_001 + customer, userId: customer, messageId: 1, text: "Merhaba, iade yapmak istiyorum ↩️" });
    expect((await postTelegram(key, update)).status).toBe(200);
    expect((await postTelegram(key, update)).status).toBe(200);

    const expected = ["Merhaba Zeynep 👋 Support bot destek hattına hoş geldiniz!", "Şu an müsait temsilcimiz yok 🙏"];
    expect((await systemMessagesOf(id, customer)).map((m) => m.body)).toEqual(expected);
    expect(await delivered(() => net.textsTo(customer), expected.length)).toEqual(expected);
  });
});
