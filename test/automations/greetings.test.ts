import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { postTelegram, telegramUpdate } from "../helpers/hub";
import { cleanUp } from "../helpers/session";
import { closeTicketInD1, customerWrites, delivered, endConversationInD1, stubNetwork, systemMessagesOf, telegramAccount, ticketsOf } from "./helpers";

// Welcome and new-conversation messages, as a Telegram customer receives them.

let userSeq = 8_100_000;

afterEach(cleanUp);

const account = (messages: Record<string, string>) => telegramAccount({ messages });

const welcome = "Merhaba {{contact.firstName}} 👋 {{account.name}} destek hattına hoş geldiniz! Talep numaranız #{{ticket.id}}.";
const newConversation = "{{contact.name}}, talebiniz {{queue.name}} ekibine iletildi 🙏";

describe("welcome", () => {
  it("is sent once when a new contact's first two messages arrive at once, and never again to that contact", async () => {
    const net = stubNetwork();
    const { id, key } = await account({ welcome });
    const customer = ++userSeq;
    await Promise.all([customerWrites(key, customer, 1, "Merhaba"), customerWrites(key, customer, 2, "Siparişim nerede? 📦")]);

    const [ticket] = await ticketsOf(id, customer);
    const text = `Merhaba Zeynep 👋 Support bot destek hattına hoş geldiniz! Talep numaranız #${ticket!.id}.`;
    expect(await systemMessagesOf(id, customer)).toMatchObject([{ ticket_id: ticket!.id, body: text, client_msg_id: "auto:welcome" }]);
    expect(await delivered(() => net.textsTo(customer), 1)).toEqual([text]);

    // Closed, the contact writes again: a new ticket, but this is not their first message ever.
    await closeTicketInD1(ticket!.id);
    await customerWrites(key, customer, 3, "Bir sorum daha var");
    expect(await ticketsOf(id, customer)).toHaveLength(2);
    expect((await systemMessagesOf(id, customer)).map((m) => m.client_msg_id)).toEqual(["auto:welcome"]);
  });

  it("is not sent when the account has no welcome text", async () => {
    stubNetwork();
    const { id, key } = await account({});
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Merhaba");
    expect(await systemMessagesOf(id, customer)).toEqual([]);
  });
});

describe("new conversation", () => {
  it("is sent for each new conversation, whether on a new ticket or the same one, and once within one", async () => {
    const net = stubNetwork();
    const { id, key, queueId } = await account({ welcome: "Hoş geldiniz 🌷", newConversation });
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Merhaba");
    await customerWrites(key, customer, 2, "Faturam hatalı geldi 🧾");
    const [first] = await ticketsOf(id, customer);
    const conversations = async () =>
      (await env.DB.prepare("SELECT id FROM conversations WHERE ticket_id IN (SELECT id FROM tickets WHERE contact_id = (SELECT contact_id FROM tickets WHERE id = ?1)) ORDER BY id").bind(first!.id).all<{ id: number }>()).results.map((r) => r.id);
    const [c1] = await conversations();
    const text = `Zeynep Çelik, talebiniz Queue ${queueId} ekibine iletildi 🙏`;
    expect((await systemMessagesOf(id, customer)).map((m) => [m.client_msg_id, m.body])).toEqual([
      ["auto:welcome", "Hoş geldiniz 🌷"],
      [`auto:conversation:${c1}`, text],
    ]);
    expect(await delivered(() => net.textsTo(customer), 2)).toEqual(["Hoş geldiniz 🌷", text]);

    // The conversation ends on a timer; the ticket stays open and the next message opens another conversation in it.
    await endConversationInD1(first!.id);
    await customerWrites(key, customer, 3, "Hâlâ bekliyorum ⌛");
    // The ticket is closed; the next message opens a new ticket and conversation.
    await closeTicketInD1(first!.id);
    await customerWrites(key, customer, 4, "Yeni bir konu 🙂");

    const [, c2, c3] = await conversations();
    const tickets = await ticketsOf(id, customer);
    expect(tickets).toHaveLength(2);
    expect((await systemMessagesOf(id, customer)).map((m) => [m.client_msg_id, m.ticket_id, m.conversation_id])).toEqual([
      ["auto:welcome", first!.id, c1],
      [`auto:conversation:${c1}`, first!.id, c1],
      [`auto:conversation:${c2}`, first!.id, c2],
      [`auto:conversation:${c3}`, tickets[1]!.id, c3],
    ]);
  });

  it("is not repeated when Telegram retries the update that opened the conversation", async () => {
    stubNetwork();
    const { id, key } = await account({ newConversation });
    const customer = ++userSeq;
    const update = telegramUpdate({ updateId: 8_199_001 + customer, userId: customer, messageId: 1, text: "Merhaba" });
    expect((await postTelegram(key, update)).status).toBe(200);
    expect((await postTelegram(key, update)).status).toBe(200);
    expect(await systemMessagesOf(id, customer)).toHaveLength(1);
  });
});
