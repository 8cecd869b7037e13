// The interaction list for supervisors: GET /api/v1/tickets with a few filters, or the advanced
// search (POST /api/v1/tickets/search, loaded on first use); the matching or selected tickets as
// CSV, each ticket's transcript, and deleting tickets where the API allows it (docs/interactions.md).
import { useEffect, useRef, useState } from "preact/hooks";
import {
  accountsDeletable,
  ApiFailure,
  conditionErrors,
  deleteTickets,
  download,
  downloadExport,
  exportCsvPath,
  listTickets,
  searchTickets,
  type Queue,
  type TicketFilters,
  type TicketRow,
  type TicketSearch,
} from "./api";
import { AlertLine, StatusLine } from "./notices";
import "./console.css";

const when = (ms: number) => new Date(ms).toLocaleString([], { dateStyle: "short", timeStyle: "short" });

type Row = TicketRow & { accountId: string };
type Source = { kind: "filters"; filters: TicketFilters } | { kind: "search"; search: TicketSearch };
type Account = { id: string; name: string; supervisorsMayDelete: boolean };
type AdvancedView = typeof import("./advanced-search").AdvancedSearch;

/** The API's message, with the tickets or fields its details name ("ticket 42: …"). */
function explain(err: unknown): string {
  if (!(err instanceof ApiFailure) || !Array.isArray(err.details)) return (err as Error).message;
  const named = (err.details as { path?: unknown; message?: unknown }[]).filter((d) => typeof d?.path === "string").map((d) => `${d.path}: ${d.message}`);
  return named.length ? `${err.message} (${named.join("; ")})` : err.message;
}

