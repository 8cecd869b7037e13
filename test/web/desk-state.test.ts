import { describe, expect, it } from "vitest";
import { sequencedFrameSchema } from "../../src/queue/protocol";
import type { MessageView, TicketView } from "../../src/kinds/views";
import { applyFrame, applyHistory, applyWaitingList, conversationList, initialDeskState, lastMessage, waitingListSeq, type DeskState } from "../../web/src/desk-state";
import type { SequencedFrame } from "../../web/src/protocol";

// The desk's state is a pure function of the frames the hub sends: each frame here is first
// checked against the server's schema, so the desk is tested on frames the hub can send.
const frame = (f: unknown): SequencedFrame => sequencedFrameSchema.parse(f) as SequencedFrame;
const run = (s: DeskState, ...frames: unknown[]) => frames.reduce<DeskState>((acc, f) => applyFrame(acc, frame(f)), s);

const ticket: TicketView = {
  id: 7,
  accountId: "acc-1",
  accountName: "Bot",
  provider: "telegram",
  contact: { id: 1, name: "Maria", username: null },
  subject: null,
  createdAt: 1_000,
  tags: [],
  unread: 0,
};
const msg = (id: number, direction: MessageView["direction"], body: string, status: MessageView["status"] = direction === "in" ? "received" : "queued"): MessageView => ({
  id,
  ticketId: 7,
  direction,
  body,
  attachments: [],
  status,
  statusReason: null,
  authorId: null,
  createdAt: 1_000 + id,
  editedAt: null,
  deletedAt: null,
  reaction: null,
});
const hello = (seq: number, replayed = 0, tickets: TicketView[] = []) => ({
  type: "hello",
  seq,
  agent: { id: "u1", name: "Ayşe", status: "online", capacity: 3 },
  queue: { id: "q1" },
  tickets,
  offers: [],
  replayed,
  complete: true,
});

