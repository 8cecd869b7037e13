import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { defaultRoutingConfig, routingConfigSchema } from "../../src/domain/routing-config";
import { routingVersion } from "../../src/domain/routing-version";
import type { MessageView, TicketView } from "../../src/kinds/views";
import { createQueue, fireTimers, queueStub } from "../helpers/hub";

// The Worker does not send the queue's configuration with every message: the object keeps its own
// and reads it from D1 when it has none yet, or when the Worker names another version of it.

let n = 0;
const base = 61_000_000 + Math.floor(Math.random() * 100_000) * 10;

function inbound(version?: string) {
  const id = base + ++n;
  const ticket: TicketView = { id, accountId: "acc-config", accountName: "Config", provider: "telegram", contact: { id, name: "Zeynep", username: null }, subject: null, createdAt: 1_763_700_000_000 };
  const message: MessageView = { id, ticketId: id, direction: "in", body: "Merhaba", attachments: [], status: "received", statusReason: null, authorId: null, createdAt: Date.now(), editedAt: null, deletedAt: null, reaction: null };
  return { ticket, assigneeId: null, message, ...(version === undefined ? {} : { configVersion: version }) };
}

const setRouting = (queueId: string, routing: object) => env.DB.prepare("UPDATE queues SET routing = ?2 WHERE id = ?1").bind(queueId, JSON.stringify(routing)).run();

describe("the queue's configuration", () => {
  it("is read from D1 before an unconfigured object's first event, and again only when the Worker names another version", async () => {
    const queueId = await createQueue({ strategy: "least-busy", agentRingTimeS: 45 });
    const stub = queueStub(queueId);
    await stub.routeInbound(inbound());
    expect((await stub.snapshot()).config).toMatchObject({ strategy: "least-busy", agentRingTimeS: 45 });

    // Changed in D1 behind the object's back: a message naming the version it keeps changes nothing.
    const kept = routingConfigSchema.parse({ ...defaultRoutingConfig, strategy: "least-busy", agentRingTimeS: 45 });
    const changed = routingConfigSchema.parse({ ...defaultRoutingConfig, strategy: "random", agentRingTimeS: 45 });
    await setRouting(queueId, changed);
    await stub.routeInbound(inbound(routingVersion(kept)));
    expect((await stub.snapshot()).config.strategy).toBe("least-busy");

    // The Worker routes by the new one: the object reads it.
    await stub.routeInbound(inbound(routingVersion(changed)));
    expect((await stub.snapshot()).config.strategy).toBe("random");
    await fireTimers(queueId).catch(() => undefined);
  });
});
