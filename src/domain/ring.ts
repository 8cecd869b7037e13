// Ring strategies: pure choices over a snapshot of the queue's agents.

export type RingCandidate = {
  id: string;
  /** When this agent was last offered a ticket, epoch ms (0 = never). */
  lastOfferAt: number;
};

/** Round-robin: the available agent offered a ticket longest ago; ties by id, so the order is stable. */
export function pickRoundRobin<C extends RingCandidate>(candidates: readonly C[]): C | undefined {
  let best: C | undefined;
  for (const c of candidates) {
    if (!best || c.lastOfferAt < best.lastOfferAt || (c.lastOfferAt === best.lastOfferAt && c.id < best.id)) best = c;
  }
  return best;
}

/** Text shown in an offer: the first line of the latest message, or a word for an attachment. */
export function previewOf(body: string, attachmentKinds: readonly string[], max = 140): string {
  const line = body.trim().split("\n")[0] ?? "";
  const text = line || (attachmentKinds.length ? `[${attachmentKinds.join(", ")}]` : "");
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : text;
}
