import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { meterD1 } from "../db/meter";
import { LedgerStore, type LedgerAnswer, type LedgerReport } from "./ledger-store";

export type { LedgerAnswer, LedgerReport, ReportedSlot, SlotKind } from "./ledger-store";

/**
 * One per agent (named by user id): the agent's capacity across queues. Each queue object reports
 * the tickets it offers the agent and the agent holds there; the ledger grants a queue's new offer
 * or pick only while the agent's slots in every queue stay under the limit. Being one object, it
 * decides reports one at a time, so two queues offering at the same instant still respect it.
 */
export class AgentLedger extends DurableObject<Env> {
  private readonly store: LedgerStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, meterD1(env));
    this.store = new LedgerStore(ctx.storage.sql);
  }

  private get agentId(): string {
    return this.ctx.id.name ?? this.ctx.id.toString();
  }

  /** A queue's whole picture of the agent there; see `LedgerStore.apply`. */
  async report(report: LedgerReport): Promise<LedgerAnswer> {
    const { freed, ...answer } = this.store.apply(report, Date.now());
    if (freed) this.tellWaiting(report.queueId, answer.version);
    await this.arm();
    return answer;
  }

  /** What the ledger counts, queue by queue (supervision and tests). */
  async slots() {
    return this.store.all();
  }

  /** Offers whose queue never reported their end lapse here, so a queue that failed cannot keep the agent full. */
  override async alarm(): Promise<void> {
    if (this.store.expireOffers(Date.now())) this.tellWaiting(null, this.store.version());
    await this.arm();
  }

  private async arm() {
    const next = this.store.nextExpiry();
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }

  /** Queues refused since the last slot freed hear that one has: one call each, once. */
  private tellWaiting(but: string | null, version: number) {
    const agentId = this.agentId;
    for (const queueId of this.store.takeWaiting(but)) {
      this.ctx.waitUntil(
        this.env.QUEUE_OBJECT.getByName(queueId)
          .capacityFreed(agentId, version)
          .catch((err) => {
            console.error("could not tell a queue that an agent has room", { queueId, agentId }, err);
            this.store.stillWaiting(queueId);
          }),
      );
    }
  }
}
