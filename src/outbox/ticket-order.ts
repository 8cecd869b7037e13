/** Each ticket's last turn to send in this isolate: one ticket's replies go out one after another. */
const lastTurn = new Map<number, Promise<void>>();

/**
 * Takes the ticket's next turn to send: `ready` resolves once every earlier turn is done; call
 * `done` when this one is (whatever its outcome). Taken before the reply is stored, so replies
 * reach the customer in the order they were stored, as the consumer keeps one ticket's in order.
 */
export function takeTurn(ticketId: number): { ready: Promise<void>; done: () => void } {
  const ready = lastTurn.get(ticketId) ?? Promise.resolve();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const mine = ready.then(() => finished);
  lastTurn.set(ticketId, mine);
  void mine.then(() => {
    if (lastTurn.get(ticketId) === mine) lastTurn.delete(ticketId);
  });
  return { ready, done };
}
