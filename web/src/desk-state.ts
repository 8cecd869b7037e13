// What the desk shows, as a pure function of the frames the hub sent. No DOM, no socket.
import type { MessageView, OfferView, SequencedFrame, TicketView } from "./protocol";

export type Connection = "connecting" | "online" | "reconnecting" | "closed";

export type Conversation = {
  ticket: TicketView;
  /** Oldest first; notes and system messages included. */
  messages: MessageView[];
  /** The history is known whole (from ticket.assigned or the API), not only the live frames. */
  loaded: boolean;
  ended?: string;
  /** Instagram story mentions' media, by message id: sent live only, never stored or replayed. */
  storyMentions?: Record<number, string>;
  lastActivity: number;
};

export type DeskState = {
  connection: Connection;
  /** A line for the connection banner: why it dropped, that it resumed and what it replayed. */
  connectionNote: string;
  agent: { id: string; name: string; status: "online" | "away" | "offline" } | null;
  offers: OfferView[];
  /** Close Auto Assign queues: tickets waiting for someone to pick them, oldest first. */
  waiting: { ticket: TicketView; preview: string }[];
  conversations: Map<number, Conversation>;
  selected: number | null;
  /** Highest sequence number processed: the socket reconnects with it. */
  lastSeq: number;
  /** The hub's latest refusal, shown until the next one or dismissed. */
  error: { code: string; message: string } | null;
  /** hello.complete was false: some missed frames were pruned; the desk reloads what it holds. */
  needsReload: boolean;
  /** Each account's dispositions, as the hub named them when it refused a close. */
  dispositions: Record<string, string[]>;
  /** The latest seq when the last hello came: frames up to it are replays, already counted in hello's state. */
  replayUntil: number;
  /**
   * Close Auto Assign: the seq of the last frame that listed (present) or removed (taken, assigned,
   * erased) each ticket of the waiting list, so that a list read from the API meanwhile cannot undo it.
   */
  waitingMarks: Record<number, { seq: number; present: boolean }>;
  /** The seq the last waiting list read from the API was asked at: an older answer is ignored. */
  waitingListedAt: number;
};

export const initialDeskState = (): DeskState => ({
  connection: "connecting",
  connectionNote: "",
  agent: null,
  offers: [],
  waiting: [],
  conversations: new Map(),
  selected: null,
  lastSeq: 0,
  error: null,
  needsReload: false,
  dispositions: {},
  replayUntil: 0,
  waitingMarks: {},
  waitingListedAt: -1,
});

function markWaiting(s: DeskState, ticketId: number, seq: number, present: boolean): DeskState {
  return { ...s, waitingMarks: { ...s.waitingMarks, [ticketId]: { seq, present } } };
}

function upsertMessage(conv: Conversation, m: MessageView): Conversation {
  const i = conv.messages.findIndex((x) => x.id === m.id);
  const messages = conv.messages.slice();
  if (i >= 0) messages[i] = m;
  else {
    messages.push(m);
    // Frames arrive in order; a replayed or API-loaded message may not.
    if (messages.length > 1 && messages[messages.length - 2]!.id > m.id) messages.sort((a, b) => a.id - b.id);
  }
  return { ...conv, messages, lastActivity: Math.max(conv.lastActivity, m.createdAt) };
}

function withConversation(s: DeskState, ticketId: number, f: (c: Conversation) => Conversation): DeskState {
  const conv = s.conversations.get(ticketId);
  if (!conv) return s;
  const conversations = new Map(s.conversations);
  conversations.set(ticketId, f(conv));
  return { ...s, conversations };
}

function drop(s: DeskState, ticketId: number): DeskState {
  const conversations = new Map(s.conversations);
  conversations.delete(ticketId);
  const offers = s.offers.filter((o) => o.ticket.id !== ticketId);
  const selected = s.selected === ticketId ? (conversations.keys().next().value ?? null) : s.selected;
  return { ...s, conversations, offers, selected };
}

/** How many of a ticket's latest messages `ticket.assigned` carries at most (src/db/replies.ts). */
export const ASSIGNED_HISTORY_LIMIT = 50;

/** Whether a history a frame carried is the whole of it: not cut to the latest, no message shortened. */
const whole = (messages: MessageView[]) => messages.length < ASSIGNED_HISTORY_LIMIT && !messages.some((m) => m.truncated);

