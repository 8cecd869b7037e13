// Where a reply's first attempt stands, kept in the storage of the queue object that makes it, so
// that a claim the object left behind (it died after storing the reply) can be told apart: never
// handed to the provider ("storing": send it now) or perhaps handed to it ("sending": the outcome is
// unknown). Each mark is written before the I/O it announces; the object's output gate holds that
// I/O (the D1 write, the provider's request) until the mark is durable. Marks of finished attempts
// are removed; the sweep reads and removes a dead one's.

export type FirstAttempt = "storing" | "sending";

type Mark = { phase: FirstAttempt; at: number };

const PREFIX = "outbox.first:";
/** A mark older than this is a dead attempt nobody asked about (its ticket moved queues): dropped. */
const FORGET_AFTER_MS = 24 * 60 * 60_000;

const keyOf = (ticketId: number, clientMsgId: string) => `${PREFIX}${ticketId}:${clientMsgId}`;

export function markFirstAttempt(kv: SyncKvStorage, ticketId: number, clientMsgId: string, phase: FirstAttempt, now = Date.now()) {
  kv.put<Mark>(keyOf(ticketId, clientMsgId), { phase, at: now });
}

export function clearFirstAttempt(kv: SyncKvStorage, ticketId: number, clientMsgId: string) {
  kv.delete(keyOf(ticketId, clientMsgId));
}

export function firstAttemptOf(kv: SyncKvStorage, ticketId: number, clientMsgId: string): FirstAttempt | null {
  return kv.get<Mark>(keyOf(ticketId, clientMsgId))?.phase ?? null;
}

/** Where the reply's first attempt stopped, if it never finished here; the mark is removed (the caller settles the claim). */
export function takeFirstAttempt(kv: SyncKvStorage, ticketId: number, clientMsgId: string, now = Date.now()): FirstAttempt | null {
  const key = keyOf(ticketId, clientMsgId);
  const mark = kv.get<Mark>(key);
  kv.delete(key);
  for (const [other, m] of [...kv.list<Mark>({ prefix: PREFIX })]) if (now - m.at > FORGET_AFTER_MS) kv.delete(other);
  return mark?.phase ?? null;
}
