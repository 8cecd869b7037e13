import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { postTelegram, queueStub, telegramUpdate } from "../helpers/hub";
import { cleanUp } from "../helpers/session";
import { agentTakes, closeTicketInD1, customerWrites, delivered, historyOf, stubNetwork, systemMessagesOf, telegramAccount, ticketsOf } from "./helpers";

// The customer's ticket commands, typed in Telegram.

let userSeq = 8_400_000;

afterEach(cleanUp);

const account = (conversation: Record<string, unknown> = { multipleConversations: true }) => telegramAccount(conversation);

const setSubject = (ticketId: number, subject: string) => env.DB.prepare("UPDATE tickets SET subject = ?2 WHERE id = ?1").bind(ticketId, subject).run();
const lastSystem = async (accountId: string, customer: number) => (await systemMessagesOf(accountId, customer)).at(-1)!;

describe("new ticket command", () => {
  it("ends the conversation, keeps the old ticket open, opens a current one in the queue and tells its number", async () => {
    const net = stubNetwork();
    const { id, key, queueId } = await account();
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Faturam hatalı geldi 🧾");
    await customerWrites(key, customer, 2, "/new");

    const [old, fresh] = await ticketsOf(id, customer);
    expect(old).toMatchObject({ status: "open", current: null });
    expect(fresh).toMatchObject({ status: "open", current: 1, queue_id: queueId });
    const conversations = await env.DB.prepare("SELECT ticket_id, open, end_reason FROM conversations WHERE ticket_id IN (?1, ?2) ORDER BY id")
      .bind(old!.id, fresh!.id)
      .all();
    expect(conversations.results).toEqual([
      { ticket_id: old!.id, open: null, end_reason: "new_ticket" },
      { ticket_id: fresh!.id, open: 1, end_reason: null },
    ]);

    const answer = `Your new ticket is #${fresh!.id}. Write your message and an agent will be with you.`;
    const history = await historyOf(id, customer);
    expect(history.map((m) => [m.ticket_id, m.direction, m.body])).toEqual([
      [old!.id, "in", "Faturam hatalı geldi 🧾"],
      [old!.id, "in", "/new"],
      [fresh!.id, "system", answer],
    ]);
    expect(history[2]!.client_msg_id).toBe(`auto:command:${history[1]!.id}`);
    expect(await delivered(() => net.textsTo(customer), 1)).toEqual([answer]);
    expect((await queueStub(queueId).snapshot()).tickets.map((t) => t.id).sort()).toEqual([old!.id, fresh!.id].sort());

    // What the customer writes next belongs to the new ticket.
    await customerWrites(key, customer, 3, "Kargom da gelmedi 📦");
    expect((await historyOf(id, customer)).at(-1)).toMatchObject({ ticket_id: fresh!.id, body: "Kargom da gelmedi 📦" });
  });

  it("opens one ticket when Telegram retries the update", async () => {
    stubNetwork();
    const { id, key } = await account();
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Merhaba");
    const update = telegramUpdate({ updateId: 8_490_000 + customer, userId: customer, messageId: 2, text: "/NEW" });
    expect((await postTelegram(key, update)).status).toBe(200);
    expect((await postTelegram(key, update)).status).toBe(200);
    expect(await ticketsOf(id, customer)).toHaveLength(2);
    expect(await systemMessagesOf(id, customer)).toHaveLength(1);
  });

  it("keeps a ticket the command itself opened: a first message of /new makes one ticket", async () => {
    stubNetwork();
    const { id, key, queueId } = await account();
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "/new");
    const tickets = await ticketsOf(id, customer);
    expect(tickets).toMatchObject([{ current: 1, status: "open" }]);
    expect((await lastSystem(id, customer)).body).toBe(`Your new ticket is #${tickets[0]!.id}. Write your message and an agent will be with you.`);
    expect((await queueStub(queueId).snapshot()).tickets.map((t) => t.id)).toEqual([tickets[0]!.id]);
  });

  it("greets the new conversation and, when the customer is waiting, tells the position", async () => {
    const net = stubNetwork();
    const { id, key } = await account({
      multipleConversations: true,
      messages: { newConversation: "Talep #{{ticket.id}} açıldı ✅", queuePosition: "Sıranız: {{queue.position}}" },
    });
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Merhaba");
    await customerWrites(key, customer, 2, "/new");
    const [, fresh] = await ticketsOf(id, customer);
    const texts = (await systemMessagesOf(id, customer)).filter((m) => m.ticket_id === fresh!.id).map((m) => m.body);
    // Two tickets wait: the old one (first) and the new one.
    expect(texts).toEqual([`Your new ticket is #${fresh!.id}. Write your message and an agent will be with you.`, `Talep #${fresh!.id} açıldı ✅`, "Sıranız: 2"]);
    // One ticket's messages arrive in order (another ticket's may come in between).
    expect((await delivered(() => net.textsTo(customer), 5)).filter((t) => texts.includes(t))).toEqual(texts);
  });

  it("tells the agent holding the old ticket that the customer typed it", async () => {
    stubNetwork();
    const { key, queueId } = await account();
    const customer = ++userSeq;
    const { desk, ticket } = await agentTakes(queueId, key, customer, "Merhaba");
    await customerWrites(key, customer, 2, "/new");
    expect((await desk.next("message")).message).toMatchObject({ ticketId: ticket.id, body: "/new", direction: "in" });
    // The agent still has room, so the new ticket is offered to them.
    expect((await desk.next("offer")).ticket.id).not.toBe(ticket.id);
  });
});