export function Interactions({ token, queues, role, userId }: { token: string; queues: Queue[]; role: string; userId: string }) {
  const [source, setSource] = useState<Source>({ kind: "filters", filters: {} });
  const [rows, setRows] = useState<Row[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [advanced, setAdvanced] = useState(false);
  const [Advanced, setAdvancedView] = useState<AdvancedView | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [confirming, setConfirming] = useState<number[] | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  const readAccounts = () =>
    accountsDeletable(token).then(setAccounts, () => setAccounts((cur) => cur ?? []));

  /** Loads a page; a search's refusals come back by condition index for the builder to show. */
  const load = async (s: Source, cursor?: number): Promise<Record<number, string>> => {
    setError("");
    if (!cursor) {
      setNotice("");
      setSelected(new Set());
      void readAccounts();
    }
    try {
      const page = s.kind === "filters" ? await listTickets(token, s.filters, cursor) : await searchTickets(token, s.search, cursor);
      const items = page.items as Row[];
      setRows((prev) => (cursor && prev ? [...prev, ...items] : items));
      setNext(page.nextCursor);
      return {};
    } catch (err) {
      const byCondition = s.kind === "search" && err instanceof ApiFailure ? conditionErrors(err) : {};
      setError(Object.keys(byCondition).length ? "The search has conditions the hub refused: see the conditions marked." : explain(err));
      return byCondition;
    }
  };
  useEffect(() => void load(source), [token]);

  useEffect(() => {
    if (advanced && !Advanced) void import("./advanced-search").then((m) => setAdvancedView(() => m.AdvancedSearch));
  }, [advanced, Advanced]);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (confirming && !d.open) d.showModal();
    if (!confirming && d.open) d.close();
  }, [confirming]);

  const apply = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const s: Source = { kind: "filters", filters: { status: String(form.get("status") ?? ""), queueId: String(form.get("queueId") ?? ""), q: String(form.get("q") ?? "").trim() } };
    setSource(s);
    void load(s);
  };
  const runSearch = (search: TicketSearch) => {
    const s: Source = { kind: "search", search };
    setSource(s);
    return load(s);
  };
  const toggleAdvanced = () => {
    const on = !advanced;
    setAdvanced(on);
    if (!on && source.kind === "search") {
      const s: Source = { kind: "filters", filters: {} };
      setSource(s);
      void load(s);
    }
  };

  const fail = (err: unknown) => setError(explain(err));
  const exportCsv = () =>
    (source.kind === "filters" ? download(token, exportCsvPath(source.filters), "tickets.csv") : downloadExport(token, source.search, "tickets.csv")).catch(fail);
  const exportSelected = () => downloadExport(token, { ids: chosen }, "tickets-selected.csv").catch(fail);

  const mayDelete = (t: Row) => role === "admin" || accounts?.find((a) => a.id === t.accountId)?.supervisorsMayDelete === true;
  const toggle = (id: number, on: boolean) =>
    setSelected((cur) => {
      const s = new Set(cur);
      if (on) s.add(id);
      else s.delete(id);
      return s;
    });

  const erase = async (ids: number[]) => {
    setConfirming(null);
    setError("");
    setNotice("");
    try {
      const { deleted, notFound } = await deleteTickets(token, ids);
      const gone = new Set([...deleted, ...notFound]);
      setRows((cur) => cur?.filter((t) => !gone.has(t.id)) ?? null);
      setSelected((cur) => new Set([...cur].filter((id) => !gone.has(id))));
      setNotice(deleted.length === 1 ? `Deleted ticket #${deleted[0]}.` : `Deleted ${deleted.length} tickets.`);
    } catch (err) {
      fail(err);
      // A refusal may mean an account's setting changed since the list was read.
      if (err instanceof ApiFailure && err.status === 403) void readAccounts();
    }
  };

  const chosen = [...selected].filter((id) => rows?.some((t) => t.id === id));
  const allChosen = rows !== null && rows.length > 0 && rows.every((t) => selected.has(t.id));
  /** Delete selected is offered when the caller may delete every ticket chosen. */
  const chosenDeletable = chosen.length > 0 && chosen.every((id) => rows?.some((t) => t.id === id && mayDelete(t)));

  return (
    <section class="interactions" aria-label="Interactions">
      <div class="finding">
        {!advanced && (
          <form class="filters" onSubmit={apply}>
            <label>
              Status
              <select name="status">
                <option value="">any</option>
                <option value="open">open</option>
                <option value="assigned">assigned</option>
                <option value="closed">closed</option>
              </select>
            </label>
            <label>
              In queue
              <select name="queueId">
                <option value="">any</option>
                {queues.map((q) => (
                  <option value={q.id}>{q.name}</option>
                ))}
              </select>
            </label>
            <label>
              Search
              <input name="q" type="search" placeholder="words in any message" />
            </label>
            <button type="submit" class="primary">
              Filter
            </button>
          </form>
        )}
        {advanced &&
          (Advanced ? (
            <Advanced token={token} userId={userId} role={role} queues={queues} accounts={(accounts ?? []).map((a) => ({ value: a.id, label: a.name }))} onRun={runSearch} />
          ) : (
            <p role="status">Loading advanced search…</p>
          ))}
      </div>
      <div class="list-actions">
        <button type="button" aria-expanded={advanced} onClick={toggleAdvanced}>
          {advanced ? "Simple filters" : "Advanced search"}
        </button>
        <button type="button" onClick={() => void exportCsv()}>
          Export CSV
        </button>
        {chosen.length > 0 && (
          <>
            <button type="button" onClick={() => void exportSelected()}>
              Export selected ({chosen.length})
            </button>
            {chosenDeletable && (
              <button type="button" class="danger" onClick={() => setConfirming(chosen)}>
                Delete selected ({chosen.length})
              </button>
            )}
          </>
        )}
      </div>
      <AlertLine text={error} class="error banner" />
      <StatusLine text={notice} class="notice" />
      {rows && rows.length === 0 && <p class="empty">No tickets match.</p>}
      {rows && rows.length > 0 && (
        <table aria-label="Tickets" class="ticket-table">
          <thead>
            <tr>
              <th scope="col" class="pick">
                <input
                  type="checkbox"
                  aria-label="Select every ticket shown"
                  checked={allChosen}
                  onChange={(e) => setSelected((e.currentTarget as HTMLInputElement).checked ? new Set(rows.map((t) => t.id)) : new Set())}
                />
              </th>
              <th scope="col">Ticket</th>
              <th scope="col">Customer</th>
              <th scope="col">Queue</th>
              <th scope="col">Status</th>
              <th scope="col">Agent</th>
              <th scope="col">Last message</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.id}>
                <td class="pick">
                  <input type="checkbox" aria-label={`Select ticket ${t.id}`} checked={selected.has(t.id)} onChange={(e) => toggle(t.id, (e.currentTarget as HTMLInputElement).checked)} />
                </td>
                <td class="id">#{t.id}</td>
                <td class="customer">
                  {t.contactName}
                  <span class="preview">{t.preview}</span>
                </td>
                <td data-label="Queue">{t.queueName}</td>
                <td data-label="Status">{t.status}</td>
                <td data-label="Agent">{t.agentName ?? "–"}</td>
                <td data-label="Last message">{when(t.lastMessageAt)}</td>
                <td class="row-actions">
                  <div>
                    <button type="button" aria-label={`Transcript of #${t.id}`} onClick={() => download(token, `/api/v1/tickets/${t.id}/transcript.zip`, `ticket-${t.id}.zip`).catch(fail)}>
                      Transcript
                    </button>
                    {mayDelete(t) && (
                      <button type="button" class="danger" aria-label={`Delete ticket ${t.id}`} onClick={() => setConfirming([t.id])}>
                        Delete
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next !== null && (
        <button type="button" class="more" onClick={() => void load(source, next)}>
          More
        </button>
      )}
      <dialog ref={dialog} class="confirm" aria-labelledby="confirm-delete-title" onClose={() => setConfirming(null)}>
        {confirming && (
          <>
            <h2 id="confirm-delete-title">{confirming.length === 1 ? `Delete ticket #${confirming[0]}?` : `Delete ${confirming.length} tickets?`}</h2>
            <p>Its messages, notes, attachments' records and read marks are erased for good; this cannot be undone.</p>
            <div class="actions">
              <button type="button" onClick={() => setConfirming(null)}>
                Cancel
              </button>
              <button type="button" class="danger primary" onClick={() => void erase(confirming)}>
                Delete
              </button>
            </div>
          </>
        )}
      </dialog>
    </section>
  );
}
