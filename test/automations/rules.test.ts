import { describe, expect, it } from "vitest";
import { closedAt, greetings, needsQueueStatus, outOfHours, positionOnArrival, render, templateVars } from "../../src/automations/automatic-messages";
import { parseCommand, ticketLines } from "../../src/automations/commands";
import { conversationSettingsSchema, resolveConversationSettings } from "../../src/domain/conversation-settings";

// The pure rules behind the automatic messages and the customer commands, with the clock passed in.

const settings = (s: Record<string, unknown> = {}) => resolveConversationSettings(conversationSettingsSchema.parse(s), {});
const defaults = settings().commands;
const istanbulHours = { timezone: "Europe/Istanbul", windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" }], holidays: [{ date: "2025-10-29", name: "Cumhuriyet Bayramı" }] };
const utc = (iso: string) => Date.parse(`${iso}Z`);

describe("parseCommand", () => {
  it("recognises each command in the whole trimmed text, whatever the case", () => {
    expect(parseCommand("/new", defaults)).toEqual({ kind: "newTicket" });
    expect(parseCommand("  /NEW \n", defaults)).toEqual({ kind: "newTicket" });
    expect(parseCommand("/Tickets", defaults)).toEqual({ kind: "listTickets" });
    expect(parseCommand("/ticket 1432", defaults)).toEqual({ kind: "switchTicket", ticketId: 1432, given: "1432" });
    expect(parseCommand("/TICKET   #1432", defaults)).toEqual({ kind: "switchTicket", ticketId: 1432, given: "1432" });
    expect(parseCommand("/ticket@DestekBot 7", defaults)).toEqual({ kind: "switchTicket", ticketId: 7, given: "7" });
    expect(parseCommand("/ticket", defaults)).toEqual({ kind: "switchTicket", ticketId: null, given: "" });
  });

  it("leaves ordinary text alone, including text that only starts like a command", () => {
    for (const text of ["Merhaba 👋", "/new ticket please", "/newer", "/ticketsx", "/ticket 12 lütfen", "/ticket abc", "please /new", "/ticket 1.5", ""]) {
      expect(parseCommand(text, defaults), text).toBeNull();
    }
  });

  it("matches Turkish commands whatever the keyboard does with the dotted and dotless i", () => {
    const turkish = settings({ commands: { newTicket: "/yeni", switchTicket: "/talep", listTickets: "/taleplerim" } }).commands;
    expect(parseCommand("/YENİ", turkish)).toEqual({ kind: "newTicket" });
    expect(parseCommand("/YENI", turkish)).toEqual({ kind: "newTicket" });
    expect(parseCommand("/yenı", turkish)).toEqual({ kind: "newTicket" });
    expect(parseCommand("/TALEPLERİM", turkish)).toEqual({ kind: "listTickets" });
    expect(parseCommand("/Talep 58", turkish)).toEqual({ kind: "switchTicket", ticketId: 58, given: "58" });
    expect(parseCommand("/new", turkish)).toBeNull();
  });
});

describe("ticketLines", () => {
  const tickets = [
    { id: 1398, subject: "Kargo gecikmesi 📦", current: false },
    { id: 1432, subject: "Fatura", current: true },
    { id: 1400, subject: null, current: false },
  ];

  it("puts the current ticket first, marked apart, with subjects", () => {
    expect(ticketLines(tickets, true)).toBe(["▶ #1432 — Fatura", "• #1398 — Kargo gecikmesi 📦", "• #1400"].join("\n"));
  });

  it("leaves subjects out when the account says so", () => {
    expect(ticketLines(tickets, false)).toBe(["▶ #1432", "• #1398", "• #1400"].join("\n"));
  });

  it("shortens long subjects and long lists", () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ id: 100 + i, subject: "Ş".repeat(80), current: i === 0 }));
    const lines = ticketLines(many, true).split("\n");
    expect(lines[0]).toBe(`▶ #100 — ${"Ş".repeat(59)}…`);
    expect(lines).toContain("… +5");
    expect(lines.filter((l) => l.startsWith("•"))).toHaveLength(19);
  });
});

