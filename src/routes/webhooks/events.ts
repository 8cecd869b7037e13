import { handleCustomerMessage } from "../../automations/customer-message";
import { routePending } from "../../automations/route-pending";
import { recordAuthFailure, type ReceivingAccount } from "../../db/account-lookup";
import { ingestEdit, ingestIgnored, ingestMessage } from "../../db/ingest";
import { ingestMessageRun, receivedKeys, type PendingRoute } from "../../db/ingest-batch";
import { ingestDelete, ingestEcho, ingestReaction, ingestStatus, ingestStatuses, type ChangedMessage, type ReportOutcome } from "../../db/ingest-reports";
import type { ReplayClaim } from "../../db/webhook-batch";
import type { Env } from "../../env";
import { ApiError } from "../../errors";
import type { AccountContext, InboundEvent, ProviderAdapter, WebhookRequest } from "../../providers/types";
import { receivingBySetting, receivingContext } from "./receiving-accounts";

type MessageEvent = Extract<InboundEvent, { kind: "message" }>;
type StatusEvent = Extract<InboundEvent, { kind: "status" }>;
/** `replay`: the request's one-time value, claimed by the first batch storing the account's events. */
type Receiver = { account: ReceivingAccount & { replay?: ReplayClaim }; ctx: AccountContext<any, any> };

/** How long after a multi-event webhook the backstop job routes what is still pending (past the 30 s `waitUntil` allows). */
export const ROUTE_BACKSTOP_S = 60;

/**
 * An authenticated webhook's events: normalized for every account it is for, stored, routed.
 * A single event is stored and routed before the answer, as always. Several (Meta sends up to
 * 1,000 in one POST) are all stored before the answer in a few D1 batches and routed after it
 * (`waitUntil`), with a delayed outbox job as the backstop should the Worker stop first.
 * Returns the events, for the adapter's acknowledgement.
 */
export async function receiveEvents(env: Env, exec: Pick<ExecutionContext, "waitUntil">, adapter: ProviderAdapter<any, any>, own: Receiver, request: WebhookRequest): Promise<InboundEvent[]> {
  const receivers = [own, ...(await otherReceivers(env, adapter, own, request))];
  // Everything is normalized (and refused, if it must be) before anything is stored.
  const parts = receivers.map((r) => ({ ...r, events: adapter.normalize(request, r.ctx) }));
  const all = parts.flatMap((p) => p.events);
  if (all.length === 1) {
    const only = parts.find((p) => p.events.length === 1)!;
    await ingestAndRoute(env, only.account, only.events[0]!);
    return all;
  }
  const routing: (() => Promise<void>)[] = [];
  for (const p of parts) if (p.events.length > 0) routing.push(await ingestMany(env, p.account, p.events));
  exec.waitUntil(
    (async () => {
      for (const route of routing) await route();
    })().catch((err) => console.error(JSON.stringify({ event: "webhook_routing_failed", accountId: own.account.id, error: String(err) }))),
  );
  return all;
}

/**
 * Where one receive URL serves several accounts (Meta: every Instagram account of an app), the
 * other accounts the request is for, each checked with its own credentials. An id no account has
 * is logged and left out; a signature another account's secrets do not confirm refuses the request.
 */
async function otherReceivers(env: Env, adapter: ProviderAdapter<any, any>, own: Receiver, request: WebhookRequest): Promise<Receiver[]> {
  const shared = adapter.sharedReceiveUrl;
  if (!shared) return [];
  const ownId = (own.ctx.settings as Record<string, unknown>)[shared.setting];
  const ids = [...new Set(shared.recipients(request))].filter((id) => id !== ownId);
  if (ids.length === 0) return [];
  const accounts = await receivingBySetting(env, own.account.provider, shared.setting, ids);
  const receivers: Receiver[] = [];
  for (const id of ids) {
    const receiving = accounts.get(id);
    if (!receiving || receiving.account.status === "pending") {
      console.warn(JSON.stringify({ event: "webhook_unknown_recipient", provider: own.account.provider, viaAccountId: own.account.id, [shared.setting]: id }));
      continue;
    }
    const { account } = receiving;
    const ctx = await receivingContext(env, request.url, receiving);
    const auth = await adapter.authenticate(request, ctx);
    if (!auth.ok) {
      console.warn(JSON.stringify({ event: "webhook_auth_failed", provider: account.provider, accountId: account.id, viaAccountId: own.account.id, reason: auth.reason }));
      await recordAuthFailure(env.DB, account.id, `${auth.reason} (received at the receive URL of account ${own.account.id})`);
      throw new ApiError(401, "unauthorized", "Webhook authentication failed", { [shared.setting]: id });
    }
    receivers.push({ account, ctx });
  }
  return receivers;
}

/** One event, stored and routed before the answer. */
export async function ingestAndRoute(env: Env, account: ReceivingAccount, event: InboundEvent) {
  if (event.kind === "message") return handleCustomerMessage(env, account, await ingestMessage(env.DB, account, event), event);
  await (await storeReport(env, account, event))();
}

/** Delivery reports stored together in one D1 batch (five statements or so each). */
const STATUS_CHUNK = 50;

/**
 * Many events of one account: the ones already received are found with one query and skipped
 * (a retried batch costs that lookup); consecutive customer messages are stored set-wise, a few
 * statements per hundred, consecutive delivery reports in one batch per STATUS_CHUNK, other
 * events one batch each, all in order. Returns the routing to run after the answer.
 */