describe("switch command", () => {
  it("makes one of the contact's open tickets current; the next message goes there", async () => {
    const net = stubNetwork();
    const { id, key } = await account();
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Faturam hatalı 🧾");
    await customerWrites(key, customer, 2, "/new");
    const [first] = await ticketsOf(id, customer);
    await customerWrites(key, customer, 3, `/ticket ${first!.id}`);

    expect((await ticketsOf(id, customer)).map((t) => t.current)).toEqual([1, null]);
    const answer = await lastSystem(id, customer);
    expect(answer).toMatchObject({ ticket_id: first!.id, body: `Now continuing ticket #${first!.id}.` });
    expect(await delivered(() => net.textsTo(customer), 2)).toContain(`Now continuing ticket #${first!.id}.`);
    await customerWrites(key, customer, 4, "Fatura numarası 2025-1432");
    expect((await historyOf(id, customer)).at(-1)).toMatchObject({ ticket_id: first!.id, direction: "in" });
  });

  it("gives the same polite answer for unknown, closed and someone else's tickets, and changes nothing", async () => {
    stubNetwork();
    const { id, key } = await account();
    const other = ++userSeq;
    await customerWrites(key, other, 1, "Başka bir müşteri");
    const [othersTicket] = await ticketsOf(id, other);
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Eski konu");
    const [closed] = await ticketsOf(id, customer);
    await closeTicketInD1(closed!.id);
    await customerWrites(key, customer, 2, "Yeni konu");
    const current = (await ticketsOf(id, customer)).find((t) => t.current === 1)!;

    let messageId = 2;
    for (const target of [othersTicket!.id, closed!.id, 999_999_999]) {
      await customerWrites(key, customer, ++messageId, `/ticket #${target}`);
      expect(await lastSystem(id, customer)).toMatchObject({ ticket_id: current.id, body: `We couldn't find an open ticket #${target} of yours.` });
    }
    expect((await ticketsOf(id, customer)).map((t) => [t.id, t.current])).toEqual([
      [closed!.id, null],
      [current.id, 1],
    ]);
    expect((await ticketsOf(id, other)).map((t) => t.current)).toEqual([1]);
  });

  it("explains itself when typed without a number", async () => {
    stubNetwork();
    const { id, key } = await account({ multipleConversations: true, commands: { switchTicket: "/talep" } });
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "/TALEP");
    expect((await lastSystem(id, customer)).body).toBe("Write /talep followed by a ticket number, e.g. /talep 1432.");
  });
});