function put(s: DeskState, ticket: TicketView, messages: MessageView[] | undefined): DeskState {
  const conversations = new Map(s.conversations);
  const old = conversations.get(ticket.id);
  const msgs = messages ?? old?.messages ?? [];
  conversations.set(ticket.id, {
    ticket,
    messages: msgs,
    // A longer history came cut to its latest messages: the rest is read from the API.
    loaded: (messages !== undefined && whole(messages)) || (old?.loaded ?? false),
    lastActivity: Math.max(ticket.createdAt, ...msgs.map((m) => m.createdAt)),
  });
  const offers = s.offers.filter((o) => o.ticket.id !== ticket.id);
  return { ...s, conversations, offers, selected: s.selected ?? ticket.id };
}

/** The desk after one frame. */
export function applyFrame(s: DeskState, f: SequencedFrame): DeskState {
  // hello and error carry the latest seq, not their own, and replayed frames follow hello.
  if (f.type !== "hello" && f.type !== "error" && f.seq > s.lastSeq) s = { ...s, lastSeq: f.seq };
  // The hub carried out what the agent asked: an earlier refusal is old news.
  if (s.error && (f.type === "reply.queued" || f.type === "note.added" || f.type === "ticket.closed" || f.type === "ticket.assigned")) s = { ...s, error: null };
  switch (f.type) {
    case "hello": {
      const held = new Set(f.tickets.map((t) => t.id));
      let next: DeskState = {
        ...s,
        agent: f.agent,
        offers: f.offers,
        connection: "online",
        needsReload: !f.complete,
        replayUntil: f.seq,
        connectionNote: s.lastSeq > 0 ? `Reconnected: ${f.replayed} missed ${f.replayed === 1 ? "event" : "events"} replayed` : "",
      };
      // Frames were pruned: what the desk holds of each history may have gaps, so it is read again.
      const conversations = new Map(
        [...next.conversations].filter(([id]) => held.has(id)).map(([id, c]) => [id, f.complete ? c : { ...c, loaded: false }] as const),
      );
      next = { ...next, conversations };
      for (const t of f.tickets) next = put(next, t, undefined);
      if (next.selected !== null && !held.has(next.selected)) next = { ...next, selected: f.tickets[0]?.id ?? null };
      return next;
    }
    case "presence":
      return s.agent ? { ...s, agent: { ...s.agent, status: f.status } } : s;
    case "offer": {
      const { type: _t, seq: _s, ...offer } = f;
      return { ...s, offers: [...s.offers.filter((o) => o.ticket.id !== f.ticket.id), offer] };
    }
    case "offer.withdrawn":
      return { ...s, offers: s.offers.filter((o) => o.ticket.id !== f.ticketId) };
    case "ticket.assigned":
      return put(markWaiting({ ...s, waiting: s.waiting.filter((w) => w.ticket.id !== f.ticket.id) }, f.ticket.id, f.seq, false), f.ticket, f.messages);
    case "ticket.waiting":
      return markWaiting({ ...s, waiting: [...s.waiting.filter((w) => w.ticket.id !== f.ticket.id), { ticket: f.ticket, preview: f.preview }] }, f.ticket.id, f.seq, true);
    case "ticket.taken":
      return markWaiting({ ...s, waiting: s.waiting.filter((w) => w.ticket.id !== f.ticketId) }, f.ticketId, f.seq, false);
    case "message":
    case "message.updated":
      return withConversation(s, f.message.ticketId, (c) => {
        const next = upsertMessage(c, f.message);
        // A replayed message is already in hello's unread count.
        const fresh = f.type === "message" && f.message.direction === "in" && f.seq > s.replayUntil && !c.messages.some((m) => m.id === f.message.id);
        if (f.type === "message" && f.ephemeral?.kind === "story_mention") next.storyMentions = { ...c.storyMentions, [f.message.id]: f.ephemeral.url };
        return fresh ? { ...next, ticket: { ...next.ticket, unread: (next.ticket.unread ?? 0) + 1 } } : next;
      });
    case "reply.queued":
    case "note.added":
      return withConversation(s, f.message.ticketId, (c) => upsertMessage(c, f.message));
    case "message.translated":
      return withConversation(s, f.ticketId, (c) => ({
        ...c,
        messages: c.messages.map((m) => (m.id === f.messageId ? { ...m, translation: f.translation } : m)),
      }));
    case "delivery":
      return withConversation(s, f.ticketId, (c) => ({
        ...c,
        messages: c.messages.map((m) => (m.id === f.messageId ? { ...m, status: f.status, statusReason: f.reason } : m)),
      }));
    case "ticket.read":
      return withConversation(s, f.ticketId, (c) => ({ ...c, ticket: { ...c.ticket, unread: f.unread } }));
    case "ticket.updated":
      return withConversation(s, f.ticket.id, (c) => ({ ...c, ticket: { ...c.ticket, ...f.ticket } }));
    case "conversation.ended":
      return withConversation(s, f.ticketId, (c) => ({ ...c, ended: f.reason.replaceAll("_", " ") }));
    case "transfer.failed":
      return f.ticket ? put(s, f.ticket, f.messages) : s;
    case "ticket.deleted":
      return drop(markWaiting({ ...s, waiting: s.waiting.filter((w) => w.ticket.id !== f.ticketId) }, f.ticketId, f.seq, false), f.ticketId);
    case "ticket.closed":
    case "ticket.transferred":
    case "ticket.revoked":
      return drop(s, f.ticketId);
    case "error": {
      const next = { ...s, error: { code: f.code, message: f.message } };
      const ref = f.ref as { ticketId?: number; dispositions?: string[] } | undefined;
      const accountId = ref?.ticketId === undefined ? undefined : s.conversations.get(ref.ticketId)?.ticket.accountId;
      if (!accountId || !Array.isArray(ref?.dispositions)) return next;
      return { ...next, dispositions: { ...s.dispositions, [accountId]: ref.dispositions } };
    }
    default:
      return s;
  }
}

