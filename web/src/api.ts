// The hub's HTTP API, same origin.
import type { MessageView, TicketView } from "./protocol";

export type { Queue, Session } from "./http";
import type { Queue, Session } from "./http";

export { ApiFailure, request } from "./http";
import { ApiFailure, request as call } from "./http";

export const login = (email: string, password: string) =>
  call<Session>("/api/v1/auth/login", { method: "POST", body: JSON.stringify({ email, password }) });

export const logout = (token: string) => call<null>("/api/v1/auth/logout", { method: "POST", token });

export const me = (token: string) => call<{ user: Session["user"]; queues: Queue[] }>("/api/v1/me", { token });

/** What closing a ticket takes: its account's dispositions, and whether one is required. */
export type Closing = { dispositions: string[]; dispositionRequired: boolean };
export type TicketDetail = {
  ticket: TicketView;
  messages: (MessageView & { revisions?: { body: string; replacedAt: number }[] })[];
  unread: number;
  /** Absent from a hub older than the desk. */
  closing?: Closing;
};
export const ticketDetail = (token: string, id: number) => call<TicketDetail>(`/api/v1/tickets/${id}`, { token });

export type TicketListItem = {
  id: number;
  status: "open" | "assigned" | "closed";
  queueName: string;
  agentName: string | null;
  subject: string | null;
  preview: string;
  lastMessageAt: number;
};
/** A contact's tickets that are not closed (agents see those of their queues). */
export async function openTicketsOf(token: string, contactId: number): Promise<TicketListItem[]> {
  const page = await call<{ items: TicketListItem[] }>(`/api/v1/tickets?contactId=${contactId}&limit=50`, { token });
  return page.items.filter((t) => t.status !== "closed");
}

/**
 * The socket's URL. A short-lived, single-use ticket from the API keeps the long-lived token out of
 * the URL (URLs end up in logs); a hub without ticket support takes the token itself.
 */