describe("list command", () => {
  it("lists the contact's open tickets, the current one marked apart, with subjects", async () => {
    const net = stubNetwork();
    const { id, key } = await account();
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Faturam hatalı 🧾");
    await customerWrites(key, customer, 2, "/new");
    await customerWrites(key, customer, 3, "Kargom gelmedi 📦");
    const [fatura, kargo] = await ticketsOf(id, customer);
    await setSubject(fatura!.id, "Fatura");
    await setSubject(kargo!.id, "Kargo gecikmesi");
    await customerWrites(key, customer, 4, "/Tickets");

    const list = [
      "Your open tickets (▶ is the one you are writing in):",
      `▶ #${kargo!.id} — Kargo gecikmesi`,
      `• #${fatura!.id} — Fatura`,
      "To continue another one, write /ticket and its number.",
    ].join("\n");
    expect(await lastSystem(id, customer)).toMatchObject({ ticket_id: kargo!.id, body: list });
    expect(await delivered(() => net.textsTo(customer), 2)).toContain(list);
  });

  it("leaves subjects out when the account says so, and lists only open tickets", async () => {
    stubNetwork();
    const { id, key } = await account({ multipleConversations: true, listShowsSubject: false, commands: { listTickets: "/taleplerim" } });
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Eski konu");
    const [closed] = await ticketsOf(id, customer);
    await setSubject(closed!.id, "Kapanan");
    await closeTicketInD1(closed!.id);
    await customerWrites(key, customer, 2, "Yeni konu");
    const current = (await ticketsOf(id, customer)).find((t) => t.current === 1)!;
    await setSubject(current.id, "Gizli konu");
    await customerWrites(key, customer, 3, "/TALEPLERİM");
    expect((await lastSystem(id, customer)).body).toBe(
      `Your open tickets (▶ is the one you are writing in):\n▶ #${current.id}\nTo continue another one, write /ticket and its number.`,
    );
  });
});

describe("answers in the account's own words", () => {
  it("renders each command's answer from the account's templates, in Turkish", async () => {
    stubNetwork();
    const { id, key } = await account({
      multipleConversations: true,
      commands: { newTicket: "/yeni", switchTicket: "/talep", listTickets: "/taleplerim" },
      commandAnswers: {
        newTicket: "{{contact.firstName}}, yeni talebiniz #{{ticket.id}} açıldı ✅ (#{{ticket.id}})",
        ticketSwitched: "#{{ticket.id}} numaralı talebe devam ediyoruz.",
        ticketNotFound: "#{{ticket.id}} numaralı açık bir talebiniz bulunamadı.",
        switchUsage: "Talep numarasıyla yazın: {{command}} 1432",
        ticketList: "Açık talepleriniz:\n{{tickets}}\nDevam etmek için: {{command}} <numara>",
      },
    });
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Faturam hatalı 🧾");
    await customerWrites(key, customer, 2, "/YENİ");
    const [first, second] = await ticketsOf(id, customer);
    expect((await lastSystem(id, customer)).body).toBe(`Zeynep, yeni talebiniz #${second!.id} açıldı ✅ (#${second!.id})`);
    await customerWrites(key, customer, 3, "/talep 999999");
    expect((await lastSystem(id, customer)).body).toBe("#999999 numaralı açık bir talebiniz bulunamadı.");
    await customerWrites(key, customer, 4, "/talep");
    expect((await lastSystem(id, customer)).body).toBe("Talep numarasıyla yazın: /talep 1432");
    await customerWrites(key, customer, 5, `/talep ${first!.id}`);
    expect((await lastSystem(id, customer)).body).toBe(`#${first!.id} numaralı talebe devam ediyoruz.`);
    await customerWrites(key, customer, 6, "/taleplerim");
    expect((await lastSystem(id, customer)).body).toBe(`Açık talepleriniz:\n▶ #${first!.id}\n• #${second!.id}\nDevam etmek için: /talep <numara>`);
  });

  it("refuses an answer template with a variable it cannot fill", async () => {
    const { conversationSettingsSchema } = await import("../../src/domain/conversation-settings");
    const parsed = conversationSettingsSchema.safeParse({ commandAnswers: { ticketSwitched: "Devam: {{queue.position}}" } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(["commandAnswers", "ticketSwitched"]);
  });
});

describe("without multiple conversations", () => {
  it("treats commands as ordinary text", async () => {
    stubNetwork();
    const { id, key, queueId } = await account({ multipleConversations: false });
    const customer = ++userSeq;
    await customerWrites(key, customer, 1, "Merhaba");
    await customerWrites(key, customer, 2, "/new");
    await customerWrites(key, customer, 3, "/tickets");
    expect(await ticketsOf(id, customer)).toHaveLength(1);
    expect(await systemMessagesOf(id, customer)).toEqual([]);
    const [waiting] = (await queueStub(queueId).snapshot()).tickets;
    expect(waiting).toMatchObject({ state: "waiting" });
  });
});
