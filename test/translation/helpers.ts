import { env } from "cloudflare:workers";
import { afterEach, vi } from "vitest";
import { messageViewFromRow, type MessageRow } from "../../src/db/message-view";
import type { TranslationConfig } from "../../src/domain/routing-config";
import type { MessageView } from "../../src/kinds/views";
import { createAccount, createQueue, createUser } from "../helpers/hub";

export const LT = "https://translate.example.test";

export const libreConfig = (o: { agentLanguage?: string; translateReplies?: boolean } = {}): TranslationConfig => ({
  provider: "libretranslate",
  url: LT,
  agentLanguage: o.agentLanguage ?? "en",
  translateReplies: o.translateReplies ?? true,
});

export function json(body: unknown, status = 200) {
  return new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** globalThis.fetch replaced by a mock for the test; restored after it. */
export function stubFetch() {
  const fetchMock = vi.fn<(input: RequestInfo | URL, init?: RequestInit) => Promise<Response>>();
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** What a mocked fetch call sent: URL, method, content type and the parsed JSON body. */
export function requestOf(call: [RequestInfo | URL, RequestInit?]) {
  const [input, init] = call;
  return {
    url: String(input),
    method: init?.method,
    contentType: new Headers(init?.headers).get("content-type"),
    body: JSON.parse(String(init?.body)) as Record<string, unknown>,
  };
}

let seq = 0;

/** A held ticket of a Telegram contact, with helpers to add its messages straight to D1. */
export async function ticketFixture() {
  const queueId = await createQueue();
  const account = await createAccount({ provider: "telegram", queueId, credentials: { botToken: "1:x", secretToken: "s" }, settings: {} });
  const agent = await createUser({ queues: [queueId] });
  const contact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, ?2, ?2, 'Zeynep Çelik') RETURNING id")
    .bind(account.id, `tg-${++seq}`)
    .first<{ id: number }>();
  const ticket = await env.DB.prepare("INSERT INTO tickets (account_id, contact_id, queue_id, status, current, assignee_id) VALUES (?1, ?2, ?3, 'assigned', 1, ?4) RETURNING id")
    .bind(account.id, contact!.id, queueId, agent.id)
    .first<{ id: number }>();
  const ticketId = ticket!.id;

  const insert = async (direction: "in" | "out", body: string, more: { providerMessageId?: string } = {}): Promise<MessageView> => {
    const row = await env.DB.prepare(
      "INSERT INTO messages (account_id, ticket_id, direction, author_id, body, provider_message_id, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING *",
    )
      .bind(account.id, ticketId, direction, direction === "out" ? agent.id : null, body, more.providerMessageId ?? null, direction === "in" ? "received" : "queued")
      .first<MessageRow>();
    return messageViewFromRow(row!);
  };

  return {
    account: { id: account.id, name: "telegram account", provider: "telegram", queueId },
    ticketId,
    inbound: (body: string, more?: { providerMessageId?: string }) => insert("in", body, more),
    reply: (body: string) => insert("out", body),
  };
}

export function translationRow(messageId: number) {
  return env.DB.prepare("SELECT language, text, source_language FROM message_translations WHERE message_id = ?1")
    .bind(messageId)
    .first<{ language: string; text: string; source_language: string | null }>();
}