export async function socketUrl(token: string, path: string, params: Record<string, string>): Promise<string> {
  const url = new URL(path, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  try {
    const { ticket } = await call<{ ticket: string }>("/api/v1/auth/socket-ticket", { method: "POST", token });
    url.searchParams.set("ticket", ticket);
  } catch (err) {
    if (!(err instanceof ApiFailure) || (err.status !== 404 && err.status !== 405)) throw err;
    url.searchParams.set("access_token", token);
  }
  return url.toString();
}

/** Every queue for supervisors and admins; an agent's own for agents. */
export const allQueues = async (token: string) => (await call<{ items: Queue[] }>("/api/v1/queues", { token })).items;

export type TicketRow = TicketListItem & { contactName: string; queueId: string; tags: string[]; disposition: string | null; createdAt: number };
export type TicketFilters = { status?: string; queueId?: string; q?: string };

const query = (filters: TicketFilters) => new URLSearchParams(Object.entries(filters).filter(([, v]) => v) as [string, string][]);

/** A page of the interaction list, newest first; `cursor` is the last page's `nextCursor`. */
export function listTickets(token: string, filters: TicketFilters, cursor?: number) {
  const params = query(filters);
  params.set("limit", "50");
  if (cursor) params.set("cursor", String(cursor));
  return call<{ items: TicketRow[]; nextCursor: number | null }>(`/api/v1/tickets?${params}`, { token });
}

/** Whether agents pick this queue's tickets themselves (Close Auto Assign) instead of being offered them. */
export async function isPickOnly(token: string, queueId: string): Promise<boolean> {
  const queues = await call<{ items: (Queue & { routing?: { closeAutoAssign?: boolean } })[] }>("/api/v1/queues", { token });
  return queues.items.find((q) => q.id === queueId)?.routing?.closeAutoAssign === true;
}

type WaitingRow = TicketListItem & { accountId: string; accountName: string; provider: TicketView["provider"]; contactId: number; contactName: string; contactUsername: string | null; createdAt: number };
/** A queue's tickets waiting for an agent, oldest first, as the desk's waiting list shows them. */
export async function waitingTickets(token: string, queueId: string): Promise<{ ticket: TicketView; preview: string }[]> {
  const page = await call<{ items: WaitingRow[] }>(`/api/v1/tickets?${new URLSearchParams({ queueId, status: "open", limit: "100" })}`, { token });
  return page.items.reverse().map((t) => ({
    ticket: {
      id: t.id,
      accountId: t.accountId,
      accountName: t.accountName,
      provider: t.provider,
      contact: { id: t.contactId, name: t.contactName, username: t.contactUsername },
      subject: t.subject,
      createdAt: t.createdAt,
    },
    preview: t.preview,
  }));
}

/** A queue's active members by id and name: whom a ticket may be transferred to. */
export const colleaguesIn = async (token: string, queueId: string) =>
  (await call<{ items: { userId: string; displayName: string }[] }>(`/api/v1/queues/${queueId}/colleagues`, { token })).items;

/** Saves what an authenticated GET answers as a file (a plain link cannot carry the token). */
export async function download(token: string, path: string, filename: string): Promise<void> {
  await saveAs(await fetch(path, { headers: { Authorization: `Bearer ${token}` } }), filename);
}

/** Saves a file the API answered, or raises its refusal as an ApiFailure. */
async function saveAs(res: Response, filename: string): Promise<void> {
  if (!res.ok) {
    const err = ((await res.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    throw new ApiFailure(res.status, err?.code ?? "http_error", err?.message ?? `${res.status} ${res.statusText}`, err?.details);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const exportCsvPath = (filters: TicketFilters) => `/api/v1/tickets/export.csv?${query(filters)}`;

/** A search as POST /api/v1/tickets/search takes it (docs/interactions.md#search). */
export type SearchCondition = import("./search-rows").SearchCondition;
export type TicketSearch = { match: "all" | "any"; conditions: SearchCondition[] };

/** A page of tickets matching a search, newest first, paged as the list. */
export function searchTickets(token: string, search: TicketSearch, cursor?: number) {
  const params = new URLSearchParams({ limit: "50" });
  if (cursor) params.set("cursor", String(cursor));
  return call<{ items: TicketRow[]; nextCursor: number | null }>(`/api/v1/tickets/search?${params}`, { method: "POST", token, body: JSON.stringify(search) });
}

/** Saves the CSV of a search's tickets, or of the tickets selected (POST /api/v1/tickets/export.csv). */
export async function downloadExport(token: string, body: TicketSearch | { ids: number[] }, filename: string): Promise<void> {
  const res = await fetch("/api/v1/tickets/export.csv", {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  await saveAs(res, filename);
}

/** Erases tickets (admins; supervisors where each ticket's account has supervisorsMayDelete on). */
export const deleteTickets = (token: string, ids: number[]) =>
  ids.length === 1
    ? call<{ deleted: number[]; notFound: number[] }>(`/api/v1/tickets/${ids[0]}`, { method: "DELETE", token })
    : call<{ deleted: number[]; notFound: number[] }>("/api/v1/tickets/delete", { method: "POST", token, body: JSON.stringify({ ids }) });

/** Which accounts let supervisors delete their tickets (GET /api/v1/accounts, supervisors and admins). */
export const accountsDeletable = async (token: string) =>
  (await call<{ items: { id: string; name: string; conversation: { supervisorsMayDelete?: boolean } }[] }>("/api/v1/accounts", { token })).items.map((a) => ({
    id: a.id,
    name: a.name,
    supervisorsMayDelete: a.conversation.supervisorsMayDelete === true,
  }));

export type SavedSearch = TicketSearch & { id: string; ownerId: string; name: string; shared: boolean };
export const savedSearches = async (token: string) => (await call<{ items: SavedSearch[] }>("/api/v1/saved-searches", { token })).items;
export const saveSearch = (token: string, body: TicketSearch & { name: string; shared: boolean }) =>
  call<SavedSearch>("/api/v1/saved-searches", { method: "POST", token, body: JSON.stringify(body) });
export const deleteSavedSearch = (token: string, id: string) => call<null>(`/api/v1/saved-searches/${id}`, { method: "DELETE", token });

/** A search's refusal by condition index, from details such as {"path": "conditions.1", "message": …}. */
export function conditionErrors(err: ApiFailure): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [path, message] of Object.entries(err.fieldErrors())) {
    const m = /^conditions\.(\d+)/.exec(path);
    if (m) out[Number(m[1])] ??= message;
  }
  return out;
}
