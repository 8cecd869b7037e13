import type { ConversationSettings } from "../domain/conversation-settings";

/** A customer command, recognised in a message's whole text. */
export type CustomerCommand =
  | { kind: "newTicket" }
  /** `ticketId` null: the switch command without a number. */
  | { kind: "switchTicket"; ticketId: number | null; given: string }
  | { kind: "listTickets" };

/**
 * Case folding that treats the Turkish dotted and dotless i as i: "/YENİ" and "/yeni" are one
 * command, and so are "/TICKETS" and "/tickets" whatever the keyboard.
 */
function fold(text: string): string {
  return text.toLowerCase().replace(/\u0307/g, "").replace(/ı/g, "i");
}

// Telegram appends the bot's name to commands picked from its menu in groups: "/ticket@SupportBot 12".
const BOT_SUFFIX = /^(?:@[A-Za-z0-9_]{1,64})?/;

/**
 * The command a message's whole trimmed text is, or null for ordinary text. The switch command
 * takes one ticket number ("/ticket 1432", "/ticket #1432"); anything else after a command word
 * makes it ordinary text.
 */
export function parseCommand(text: string, commands: ConversationSettings["commands"]): CustomerCommand | null {
  const trimmed = text.trim();
  const folded = fold(trimmed);
  const rest = (command: string): string | null => {
    const word = fold(command);
    if (!folded.startsWith(word)) return null;
    const after = folded.slice(word.length).replace(BOT_SUFFIX, "");
    return after === "" || /^\s/u.test(after) ? after.trim() : null;
  };
  const list = rest(commands.listTickets);
  if (list === "") return { kind: "listTickets" };
  const fresh = rest(commands.newTicket);
  if (fresh === "") return { kind: "newTicket" };
  const target = rest(commands.switchTicket);
  if (target === "") return { kind: "switchTicket", ticketId: null, given: "" };
  const number = target === null ? null : /^#?(\d{1,15})$/.exec(target)?.[1];
  if (number) return { kind: "switchTicket", ticketId: Number(number), given: number };
  return null;
}

export type ListedTicket = { id: number; subject: string | null; current: boolean };

const MAX_LISTED = 20;
const MAX_SUBJECT = 60;

function shorten(subject: string): string {
  const s = subject.replace(/\s+/gu, " ").trim();
  const chars = [...s];
  return chars.length > MAX_SUBJECT ? `${chars.slice(0, MAX_SUBJECT - 1).join("")}…` : s;
}

/** The `{{tickets}}` of the list command's answer: one line per open ticket, the current one first and marked ▶. */
export function ticketLines(tickets: readonly ListedTicket[], showSubject: boolean): string {
  const ordered = [...tickets.filter((t) => t.current), ...tickets.filter((t) => !t.current)];
  const lines = ordered.slice(0, MAX_LISTED).map((t) => {
    const subject = showSubject && t.subject?.trim() ? ` — ${shorten(t.subject)}` : "";
    return `${t.current ? "▶" : "•"} #${t.id}${subject}`;
  });
  if (ordered.length > MAX_LISTED) lines.push(`… +${ordered.length - MAX_LISTED}`);
  return lines.join("\n");
}