async function ingestMany(env: Env, account: ReceivingAccount, events: InboundEvent[]): Promise<() => Promise<void>> {
  const keys = new Set<string>();
  const unique = events.filter((e) => !keys.has(e.eventKey) && keys.add(e.eventKey));
  const seen = await receivedKeys(env.DB, account.id, [...keys]);
  const fresh = unique.filter((e) => !seen.has(e.eventKey));
  if (fresh.length === 0) return async () => {};
  // Armed before anything is stored: whatever happens next, nothing stays stored and unrouted.
  if (fresh.some((e) => e.kind === "message")) await env.OUTBOX.send({ routePending: { accountId: account.id } }, { delaySeconds: ROUTE_BACKSTOP_S });

  const steps: (() => Promise<void>)[] = [];
  const ephemeral = new Map<string, MessageEvent["ephemeral"]>();
  let messages: MessageEvent[] = [];
  let ignored: string[] = [];
  let statuses: StatusEvent[] = [];
  const storeRun = async () => {
    if (messages.length === 0 && ignored.length === 0) return;
    const routes: PendingRoute[] = await ingestMessageRun(env.DB, account, messages, ignored);
    if (routes.length > 0) steps.push(() => routePending(env, account, routes, ephemeral));
    messages = [];
    ignored = [];
  };
  const storeStatuses = async () => {
    for (let i = 0; i < statuses.length; i += STATUS_CHUNK) {
      const chunk = statuses.slice(i, i + STATUS_CHUNK);
      const outcomes = await ingestStatuses(env.DB, account, chunk);
      steps.push(...chunk.map((event, j) => () => tellStatus(env, account, event, outcomes[j]!)));
    }
    statuses = [];
  };
  for (const event of fresh) {
    if (event.kind === "message") {
      await storeStatuses();
      messages.push(event);
      if (event.ephemeral) ephemeral.set(event.eventKey, event.ephemeral);
    } else if (event.kind === "ignored") {
      logIgnored(account, event);
      ignored.push(event.eventKey);
    } else if (event.kind === "status") {
      await storeRun();
      statuses.push(event);
    } else {
      await storeRun();
      await storeStatuses();
      steps.push(await storeReport(env, account, event));
    }
  }
  await storeRun();
  await storeStatuses();
  return async () => {
    for (const step of steps) await step();
  };
}

/** Stores an event that is not a customer message; returns how to tell the agents about it. */
async function storeReport(env: Env, account: ReceivingAccount, event: Exclude<InboundEvent, MessageEvent>): Promise<() => Promise<void>> {
  switch (event.kind) {
    case "ignored":
      logIgnored(account, event);
      await ingestIgnored(env.DB, account, event.eventKey);
      return async () => {};
    case "edit": {
      const outcome = await ingestEdit(env.DB, account, event);
      return async () => {
        if (outcome.result === "unknown_message") return logUnknown(account, event);
        if (outcome.result === "stored" && outcome.ticket.status !== "closed") {
          await env.QUEUE_OBJECT.getByName(outcome.ticket.queueId).messageUpdated(outcome.message);
        }
      };
    }
    case "delete": {
      const outcome = await ingestDelete(env.DB, account, event);
      return () => tell(env, account, event, outcome, "updated");
    }
    case "reaction": {
      const outcome = await ingestReaction(env.DB, account, event);
      return () => tell(env, account, event, outcome, "updated");
    }
    case "echo": {
      const outcome = await ingestEcho(env.DB, account, event);
      return () => tell(env, account, event, outcome, "added");
    }
    case "status": {
      const outcome = await ingestStatus(env.DB, account, event);
      return () => tellStatus(env, account, event, outcome);
    }
  }
}

/** A delivery report's changes go to each reply's author. */
async function tellStatus(env: Env, account: ReceivingAccount, event: StatusEvent, outcome: ReportOutcome) {
  if (outcome.result === "unknown_message") return logUnknown(account, event);
  for (const { message, queueId } of outcome.changed) {
    if (!message.authorId) continue;
    await env.QUEUE_OBJECT.getByName(queueId).deliveryStatus({
      agentId: message.authorId,
      ticketId: message.ticketId,
      messageId: message.id,
      status: message.status,
      reason: message.statusReason,
    });
  }
}

/** Changes to messages already in a ticket go to the agent holding it. */
async function tell(env: Env, account: ReceivingAccount, event: InboundEvent, outcome: { result: string; changed: ChangedMessage[] }, as: "added" | "updated") {
  if (outcome.result === "unknown_message") return logUnknown(account, event);
  for (const { message, queueId, ticketStatus } of outcome.changed) {
    if (ticketStatus === "closed") continue;
    const queue = env.QUEUE_OBJECT.getByName(queueId);
    await (as === "added" ? queue.messageAdded(message) : queue.messageUpdated(message));
  }
}

function logIgnored(account: ReceivingAccount, event: Extract<InboundEvent, { kind: "ignored" }>) {
  console.log(JSON.stringify({ event: "webhook_event_ignored", provider: account.provider, accountId: account.id, eventKey: event.eventKey, description: event.description }));
}

function logUnknown(account: ReceivingAccount, event: InboundEvent) {
  console.log(JSON.stringify({ event: "webhook_event_for_unknown_message", provider: account.provider, accountId: account.id, kind: event.kind, eventKey: event.eventKey }));
}
