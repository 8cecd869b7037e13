import { env } from "cloudflare:workers";
import { vi } from "vitest";
import type { ConversationSettings } from "../../src/domain/conversation-settings";
import type { RoutingConfig } from "../../src/domain/routing-config";
import { AgentClient, BOT_API, BOT_TOKEN, createQueue, createTelegramAccount, fireTimers, setConversation, settle } from "./hub";

// What a test that runs queues and agents' sockets leaves behind, tracked so that one
// `afterEach(cleanUp)` clears it: the sockets are closed, every queue's timers are fired (its
// alarm consumed), and stubbed globals are restored.

const queues: string[] = [];
const clients: AgentClient[] = [];
const sockets: WebSocket[] = [];

/** Has cleanUp fire the timers of a queue made some other way (through the API, say). */
export function trackQueue(queueId: string) {
  queues.push(queueId);
  return queueId;
}

/** A queue (see createQueue) whose timers cleanUp fires. */
export async function queue(routing: Partial<RoutingConfig> = {}) {
  return trackQueue(await createQueue(routing));
}

/** An agent's socket (see AgentClient.connect) that cleanUp closes. */
export async function connect(token: string, queueId: string, lastSeq?: number) {
  const c = await AgentClient.connect(token, queueId, lastSeq);
  clients.push(c);
  return c;
}

/** Has cleanUp close a socket opened some other way (a supervisor's, say). */
export function trackSocket(ws: WebSocket) {
  sockets.push(ws);
  return ws;
}

/** Closes every socket and runs every queue's timers, so one test leaves nothing behind for the next. */
export async function cleanUp() {
  for (const c of clients.splice(0)) c.close();
  for (const ws of sockets.splice(0)) ws.close(1000);
  await settle();
  for (const q of queues.splice(0)) await fireTimers(q).catch(() => undefined);
  vi.unstubAllGlobals();
}

/** A tracked queue (named `queueName`) with a Telegram account whose conversation settings are `conversation`. */
export async function desk(o: { routing?: Partial<RoutingConfig>; conversation?: Partial<ConversationSettings> | Record<string, unknown>; queueName?: string } = {}) {
  const queueId = await queue(o.routing);
  if (o.queueName) await env.DB.prepare("UPDATE queues SET name = ?2 WHERE id = ?1").bind(queueId, o.queueName).run();
  const account = await createTelegramAccount(queueId);
  if (o.conversation) await setConversation(account.id, o.conversation);
  return { queueId, account, key: account.key };
}

export type BotCall = { method: string; body: any };
export type Handler = (request: { url: string; headers: Headers; body: string; signal?: AbortSignal | null }) => Promise<Response> | Response;

/**
 * Stubs fetch (a mock): a URL starting with a key of `others` goes to that handler; every other
 * call is recorded, and the test bot's Bot API calls are answered ok with the next message id
 * (from `firstMessageId`). Any other URL is refused.
 */
export function stubBotApi(o: { firstMessageId?: number; others?: Record<string, Handler> } = {}): BotCall[] {
  const calls: BotCall[] = [];
  let messageId = o.firstMessageId ?? 901;
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      const other = Object.entries(o.others ?? {}).find(([prefix]) => url.startsWith(prefix));
      if (other) {
        const request = input instanceof Request ? input : new Request(url, init);
        return other[1]({ url, headers: request.headers, body: await request.text(), signal: init?.signal ?? request.signal });
      }
      const raw = input instanceof Request ? await input.text() : init?.body;
      const body = raw ? JSON.parse(String(raw)) : {};
      calls.push({ method: url.slice(url.lastIndexOf("/") + 1), body });
      if (!url.startsWith(`${BOT_API}/bot${BOT_TOKEN}/`)) throw new Error(`unexpected fetch ${url}`);
      return Response.json({ ok: true, result: { message_id: messageId++, date: 1763700200, chat: { id: body.chat_id ?? 1, type: "private" }, text: body.text } });
    }),
  );
  return calls;
}

/** The texts the Bot API was asked to send to `chatId`: what that customer receives. */
export const textsTo = (calls: BotCall[], chatId: number) => calls.filter((c) => c.method === "sendMessage" && c.body.chat_id === chatId).map((c) => c.body.text as string);
