// Other queues' claims (table `peer_demand`): a higher-priority queue with tickets waiting for
// agents it shares with this one. Kept in memory, read once when the object wakes.

/** A queue's standing claim on its online agents while it has tickets waiting, as its peers keep it. */
export type PeerClaim = { priority: number; agentIds: string[]; validUntil: number };

export class PeerDemandTable {
  private readonly claims = new Map<string, PeerClaim>();

  constructor(private readonly sql: SqlStorage) {
    for (const r of sql.exec<{ queue_id: string; priority: number; agents: string; valid_until: number }>("SELECT * FROM peer_demand")) {
      this.claims.set(r.queue_id, { priority: r.priority, agentIds: JSON.parse(r.agents) as string[], validUntil: r.valid_until });
    }
  }

  /** A peer queue's claim on agents, or null when it has nothing waiting. */
  set(queueId: string, claim: PeerClaim | null) {
    if (!claim || claim.agentIds.length === 0) {
      if (!this.claims.has(queueId)) return;
      this.sql.exec("DELETE FROM peer_demand WHERE queue_id = ?", queueId);
      this.claims.delete(queueId);
      return;
    }
    this.sql.exec(
      `INSERT INTO peer_demand (queue_id, priority, agents, valid_until) VALUES (?, ?, ?, ?)
       ON CONFLICT (queue_id) DO UPDATE SET priority = excluded.priority, agents = excluded.agents, valid_until = excluded.valid_until`,
      queueId,
      claim.priority,
      JSON.stringify(claim.agentIds),
      claim.validUntil,
    );
    this.claims.set(queueId, { priority: claim.priority, agentIds: [...claim.agentIds], validUntil: claim.validUntil });
  }

  /** Agents a queue of higher priority than `priority` is waiting for. */
  claimedAbove(priority: number, now: number): Set<string> {
    const claimed = new Set<string>();
    for (const c of this.claims.values()) if (c.priority > priority && c.validUntil > now) for (const id of c.agentIds) claimed.add(id);
    return claimed;
  }
}
