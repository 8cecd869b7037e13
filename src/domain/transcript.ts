// A ticket's transcript: readable text, an HTML page and every message as JSON, zipped together.
import { strToU8, zipSync } from "fflate";
import type { AttachmentMeta, MessageStatus } from "../kinds/message";
import { isTimeZone } from "./weekly-schedule.ts";

export type TranscriptMessage = {
  id: number;
  conversationId: number | null;
  direction: "in" | "out" | "note" | "system";
  author: { id: string; name: string | null } | null;
  body: string;
  attachments: AttachmentMeta[];
  status: MessageStatus;
  statusReason: string | null;
  providerMessageId: string | null;
  sentAt: number | null;
  createdAt: number;
  updatedAt: number;
  editedAt: number | null;
  deletedAt: number | null;
  reaction: string | null;
  replyTo: string | null;
  revisions: { body: string; replacedAt: number }[];
  translation: { language: string; text: string; sourceLanguage: string | null } | null;
};

export type Transcript = {
  ticket: {
    id: number;
    status: string;
    subject: string | null;
    tags: string[];
    disposition: string | null;
    createdAt: number;
    closedAt: number | null;
    assignee: { id: string; name: string | null } | null;
  };
  account: { id: string; name: string; provider: string };
  queue: { id: string; name: string };
  contact: { id: number; name: string; handle: string; username: string | null };
  conversations: { id: number; startedAt: number; endedAt: number | null; endReason: string | null }[];
  messages: TranscriptMessage[];
  /** The IANA zone the text and the page show times in. */
  timeZone: string;
};