/** Held conversations, the most recently active first. */
export function conversationList(s: DeskState): Conversation[] {
  return [...s.conversations.values()].sort((a, b) => b.lastActivity - a.lastActivity || b.ticket.id - a.ticket.id);
}

/** The last message worth showing in the list: a customer's or agent's, not a note or system line. */
export function lastMessage(c: Conversation): MessageView | undefined {
  for (let i = c.messages.length - 1; i >= 0; i--) {
    const m = c.messages[i]!;
    if (m.direction === "in" || m.direction === "out") return m;
  }
  return undefined;
}

/** The whole history of a conversation, read from the API (after a reload, or for a ticket from hello). */
export function applyHistory(s: DeskState, ticketId: number, messages: MessageView[]): DeskState {
  return withConversation(s, ticketId, (c) => {
    let next: Conversation = { ...c, loaded: true };
    // Live frames that came while the history was read are kept: they are as new or newer.
    for (const m of messages) if (!c.messages.some((x) => x.id === m.id)) next = upsertMessage(next, m);
    return next;
  });
}

/** Where a waiting list read from the API now starts: frames after this seq are newer than the list may be. */
export const waitingListSeq = (s: DeskState) => Math.max(s.lastSeq, s.replayUntil);

/**
 * The waiting tickets that already existed when the socket (re)connected, read from the API: the
 * frames announce only new ones. `askedAt` is `waitingListSeq` when the request went out. Frames up
 * to it came before the list was read, so the list is the truth for them; a frame after it may
 * have come before or after the read, so it wins: a ticket it removed (taken by someone, picked,
 * erased) stays gone, one it listed stays. Tickets held here are not waiting. An answer asked
 * before the last one applied is ignored.
 */
export function applyWaitingList(s: DeskState, listed: DeskState["waiting"], askedAt: number): DeskState {
  if (askedAt < s.waitingListedAt) return s;
  const late = (id: number) => {
    const mark = s.waitingMarks[id];
    return mark && mark.seq > askedAt ? mark : undefined;
  };
  const byId = new Map(listed.filter((w) => !late(w.ticket.id)).map((w) => [w.ticket.id, w] as const));
  for (const w of s.waiting) if (late(w.ticket.id)?.present) byId.set(w.ticket.id, w);
  const waiting = [...byId.values()]
    .filter((w) => !s.conversations.has(w.ticket.id))
    .sort((a, b) => a.ticket.createdAt - b.ticket.createdAt || a.ticket.id - b.ticket.id);
  // Marks up to askedAt can no longer matter: every later list is asked at a higher seq.
  const waitingMarks = Object.fromEntries(Object.entries(s.waitingMarks).filter(([, m]) => m.seq > askedAt));
  return { ...s, waiting, waitingMarks, waitingListedAt: askedAt };
}
