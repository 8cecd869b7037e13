// The API calls and views of the accounts, users, canned answers and dispositions screens.
import { ApiFailure, request } from "../http";
import type { ProviderKind } from "./account-providers";

export type Account = {
  id: string;
  provider: ProviderKind;
  name: string;
  key: string;
  /** The reference products' short Key (absent on a hub that does not keep one yet). */
  shortKey?: string | null;
  description?: string | null;
  phone?: string | null;
  queueId: string;
  settings: Record<string, unknown>;
  credentialsSet: Record<string, true>;
  receiveUrl: string;
  status: "active" | "pending" | "error";
  statusReason: string | null;
  lastWebhookAt: number | null;
  lastAuthFailureAt: number | null;
  lastAuthFailure: string | null;
  authFailureCount: number;
  lastDeliveryError: string | null;
  conversation: Record<string, unknown> & { dispositions?: string[]; mandatoryDisposition?: boolean };
  revealed?: Record<string, string>;
};

export type QueueSummary = { id: string; name: string };
export type User = { id: string; email: string; displayName: string; role: "admin" | "supervisor" | "agent"; capacity: number; active: boolean; passwordSet: boolean };
export type Member = { userId: string; email: string; displayName: string; role: string; active: boolean; weight: number };
export type Agent = { id: string; displayName: string; email: string; role: string; active: boolean };
export type Canned = { id: string; scope: string; shortcut: string; body: string };

const json = (method: string, body?: unknown) => ({ method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

export const listAccounts = async (token: string) => (await request<{ items: Account[] }>("/api/v1/accounts", { token })).items;
export const getAccount = (token: string, id: string) => request<Account>(`/api/v1/accounts/${id}`, { token });
export const createAccount = (token: string, body: Record<string, unknown>) => request<Account>("/api/v1/accounts", { token, ...json("POST", body) });
export const updateAccount = (token: string, id: string, body: Record<string, unknown>) =>
  request<Account>(`/api/v1/accounts/${id}`, { token, ...json("PATCH", body) });
export const deleteAccount = (token: string, id: string) => request<null>(`/api/v1/accounts/${id}`, { token, method: "DELETE" });
export const registerTelegramWebhook = (token: string, id: string) =>
  request<{ ok: true; url: string }>(`/api/v1/accounts/${id}/telegram/webhook`, { token, method: "POST" });
export const activateAccount = (token: string, id: string) => request<Account>(`/api/v1/accounts/${id}/activate`, { token, method: "POST" });

export const listQueues = async (token: string) => (await request<{ items: QueueSummary[] }>("/api/v1/queues", { token })).items;

/** A hub that does not have this route yet (its 404 names no resource). */
const noRoute = (err: unknown) => err instanceof ApiFailure && err.status === 404 && err.message.startsWith("No route for");

/** The agents who work an account: the members of its queue (through the queue on a hub without the account's own list). */
export async function accountAgents(token: string, account: Pick<Account, "id" | "queueId">): Promise<Agent[]> {
  try {
    return (await request<{ items: Agent[] }>(`/api/v1/accounts/${account.id}/agents`, { token })).items;
  } catch (err) {
    if (!noRoute(err)) throw err;
    return (await listMembers(token, account.queueId)).map((m) => ({ id: m.userId, displayName: m.displayName, email: m.email, role: m.role, active: m.active }));
  }
}

export async function addAccountAgents(token: string, account: Pick<Account, "id" | "queueId">, userIds: string[]): Promise<void> {
  try {
    await request(`/api/v1/accounts/${account.id}/agents`, { token, ...json("POST", { userIds }) });
  } catch (err) {
    if (!noRoute(err)) throw err;
    for (const u of userIds) await setMember(token, account.queueId, u);
  }
}

export async function removeAccountAgent(token: string, account: Pick<Account, "id" | "queueId">, userId: string): Promise<void> {
  try {
    await request(`/api/v1/accounts/${account.id}/agents/${userId}`, { token, method: "DELETE" });
  } catch (err) {
    if (!noRoute(err)) throw err;
    await removeMember(token, account.queueId, userId);
  }
}

export const listUsers = async (token: string) => (await request<{ items: User[] }>("/api/v1/users", { token })).items;
export const createUser = (token: string, body: Record<string, unknown>) => request<User>("/api/v1/users", { token, ...json("POST", body) });
export const updateUser = (token: string, id: string, body: Record<string, unknown>) => request<User>(`/api/v1/users/${id}`, { token, ...json("PATCH", body) });

export const deleteUser = (token: string, id: string) => request<null>(`/api/v1/users/${id}`, { token, method: "DELETE" });

export const listMembers = async (token: string, queueId: string) => (await request<{ items: Member[] }>(`/api/v1/queues/${queueId}/members`, { token })).items;
/** The queues a user belongs to, with their weight in each. */
export const userQueues = async (token: string, userId: string) =>
  (await request<{ items: { queueId: string; queueName: string; weight: number }[] }>(`/api/v1/users/${userId}/queues`, { token })).items;
export const setMember = (token: string, queueId: string, userId: string, weight?: number) =>
  request<Member>(`/api/v1/queues/${queueId}/members/${userId}`, { token, ...json("PUT", weight === undefined ? {} : { weight }) });
export const removeMember = (token: string, queueId: string, userId: string) =>
  request<null>(`/api/v1/queues/${queueId}/members/${userId}`, { token, method: "DELETE" });

export const listCanned = async (token: string) => (await request<{ items: Canned[] }>("/api/v1/canned-answers", { token })).items;
export const createCanned = (token: string, body: Omit<Canned, "id">) => request<Canned>("/api/v1/canned-answers", { token, ...json("POST", body) });
export const updateCanned = (token: string, id: string, body: Partial<Omit<Canned, "id">>) =>
  request<Canned>(`/api/v1/canned-answers/${id}`, { token, ...json("PATCH", body) });
export const deleteCanned = (token: string, id: string) => request<null>(`/api/v1/canned-answers/${id}`, { token, method: "DELETE" });

/**
 * The API's messages by field path. A detail naming a path without a message of its own (a
 * conflict: "already taken") gets the error's message.
 */
export function fieldErrorsOf(err: unknown): Record<string, string> {
  if (!(err instanceof ApiFailure)) return {};
  const out = err.fieldErrors();
  if (Array.isArray(err.details)) {
    for (const d of err.details as { path?: unknown }[]) if (typeof d?.path === "string") out[d.path] ??= err.message;
  }
  return out;
}

/** The message for a field: its own, or the first one of a part of it ("credentials.appSecrets.0"). */
export function errorAt(errors: Record<string, string>, path: string): string | undefined {
  return errors[path] ?? Object.entries(errors).find(([p]) => p.startsWith(`${path}.`))?.[1];
}

export const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * What a refused save says next to its button: for values the schema refused, how many fields need
 * attention (each shows the API's message); otherwise the API's message (a Key already taken, a
 * template in use).
 */
export function refusalSummary(err: unknown, fields: Record<string, string>): string {
  const n = Object.keys(fields).length;
  if (err instanceof ApiFailure && err.code === "validation_failed" && n > 0) return needAttention(n);
  return messageOf(err);
}

/** What a save refused for `n` fields says next to its button (each field shows its own message). */
export const needAttention = (n: number) => `Not saved: ${n === 1 ? "one field needs" : `${n} fields need`} attention, see the message at ${n === 1 ? "it" : "each"}.`;
