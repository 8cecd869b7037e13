// The replay log (table `frames`): every frame to an agent, numbered in that agent's sequence.
import type { ServerFrame } from "../protocol";
import type { AgentsTable } from "./agents";

/** How long missed frames are kept for replay, and how many per agent at most. */
export const FRAME_RETENTION_MS = 24 * 60 * 60 * 1000;
export const FRAME_RETENTION_COUNT = 1000;

export class FramesTable {
  /** Agents whose latest number is known since the object woke (their row's may lag the log: see `lastSeq`). */
  private readonly known = new Set<string>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly agents: AgentsTable,
  ) {}

  /**
   * The agent's latest frame number. Only the log is written per frame: the agent's row catches up
   * when the log is pruned, so after waking the first look at an agent reads the log's newest number.
   */
  lastSeq(agentId: string): number {
    const agent = this.agents.get(agentId);
    if (!agent) return 0;
    if (!this.known.has(agentId)) {
      const logged = this.sql.exec<{ s: number | null }>("SELECT max(seq) AS s FROM frames WHERE agent_id = ?", agentId).one().s ?? 0;
      this.known.add(agentId);
      if (logged > agent.last_seq) this.agents.noteSeq(agentId, logged);
    }
    return this.agents.get(agentId)!.last_seq;
  }

  /** Keeps the frame (bounded by the caller: frame-bounds.ts) under the agent's next number; returns it with `seq`, serialized once. */
  append(agentId: string, frame: ServerFrame, at: number): { seq: number; json: string } {
    if (!this.agents.get(agentId)) throw new Error(`no agent ${agentId} in this queue`);
    const seq = this.lastSeq(agentId) + 1;
    const json = JSON.stringify({ ...frame, seq });
    this.sql.exec("INSERT INTO frames (agent_id, seq, json, at) VALUES (?, ?, ?, ?)", agentId, seq, json, at);
    this.agents.noteSeq(agentId, seq);
    return { seq, json };
  }

  /** The same frame to many agents (a broadcast): each under their next number, in a few multi-row writes. Returns each kept text. */
  appendToAll(agentIds: readonly string[], frame: ServerFrame, at: number): Map<string, string> {
    const body = JSON.stringify(frame).slice(0, -1);
    const kept = new Map<string, string>();
    const rows: { agentId: string; seq: number; json: string }[] = [];
    for (const agentId of agentIds) {
      if (!this.agents.get(agentId)) continue;
      const seq = this.lastSeq(agentId) + 1;
      const json = `${body},"seq":${seq}}`;
      rows.push({ agentId, seq, json });
      kept.set(agentId, json);
    }
    for (let i = 0; i < rows.length; i += 25) {
      const chunk = rows.slice(i, i + 25);
      this.sql.exec(`INSERT INTO frames (agent_id, seq, json, at) VALUES ${chunk.map(() => "(?, ?, ?, ?)").join(", ")}`, ...chunk.flatMap((r) => [r.agentId, r.seq, r.json, at]));
    }
    for (const r of rows) this.agents.noteSeq(r.agentId, r.seq);
    return kept;
  }

  /** Frames about these tickets (their messages, their views) become `ticket.deleted` under the same numbers, in one pass: a replay carries no erased text and has no gap. */
  erase(ticketIds: readonly number[]) {
    const ticketOf = "coalesce(json_extract(json, '$.ticketId'), json_extract(json, '$.ticket.id'), json_extract(json, '$.message.ticketId'))";
    this.sql.exec(
      `UPDATE frames SET json = json_object('type', 'ticket.deleted', 'ticketId', ${ticketOf}, 'seq', seq)
       WHERE ${ticketOf} IN (SELECT value FROM json_each(?))`,
      JSON.stringify(ticketIds),
    );
  }

  after(agentId: string, seq: number): string[] {
    return this.sql
      .exec<{ json: string }>("SELECT json FROM frames WHERE agent_id = ? AND seq > ? ORDER BY seq", agentId, seq)
      .toArray()
      .map((r) => r.json);
  }

  oldestSeq(agentId: string): number | null {
    return this.sql.exec<{ s: number | null }>("SELECT min(seq) AS s FROM frames WHERE agent_id = ?", agentId).one().s;
  }

  /** The agents' rows catch up with the log, then frames past their retention go. */
  prune(now: number) {
    this.sql.exec("UPDATE agents SET last_seq = max(last_seq, coalesce((SELECT max(seq) FROM frames f WHERE f.agent_id = agents.id), 0))");
    this.sql.exec("DELETE FROM frames WHERE at < ?", now - FRAME_RETENTION_MS);
    this.sql.exec(
      `DELETE FROM frames WHERE (agent_id, seq) IN (
         SELECT f.agent_id, f.seq FROM frames f JOIN agents a ON a.id = f.agent_id WHERE f.seq <= a.last_seq - ?)`,
      FRAME_RETENTION_COUNT,
    );
  }
}