/** The first of the candidates that is a real IANA zone, else UTC. */
export function transcriptZone(...candidates: unknown[]): string {
  for (const c of candidates) if (typeof c === "string" && isTimeZone(c)) return c;
  return "UTC";
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** "2026-12-03 21:40:28" in the zone. */
export function localTime(at: number, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** Attachment metadata as exported: a story mention's reference (its media URL) never leaves, whatever a row holds. */
function exportedAttachment(a: AttachmentMeta): AttachmentMeta {
  if (a.kind !== "story_mention") return a;
  const { ref: _ref, ...rest } = a;
  return rest;
}

function who(m: TranscriptMessage, t: Transcript): string {
  switch (m.direction) {
    case "in":
      return t.contact.name;
    case "out":
      return m.author ? (m.author.name ?? m.author.id) : `${t.account.name} (automatic)`;
    case "note":
      return `Note by ${m.author ? (m.author.name ?? m.author.id) : "the hub"}`;
    case "system":
      return "System";
  }
}

function attachmentText(a: AttachmentMeta): string {
  return [a.kind, a.name, a.mimeType, a.size !== undefined ? `${a.size} bytes` : undefined].filter(Boolean).join(", ");
}

/** Status of an outgoing message worth showing next to it. */
function deliveryNote(m: TranscriptMessage): string | null {
  if (m.direction !== "out") return null;
  return m.statusReason ? `${m.status}: ${m.statusReason}` : m.status;
}

export function transcriptText(t: Transcript): string {
  const at = (ms: number) => localTime(ms, t.timeZone);
  const lines = [
    `Ticket #${t.ticket.id}${t.ticket.subject ? ` — ${t.ticket.subject}` : ""}`,
    `Account: ${t.account.name} (${t.account.provider}) · Queue: ${t.queue.name}`,
    `Contact: ${t.contact.name} (${[t.contact.username ? `@${t.contact.username}` : null, t.contact.handle].filter(Boolean).join(", ")})`,
    `Status: ${t.ticket.status}${t.ticket.disposition ? ` · Disposition: ${t.ticket.disposition}` : ""}${t.ticket.tags.length ? ` · Tags: ${t.ticket.tags.join(", ")}` : ""}`,
    `Agent: ${t.ticket.assignee ? (t.ticket.assignee.name ?? t.ticket.assignee.id) : "—"}`,
    `Opened: ${at(t.ticket.createdAt)}${t.ticket.closedAt !== null ? ` · Closed: ${at(t.ticket.closedAt)}` : ""}`,
    `Times are in ${t.timeZone}.`,
    "",
  ];
  for (const m of t.messages) {
    const delivery = deliveryNote(m);
    const body = m.deletedAt !== null ? "(unsent by the customer)" : m.body;
    lines.push(`[${at(m.createdAt)}] ${who(m, t)}: ${body}${delivery ? `  [${delivery}]` : ""}`);
    for (const a of m.attachments) lines.push(`    attachment: ${attachmentText(exportedAttachment(a))}`);
    for (const r of m.revisions) lines.push(`    earlier version (until ${at(r.replacedAt)}): ${r.body}`);
    if (m.translation) lines.push(`    translation (${m.translation.language}): ${m.translation.text}`);
    if (m.reaction) lines.push(`    reaction: ${m.reaction}`);
  }
  return `${lines.join("\r\n")}\r\n`;
}

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => escapes[c]!);

export function transcriptHtml(t: Transcript): string {
  const e = escapeHtml;
  const at = (ms: number) => e(localTime(ms, t.timeZone));
  const rows = t.messages.map((m) => {
    const body = m.deletedAt !== null ? "<em>(unsent by the customer)</em>" : e(m.body).replaceAll("\n", "<br>");
    const extra = [
      ...m.attachments.map((a) => `<li>attachment: ${e(attachmentText(exportedAttachment(a)))}</li>`),
      ...m.revisions.map((r) => `<li>earlier version (until ${at(r.replacedAt)}): ${e(r.body)}</li>`),
      ...(m.translation ? [`<li>translation (${e(m.translation.language)}): ${e(m.translation.text)}</li>`] : []),
      ...(m.reaction ? [`<li>reaction: ${e(m.reaction)}</li>`] : []),
    ];
    const delivery = deliveryNote(m);
    return `<div class="m ${m.direction}"><div class="h"><time>${at(m.createdAt)}</time> <b>${e(who(m, t))}</b>${delivery ? ` <span class="s">${e(delivery)}</span>` : ""}</div><div class="b">${body}</div>${extra.length ? `<ul>${extra.join("")}</ul>` : ""}</div>`;
  });
  const title = `Ticket #${t.ticket.id}${t.ticket.subject ? ` — ${t.ticket.subject}` : ""}`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>${e(title)}</title>
<style>body{font-family:sans-serif;max-width:50em;margin:1em auto}.m{margin:.5em 0;padding:.4em .6em;border-radius:6px;background:#f3f3f3}.out{background:#e3f0ff}.note{background:#fff6d6}.system{background:#eee;color:#555}.h{font-size:.85em;color:#555}.s{float:right}.b{white-space:normal}</style></head>
<body><h1>${e(title)}</h1>
<p>${e(t.account.name)} (${e(t.account.provider)}) · ${e(t.queue.name)}<br>Contact: ${e(t.contact.name)} (${e([t.contact.username ? `@${t.contact.username}` : null, t.contact.handle].filter(Boolean).join(", "))})<br>Status: ${e(t.ticket.status)}${t.ticket.disposition ? ` · Disposition: ${e(t.ticket.disposition)}` : ""}${t.ticket.tags.length ? ` · Tags: ${e(t.ticket.tags.join(", "))}` : ""}<br>Opened ${at(t.ticket.createdAt)}${t.ticket.closedAt !== null ? ` · Closed ${at(t.ticket.closedAt)}` : ""} · times in ${e(t.timeZone)}</p>
${rows.join("\n")}
</body></html>
`;
}

/** Every message with everything stored of it; times as epoch milliseconds. */
export function transcriptJson(t: Transcript): string {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return `${JSON.stringify(
    {
      ticket: t.ticket,
      account: t.account,
      queue: t.queue,
      contact: t.contact,
      conversations: t.conversations,
      timeZone: t.timeZone,
      messages: t.messages.map((m) => ({
        ...m,
        note: m.direction === "note",
        system: m.direction === "system",
        createdAtIso: iso(m.createdAt),
        attachments: m.attachments.map(exportedAttachment),
      })),
    },
    null,
    2,
  )}\n`;
}

/** The zip: transcript.txt, transcript.html, messages.json. */
export function transcriptZip(t: Transcript, now = Date.now()): Uint8Array {
  const mtime = new Date(now);
  return zipSync(
    {
      "transcript.txt": [strToU8(transcriptText(t)), { mtime }],
      "transcript.html": [strToU8(transcriptHtml(t)), { mtime }],
      "messages.json": [strToU8(transcriptJson(t)), { mtime }],
    },
    { level: 6 },
  );
}