describe("automatic messages", () => {
  it("greets a new contact and each new conversation, only when the event created them", () => {
    const s = settings({ messages: { welcome: "Hoş geldiniz 👋", newConversation: "Talep #{{ticket.id}} açıldı" } });
    expect(greetings(s, { contactCreated: true, conversationCreated: true, conversationId: 9 })).toEqual([
      { key: "welcome", template: "Hoş geldiniz 👋" },
      { key: "conversation:9", template: "Talep #{{ticket.id}} açıldı" },
    ]);
    expect(greetings(s, { contactCreated: false, conversationCreated: true, conversationId: 10 })).toEqual([{ key: "conversation:10", template: "Talep #{{ticket.id}} açıldı" }]);
    expect(greetings(s, { contactCreated: false, conversationCreated: false, conversationId: 10 })).toEqual([]);
    expect(greetings(settings(), { contactCreated: true, conversationCreated: true, conversationId: 9 })).toEqual([]);
  });

  it("is out of hours exactly when the business hours say closed, at the instant given", () => {
    const s = settings({ businessHours: istanbulHours, messages: { outOfHours: "Kapalıyız 🌙" } });
    // Friday 21 November 2025 in Istanbul (UTC+3): open until 18:00 local.
    expect(closedAt(s, utc("2025-11-21T14:59:59"))).toBe(false);
    expect(closedAt(s, utc("2025-11-21T15:00:00"))).toBe(true);
    expect(closedAt(s, utc("2025-11-24T06:00:00"))).toBe(false); // Monday 09:00
    expect(closedAt(s, utc("2025-10-29T09:00:00"))).toBe(true); // a Wednesday, but a holiday
    expect(closedAt(settings(), utc("2025-11-23T03:00:00"))).toBe(false); // no hours: always open
    expect(outOfHours(s, 4, utc("2025-11-21T15:00:00"))).toEqual([{ key: "out-of-hours:4", template: "Kapalıyız 🌙" }]);
    expect(outOfHours(s, 4, utc("2025-11-21T14:59:59"))).toEqual([]);
    expect(outOfHours(settings({ businessHours: istanbulHours }), 4, utc("2025-11-21T15:00:00"))).toEqual([]);
  });

  it("tells the position only while the ticket waits", () => {
    const s = settings({ messages: { queuePosition: "Sıranız: {{queue.position}}" } });
    expect(positionOnArrival(s, 3, { position: 2, waiting: 5, estimateS: 200 })).toEqual([{ key: "position:3:arrival", template: "Sıranız: {{queue.position}}" }]);
    expect(positionOnArrival(s, 3, null)).toEqual([]);
    expect(positionOnArrival(settings(), 3, { position: 2, waiting: 5, estimateS: 200 })).toEqual([]);
    expect(needsQueueStatus([{ key: "k", template: "Sıranız: {{ queue.position }}" }])).toBe(true);
    expect(needsQueueStatus([{ key: "k", template: "Merhaba {{contact.name}}" }])).toBe(false);
  });

  it("renders every variable offered, queue ones only with a status", () => {
    const s = settings({ businessHours: istanbulHours });
    const all =
      "{{contact.name}}|{{contact.firstName}}|{{ticket.id}}|{{queue.name}}|{{queue.position}}|{{queue.waitMinutes}}|{{queue.wait}}|{{businessHours}}|{{account.name}}";
    const source = { contactName: "Zeynep Çelik", ticketId: 1432, queueName: "Destek", accountName: "Mağaza 🛍️" };
    expect(render([{ key: "k", template: all }], templateVars(s, { ...source, status: { position: 3, waiting: 4, estimateS: 250 } }))).toEqual([
      { key: "k", text: "Zeynep Çelik|Zeynep|1432|Destek|3|5|about 5 minutes|Mon–Fri 09:00–18:00 (Europe/Istanbul)|Mağaza 🛍️" },
    ]);
    expect(render([{ key: "k", template: "Sıranız {{queue.position}} / {{businessHours}}" }], templateVars(settings(), { ...source, status: null }))).toEqual([
      { key: "k", text: "Sıranız / " },
    ]);
    // A template that renders to nothing is not sent.
    expect(render([{ key: "k", template: "{{queue.position}}" }], templateVars(s, { ...source, status: null }))).toEqual([]);
  });
});
