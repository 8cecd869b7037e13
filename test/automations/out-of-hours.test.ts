import { afterEach, describe, expect, it } from "vitest";
import { queueStub } from "../helpers/hub";
import { cleanUp } from "../helpers/session";
import { closeTicketInD1, customerWrites, delivered, historyOf, stubNetwork, systemMessagesOf, telegramAccount, ticketsOf } from "./helpers";

// Out of hours, judged at the moment Telegram says the customer wrote (the update's `date`), so
// time is driven by the updates themselves: no waiting, no clock mocking.

let userSeq = 8_200_000;

afterEach(cleanUp);

const utc = (iso: string) => Date.parse(`${iso}Z`);
// Friday 21 November 2025 and the Monday after, in Istanbul (UTC+3).
const FRIDAY_17_59 = utc("2025-11-21T14:59:00");
const FRIDAY_18_30 = utc("2025-11-21T15:30:00");
const MONDAY_09_05 = utc("2025-11-24T06:05:00");

const account = () =>
  telegramAccount({
    businessHours: { timezone: "Europe/Istanbul", windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" }] },
    messages: { outOfHours: "Merhaba {{contact.firstName}}, şu an kapalıyız 🌙 Çalışma saatlerimiz: {{businessHours}}. Talebiniz #{{ticket.id}} sırada." },
  });

const closedText = (ticketId: number) =>
  `Merhaba Zeynep, şu an kapalıyız 🌙 Çalışma saatlerimiz: Mon–Fri 09:00–18:00 (Europe/Istanbul). Talebiniz #${ticketId} sırada.`;

describe("out of hours", () => {
  it("answers a message written while closed, and the ticket still waits in the queue", async () => {
    const net = stubNetwork();
    const { id, key, queueId } = await account();
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Kargom hâlâ gelmedi 📦", FRIDAY_18_30);
    const [ticket] = await ticketsOf(id, customer);
    expect((await systemMessagesOf(id, customer)).map((m) => [m.client_msg_id, m.body])).toEqual([[expect.stringMatching(/^auto:out-of-hours:\d+$/), closedText(ticket!.id)]]);
    expect(await delivered(() => net.textsTo(customer), 1)).toEqual([closedText(ticket!.id)]);
    expect((await queueStub(queueId).snapshot()).tickets.map((t) => [t.id, t.state])).toEqual([[ticket!.id, "waiting"]]);
  });

  it("is sent once per conversation: the next message, written after the hours flipped to open, gets none", async () => {
    stubNetwork();
    const { id, key } = await account();
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Faturamda hata var 🧾", FRIDAY_18_30);
    await customerWrites(key, customer, 2, "Pazartesi oldu, bakabilir misiniz?", MONDAY_09_05);
    await customerWrites(key, customer, 3, "Hâlâ kapalı mısınız? 🌙", FRIDAY_18_30 + 60_000);
    const history = await historyOf(id, customer);
    expect(history.map((m) => m.direction)).toEqual(["in", "system", "in", "in"]);
    expect(history[1]!.client_msg_id).toBe(`auto:out-of-hours:${history[0]!.conversation_id}`);
  });

  it("says nothing to a message written while open, even one delivered after closing time", async () => {
    stubNetwork();
    const { id, key } = await account();
    const early = ++userSeq;
    const monday = ++userSeq;
    // Both updates reach the hub now, long after these instants: what counts is when the customer wrote.
    await customerWrites(key, early, 1, "Son dakika sorusu ⏰", FRIDAY_17_59);
    await customerWrites(key, monday, 1, "Günaydın ☀️", MONDAY_09_05);
    expect(await systemMessagesOf(id, early)).toEqual([]);
    expect(await systemMessagesOf(id, monday)).toEqual([]);
    // The same account does answer a closed-hours message: the silence above is the hours' doing.
    const late = ++userSeq;
    await customerWrites(key, late, 1, "İyi akşamlar", FRIDAY_18_30);
    expect(await systemMessagesOf(id, late)).toHaveLength(1);
  });

  it("is sent again for a new conversation written while closed", async () => {
    stubNetwork();
    const { id, key } = await account();
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Merhaba", FRIDAY_18_30);
    await closeTicketInD1((await ticketsOf(id, customer))[0]!.id);
    await customerWrites(key, customer, 2, "Yine ben 🙋‍♀️", FRIDAY_18_30 + 3_600_000);
    const sent = await systemMessagesOf(id, customer);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.conversation_id).not.toBe(sent[1]!.conversation_id);
  });

  it("follows the queue's own hours where the queue has them, over the account's", async () => {
    stubNetwork();
    // A night shift queue (18:00–02:00 in Istanbul): open at Friday 18:30, when the account's hours say closed.
    const acct = await telegramAccount(
      {
        businessHours: { timezone: "Europe/Istanbul", windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" }] },
        messages: { outOfHours: "Kapalıyız: {{businessHours}}" },
      },
      { businessHours: { timezone: "Europe/Istanbul", windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "18:00", to: "02:00" }], holidays: [] } },
    );
    const evening = ++userSeq;
    await customerWrites(acct.key, evening, 1, "Akşam sorusu 🌆", FRIDAY_18_30);
    expect(await systemMessagesOf(acct.id, evening)).toEqual([]);
    const morning = ++userSeq;
    await customerWrites(acct.key, morning, 1, "Sabah sorusu", MONDAY_09_05);
    expect((await systemMessagesOf(acct.id, morning)).map((m) => m.body)).toEqual(["Kapalıyız: Mon–Fri 18:00–02:00 (Europe/Istanbul)"]);
  });
});
