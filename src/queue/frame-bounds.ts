// How much a frame to an agent, and so a row of the replay log, may hold. Customer text has no
// limit of its own (a provider may send far more than a desk can show); D1 keeps it whole and
// `GET /api/v1/tickets/{id}` shows it, the socket carries a bounded cut. Pure: no bindings.
import type { ServerFrame } from "./protocol";
import type { MessageView, TicketView } from "../kinds/views";

/** Characters of a message's body (and of its translation) a frame carries; more is cut and flagged `truncated`. */
export const FRAME_TEXT_MAX = 4096;
/** UTF-8 bytes of one frame as sent and as kept in the replay log (Cloudflare's row limit is 2 MB). */
export const FRAME_MAX_BYTES = 512 * 1024;
/** Characters of a ticket's contact name or username kept in the queue's views. */
export const VIEW_NAME_MAX = 200;
/** Characters of a waiting ticket's preview. */
export const PREVIEW_MAX = 140;
/** What is left of each message's body, and of any long string, when a frame is still too large. */
const LAST_RESORT_CHARS = 256;

/** Cuts `text` to `max` characters (code points: an emoji is never split). */
export function cut(text: string, max: number): { text: string; cut: boolean } {
  if (text.length <= max) return { text, cut: false };
  let end = 0;
  for (let n = 0; n < max && end < text.length; n++) end += text.codePointAt(end)! > 0xffff ? 2 : 1;
  return end >= text.length ? { text, cut: false } : { text: text.slice(0, end), cut: true };
}

/** The message with its body and translation cut to `max` characters; `truncated: true` when anything was cut. */
export function boundMessage(m: MessageView, max = FRAME_TEXT_MAX): MessageView {
  const body = cut(m.body, max);
  const translation = m.translation && cut(m.translation.text, max);
  if (!body.cut && !translation?.cut) return m;
  return { ...m, body: body.text, ...(m.translation && translation ? { translation: { ...m.translation, text: translation.text } } : {}), truncated: true };
}

export function boundView(view: TicketView): TicketView {
  const name = cut(view.contact.name, VIEW_NAME_MAX);
  const username = view.contact.username === null ? null : cut(view.contact.username, VIEW_NAME_MAX);
  if (!name.cut && !username?.cut) return view;
  return { ...view, contact: { ...view.contact, name: name.text, username: username?.text ?? null } };
}

export const boundPreview = (preview: string) => cut(preview, PREVIEW_MAX).text;

/** UTF-8 size of a text, counted without encoding it. */
export function utf8Bytes(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      n += 2; // a surrogate pair: 4 bytes for its 2 units
      i++;
    } else if (c >= 0x800) n += 2;
    else if (c >= 0x80) n += 1;
  }
  return n;
}

const LIMIT = FRAME_MAX_BYTES - 64; // room for `seq`

/** Within the bound; a short text (3 bytes a unit at most) is not even counted. */
function fits(frame: ServerFrame) {
  const json = JSON.stringify(frame);
  return json.length * 3 <= LIMIT || utf8Bytes(json) <= LIMIT;
}

/**
 * The frame as it may be sent and logged: every message's text bounded; then, if the frame is
 * still over FRAME_MAX_BYTES, a history (`messages`) loses its oldest messages first, and as a
 * last resort every message keeps a short cut of its body and no attachments, and every other
 * long string is cut.
 */
export function boundFrame(frame: ServerFrame): ServerFrame {
  let out = mapMessages(frame, (m) => boundMessage(m));
  if (fits(out)) return out;
  if ((out.type === "ticket.assigned" || out.type === "transfer.failed") && out.messages && out.messages.length > 1) {
    const sizes = out.messages.map((m) => utf8Bytes(JSON.stringify(m)) + 1);
    let over = utf8Bytes(JSON.stringify(out)) - LIMIT;
    let drop = 0;
    while (over > 0 && drop < sizes.length - 1) over -= sizes[drop++]!;
    out = { ...out, messages: out.messages.slice(drop) };
    if (fits(out)) return out;
  }
  out = mapMessages(out, (m) => ({ ...boundMessage(m, LAST_RESORT_CHARS), attachments: [], truncated: true }));
  return cutStrings(out, LAST_RESORT_CHARS) as ServerFrame;
}

/** The frame with `f` applied to each message it carries; the same frame when nothing changed. */
function mapMessages(frame: ServerFrame, f: (m: MessageView) => MessageView): ServerFrame {
  switch (frame.type) {
    case "message":
    case "message.updated":
    case "reply.queued":
    case "note.added": {
      const message = f(frame.message);
      return message === frame.message ? frame : { ...frame, message };
    }
    case "ticket.assigned":
    case "transfer.failed": {
      const messages = frame.messages?.map(f);
      return !messages || messages.every((m, i) => m === frame.messages![i]) ? frame : { ...frame, messages };
    }
    default:
      return frame;
  }
}

function cutStrings(value: unknown, max: number): unknown {
  if (typeof value === "string") return cut(value, max).text;
  if (Array.isArray(value)) return value.map((v) => cutStrings(v, max));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cutStrings(v, max)]));
  return value;
}
