// The replay log (table `frames`): every frame to an agent, numbered in that agent's sequence.
import type { ServerFrame } from "../protocol";
import type { AgentsTable } from "./agents";

/** How long missed frames are kept for replay, and how many per agent at most. */
export const FRAME_RETENTION_MS = 24 * 60 * 60 * 1000;
export const FRAME_RETENTION_COUNT = 1000;

export class FramesTable {
  constructor(
    private readonly sql: SqlStorage,
    private readonly agents: AgentsTable,
  ) {}

  /** Keeps the frame (bounded by the caller: frame-bounds.ts) under the agent's next number; returns it with `seq`, serialized once. */
  append(agentId: string, frame: ServerFrame, at: number): { seq: number; json: string } {
    const agent = this.agents.get(agentId);
    if (!agent) throw new Error(`no agent ${agentId} in this queue`);
    const seq = agent.last_seq + 1;
    const json = JSON.stringify({ ...frame, seq });
    this.sql.exec("INSERT INTO frames (agent_id, seq, json, at) VALUES (?, ?, ?, ?)", agentId, seq, json, at);
    this.agents.setLastSeq(agentId, seq);
    return { seq, json };
  }

  /** The same frame to many agents (a broadcast): each under their next number, in a few multi-row writes. Returns each kept text. */
  appendToAll(agentIds: readonly string[], frame: ServerFrame, at: number): Map<string, string> {
    const body = JSON.stringify(frame).slice(0, -1);
    const kept = new Map<string, string>();
    const rows: { agentId: string; seq: number; json: string }[] = [];
    for (const agentId of agentIds) {
      const agent = this.agents.get(agentId);
      if (!agent) continue;
      const seq = agent.last_seq + 1;
      const json = `${body},"seq":${seq}}`;
      rows.push({ agentId, seq, json });
      kept.set(agentId, json);
    }
    for (let i = 0; i < rows.length; i += 25) {
      const chunk = rows.slice(i, i + 25);
      this.sql.exec(`INSERT INTO frames (agent_id, seq, json, at) VALUES ${chunk.map(() => "(?, ?, ?, ?)").join(", ")}`, ...chunk.flatMap((r) => [r.agentId, r.seq, r.json, at]));
    }
    this.agents.advanceSeq(rows.map((r) => r.agentId));
    return kept;
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

  prune(now: number) {
    this.sql.exec("DELETE FROM frames WHERE at < ?", now - FRAME_RETENTION_MS);
    this.sql.exec(
      `DELETE FROM frames WHERE (agent_id, seq) IN (
         SELECT f.agent_id, f.seq FROM frames f JOIN agents a ON a.id = f.agent_id WHERE f.seq <= a.last_seq - ?)`,
      FRAME_RETENTION_COUNT,
    );
  }
}
