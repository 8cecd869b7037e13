import { describe, expect, it } from "vitest";
import { sequencedFrameSchema } from "../../src/queue/protocol";
import type { TicketView } from "../../src/kinds/views";
import {
  boardConnection,
  boardConversations,
  boardFrame,
  boardOffers,
  boardPresence,
  initialBoard,
  queueOfTicket,
  select,
  withQueue,
  type Board,
} from "../../web/src/desk-board";
import type { SequencedFrame } from "../../web/src/protocol";

// The desk of an agent in two queues: each queue's frames go to its own state (their seqs are
// unrelated), and the board shows them together. Frames are checked against the server's schema.
const frame = (f: unknown): SequencedFrame => sequencedFrameSchema.parse(f) as SequencedFrame;
const on = (b: Board, queueId: string, ...frames: unknown[]) => frames.reduce<Board>((acc, f) => boardFrame(acc, queueId, frame(f)), b);

const queues = [
  { id: "q-support", name: "Support" },
  { id: "q-returns", name: "Returns" },
];
const ticket = (id: number, name: string): TicketView => ({
  id,
  accountId: "acc-1",
  accountName: "Bot",
  provider: "telegram",
  contact: { id, name, username: null },
  subject: null,
  createdAt: 1_000 + id,
  tags: [],
  unread: 0,
});
const hello = (seq: number, queueId: string, status = "online") => ({
  type: "hello",
  seq,
  agent: { id: "u1", name: "Ayşe", status, capacity: 3 },
  queue: { id: queueId },
  tickets: [],
  offers: [],
  replayed: 0,
  complete: true,
});

describe("the desk's board of several queues", () => {
  it("offers and conversations of both queues show together, each with its queue; frames about a ticket go to its queue", () => {
    let b = on(initialBoard(queues), "q-support", hello(10, "q-support"));
    b = on(b, "q-returns", hello(3, "q-returns"));
    b = on(b, "q-returns", { type: "offer", seq: 4, ticket: ticket(2, "Lena"), preview: "Boots", expiresAt: 5_000 });
    b = on(b, "q-support", { type: "offer", seq: 11, ticket: ticket(1, "Omar"), preview: "Invoice", expiresAt: 6_000 });
    expect(boardOffers(b).map((o) => [o.offer.ticket.contact.name, o.queue.name])).toEqual([
      ["Lena", "Returns"],
      ["Omar", "Support"],
    ]);
    expect(queueOfTicket(b, 1)).toBe("q-support");
    expect(queueOfTicket(b, 2)).toBe("q-returns");
    b = on(b, "q-returns", { type: "ticket.assigned", seq: 5, ticket: ticket(2, "Lena"), messages: [] });
    expect(b.selected).toBe(2);
    b = on(b, "q-support", { type: "ticket.assigned", seq: 12, ticket: ticket(1, "Omar"), messages: [] });
    expect(b.selected).toBe(2);
    // The most recently active first (Lena's ticket is the newer).
    expect(boardConversations(b).map((c) => [c.conv.ticket.id, c.queue.name])).toEqual([
      [2, "Returns"],
      [1, "Support"],
    ]);
    // Each queue keeps its own resume point.
    expect([b.states["q-support"]!.lastSeq, b.states["q-returns"]!.lastSeq]).toEqual([12, 5]);
    b = select(b, 1);
    b = on(b, "q-support", { type: "ticket.closed", seq: 13, ticketId: 1, by: "u1", disposition: null });
    expect(b.selected).toBe(2);
  });

  it("the connection names the queue that is not online; presence is one when every queue agrees", () => {
    let b = on(initialBoard(queues), "q-support", hello(1, "q-support"));
    b = on(b, "q-returns", hello(1, "q-returns"));
    expect(boardConnection(b)).toEqual({ connection: "online", notes: [] });
    b = withQueue(b, "q-returns", (s) => ({ ...s, connection: "reconnecting", connectionNote: "Connection lost. Reconnecting…" }));
    const { connection, notes } = boardConnection(b);
    expect(connection).toBe("reconnecting");
    expect(notes.map((n) => [n.queue.name, n.note])).toEqual([["Returns", "Connection lost. Reconnecting…"]]);
    expect(boardPresence(b)).toBe("online");
    b = on(b, "q-support", { type: "presence", seq: 2, status: "away" });
    expect(boardPresence(b)).toBe("mixed");
    b = on(b, "q-returns", { type: "presence", seq: 2, status: "away" });
    expect(boardPresence(b)).toBe("away");
  });
});