describe("desk state", () => {
  it("an offer, its acceptance, a reply and its delivery: the conversation and its tick", () => {
    let s = run(initialDeskState(), hello(0));
    expect(s.connection).toBe("online");
    s = run(s, { type: "offer", seq: 1, ticket, preview: "Hello", expiresAt: 99_999 });
    expect(s.offers.map((o) => o.ticket.id)).toEqual([7]);
    s = run(s, { type: "ticket.assigned", seq: 2, ticket, messages: [msg(1, "in", "Hello")] });
    expect(s.offers).toEqual([]);
    expect(s.selected).toBe(7);
    s = run(s, { type: "reply.queued", seq: 3, clientMsgId: "c1", message: msg(2, "out", "Hi!") });
    s = run(s, { type: "delivery", seq: 4, ticketId: 7, messageId: 2, status: "sent", reason: null });
    const conv = s.conversations.get(7)!;
    expect(conv.messages.map((m) => [m.id, m.status])).toEqual([
      [1, "received"],
      [2, "sent"],
    ]);
    expect(lastMessage(conv)?.body).toBe("Hi!");
    expect(s.lastSeq).toBe(4);
  });

  it("hello and error frames do not move lastSeq; a replayed frame already seen is not shown twice", () => {
    let s = run(initialDeskState(), hello(0), { type: "ticket.assigned", seq: 1, ticket, messages: [msg(1, "in", "Hello")] });
    s = run(s, { type: "message", seq: 2, message: msg(3, "in", "Still there?") });
    expect(s.lastSeq).toBe(2);
    // Reconnected with lastSeq 2, the hub's latest being 4: hello carries 4 and the current state
    // (two unread), then frames 3 and 4 follow; their message is counted once.
    s = run(s, hello(4, 2, [{ ...ticket, unread: 2 }]));
    expect(s.lastSeq).toBe(2);
    expect(s.connectionNote).toBe("Reconnected: 2 missed events replayed");
    s = run(s, { type: "error", seq: 4, code: "x", message: "refused" });
    expect(s.lastSeq).toBe(2);
    s = run(s, { type: "message", seq: 3, message: msg(4, "in", "Hello?") }, { type: "message", seq: 4, message: msg(4, "in", "Hello?") });
    expect(s.lastSeq).toBe(4);
    expect(s.conversations.get(7)!.messages.map((m) => m.id)).toEqual([1, 3, 4]);
    expect(s.conversations.get(7)!.ticket.unread).toBe(2);
    s = run(s, { type: "message", seq: 5, message: msg(6, "in", "live again") });
    expect(s.conversations.get(7)!.ticket.unread).toBe(3);
  });

  it("a hello without a held ticket drops it; the history from the API merges with live frames", () => {
    let s = run(initialDeskState(), hello(0, 0, [ticket]));
    expect(s.conversations.get(7)!.loaded).toBe(false);
    s = run(s, { type: "message", seq: 1, message: msg(5, "in", "live") });
    s = applyHistory(s, 7, [msg(1, "in", "old"), msg(2, "out", "older reply", "read")]);
    expect(s.conversations.get(7)!.messages.map((m) => m.id)).toEqual([1, 2, 5]);
    expect(s.conversations.get(7)!.loaded).toBe(true);
    s = run(s, hello(1, 0, []));
    expect(s.conversations.size).toBe(0);
    expect(s.selected).toBe(null);
  });

  it("a refused close teaches the account's dispositions; the close drops the conversation and the refusal", () => {
    let s = run(initialDeskState(), hello(0), { type: "ticket.assigned", seq: 1, ticket, messages: [] });
    s = run(s, { type: "error", seq: 1, code: "disposition_required", message: "Closing needs a disposition", ref: { ticketId: 7, dispositions: ["resolved", "spam"] } });
    expect(s.error?.code).toBe("disposition_required");
    expect(s.dispositions).toEqual({ "acc-1": ["resolved", "spam"] });
    s = run(s, { type: "ticket.closed", seq: 2, ticketId: 7, by: "u1", disposition: "resolved" });
    expect(s.conversations.size).toBe(0);
    expect(s.error).toBe(null);
    expect(conversationList(s)).toEqual([]);
  });

  it("Close Auto Assign: waiting tickets are listed until someone takes them", () => {
    const notification = { text: "New conversation", sound: false, shake: false };
    const other = { ...ticket, id: 8 };
    let s = run(initialDeskState(), hello(0));
    s = run(s, { type: "ticket.waiting", seq: 1, ticket, preview: "Hi", notification }, { type: "ticket.waiting", seq: 2, ticket: other, preview: "Yo", notification });
    expect(s.waiting.map((w) => w.ticket.id)).toEqual([7, 8]);
    s = run(s, { type: "ticket.taken", seq: 3, ticketId: 8 });
    expect(s.waiting.map((w) => w.ticket.id)).toEqual([7]);
    s = run(s, { type: "ticket.assigned", seq: 4, ticket, messages: [] }, { type: "ticket.taken", seq: 5, ticketId: 7 });
    expect(s.waiting).toEqual([]);
    expect([...s.conversations.keys()]).toEqual([7]);
  });

  it("Close Auto Assign: the tickets already waiting at (re)connect join the list, and frames that came meanwhile win", () => {
    const notification = { text: "New conversation", sound: false, shake: false };
    const at = (id: number, createdAt: number) => ({ ticket: { ...ticket, id, createdAt }, preview: `p${id}` });
    let s = run(initialDeskState(), hello(0), { type: "ticket.waiting", seq: 1, ticket: { ...ticket, id: 5, createdAt: 500 }, preview: "p5", notification });
    s = run(s, { type: "ticket.waiting", seq: 2, ticket: { ...ticket, id: 6, createdAt: 600 }, preview: "p6", notification });
    const askedAt = waitingListSeq(s);
    expect(askedAt).toBe(2);
    // While the list was read: 6 was taken, 9 arrived, and this agent holds 7.
    s = run(s, { type: "ticket.taken", seq: 3, ticketId: 6 }, { type: "ticket.waiting", seq: 4, ticket: { ...ticket, id: 9, createdAt: 900 }, preview: "p9", notification });
    s = run(s, { type: "ticket.assigned", seq: 5, ticket, messages: [] });
    // The list (read before those frames) has 3, 6 and 7 waiting; 5 is no longer waiting.
    s = applyWaitingList(s, [at(3, 300), at(6, 600), at(7, 1_000)], askedAt);
    expect(s.waiting.map((w) => [w.ticket.id, w.preview])).toEqual([
      [3, "p3"],
      [9, "p9"],
    ]);
    expect(applyWaitingList(initialDeskState(), [at(4, 400), at(2, 200)], 0).waiting.map((w) => w.ticket.id)).toEqual([2, 4]);
  });

  it("Close Auto Assign: a ticket taken by someone else while the list loads does not come back, whatever the desk knew", () => {
    const notification = { text: "New conversation", sound: false, shake: false };
    const at = (id: number) => ({ ticket: { ...ticket, id, createdAt: id * 100 }, preview: `p${id}` });
    // A fresh desk: the hub's latest seq is 40; the list is asked for at once.
    let s = run(initialDeskState(), hello(40));
    const askedAt = waitingListSeq(s);
    expect(askedAt).toBe(40);
    // Before the answer: 3 (never listed here) is taken by a colleague, 4 is listed and taken, 5 arrives.
    s = run(
      s,
      { type: "ticket.taken", seq: 41, ticketId: 3 },
      { type: "ticket.waiting", seq: 42, ticket: at(4).ticket, preview: "p4", notification },
      { type: "ticket.taken", seq: 43, ticketId: 4 },
      { type: "ticket.waiting", seq: 44, ticket: at(5).ticket, preview: "p5", notification },
    );
    // The list was read before any of that: 2, 3 and 4 waiting.
    s = applyWaitingList(s, [at(2), at(3), at(4)], askedAt);
    expect(s.waiting.map((w) => w.ticket.id)).toEqual([2, 5]);
    // A later frame lists 3 again (back in the queue): a list read later has it, and it shows.
    s = run(s, { type: "ticket.waiting", seq: 45, ticket: at(3).ticket, preview: "p3 again", notification });
    const second = waitingListSeq(s);
    s = applyWaitingList(s, [at(2), at(3), at(5)], second);
    expect(s.waiting.map((w) => w.ticket.id)).toEqual([2, 3, 5]);
    // An answer to an older request that arrives last changes nothing.
    expect(applyWaitingList(s, [at(2), at(4)], askedAt).waiting.map((w) => w.ticket.id)).toEqual([2, 3, 5]);
  });

  it("a history that may be cut (the latest 50, or a shortened message) is read again from the API", () => {
    const many = Array.from({ length: 50 }, (_, i) => msg(i + 1, "in", `m${i + 1}`));
    let s = run(initialDeskState(), hello(0), { type: "ticket.assigned", seq: 1, ticket, messages: many });
    expect(s.conversations.get(7)!.loaded).toBe(false);
    s = applyHistory(s, 7, [msg(0, "in", "the first"), ...many]);
    expect(s.conversations.get(7)!.messages.length).toBe(51);
    s = run(s, { type: "ticket.assigned", seq: 2, ticket: { ...ticket, id: 8 }, messages: [{ ...msg(60, "in", "long…"), ticketId: 8, truncated: true }] });
    expect(s.conversations.get(8)!.loaded).toBe(false);
    s = run(s, { type: "ticket.assigned", seq: 3, ticket: { ...ticket, id: 9 }, messages: [{ ...msg(61, "in", "short"), ticketId: 9 }] });
    expect(s.conversations.get(9)!.loaded).toBe(true);
  });

  it("a hello whose replay is incomplete has every held history read again", () => {
    let s = run(initialDeskState(), hello(0), { type: "ticket.assigned", seq: 1, ticket, messages: [msg(1, "in", "Hello")] });
    expect(s.conversations.get(7)!.loaded).toBe(true);
    s = run(s, { ...hello(2000, 0, [ticket]), complete: false });
    expect(s.needsReload).toBe(true);
    expect(s.conversations.get(7)!.loaded).toBe(false);
    expect(s.conversations.get(7)!.messages.map((m) => m.id)).toEqual([1]);
  });

  it("a story mention's media is kept beside its message, from the live frame only", () => {
    let s = run(initialDeskState(), hello(0), { type: "ticket.assigned", seq: 1, ticket, messages: [] });
    s = run(s, { type: "message", seq: 2, message: msg(3, "in", ""), ephemeral: { kind: "story_mention", url: "https://cdn.example/story.jpg" } });
    expect(s.conversations.get(7)!.storyMentions).toEqual({ 3: "https://cdn.example/story.jpg" });
    s = run(s, { type: "message.updated", seq: 3, message: { ...msg(3, "in", ""), reaction: "❤️" } });
    expect(s.conversations.get(7)!.storyMentions).toEqual({ 3: "https://cdn.example/story.jpg" });
  });

  it("the conversation list puts the latest activity first", () => {
    const other = { ...ticket, id: 8, contact: { ...ticket.contact, name: "Ben" } };
    let s = run(initialDeskState(), hello(0, 0, [ticket, other]));
    s = run(s, { type: "message", seq: 1, message: { ...msg(9, "in", "ping"), ticketId: 8 } });
    expect(conversationList(s).map((c) => c.ticket.id)).toEqual([8, 7]);
    s = run(s, { type: "message", seq: 2, message: msg(10, "in", "pong") });
    expect(conversationList(s).map((c) => c.ticket.id)).toEqual([7, 8]);
  });
});
