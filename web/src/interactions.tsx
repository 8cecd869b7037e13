// The interaction list for supervisors: GET /api/v1/tickets with a few filters, the matching
// tickets as CSV, and each ticket's transcript (docs/interactions.md).
import { useEffect, useState } from "preact/hooks";
import { download, exportCsvPath, listTickets, type Queue, type TicketFilters, type TicketRow } from "./api";

const when = (ms: number) => new Date(ms).toLocaleString([], { dateStyle: "short", timeStyle: "short" });

export function Interactions({ token, queues }: { token: string; queues: Queue[] }) {
  const [filters, setFilters] = useState<TicketFilters>({});
  const [rows, setRows] = useState<TicketRow[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState("");

  const load = async (f: TicketFilters, cursor?: number) => {
    setError("");
    try {
      const page = await listTickets(token, f, cursor);
      setRows((prev) => (cursor && prev ? [...prev, ...page.items] : page.items));
      setNext(page.nextCursor);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  useEffect(() => void load(filters), [token]);

  const apply = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const f: TicketFilters = { status: String(form.get("status") ?? ""), queueId: String(form.get("queueId") ?? ""), q: String(form.get("q") ?? "").trim() };
    setFilters(f);
    void load(f);
  };
  const save = (path: string, name: string) => download(token, path, name).catch((err: Error) => setError(err.message));

  return (
    <section class="interactions" aria-label="Interactions">
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
        <button type="button" onClick={() => save(exportCsvPath(filters), "tickets.csv")}>
          Export CSV
        </button>
      </form>
      {error && (
        <p role="alert" class="error banner">
          {error}
        </p>
      )}
      {rows && rows.length === 0 && <p class="empty">No tickets match.</p>}
      {rows && rows.length > 0 && (
        <table aria-label="Tickets">
          <thead>
            <tr>
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
                <td>#{t.id}</td>
                <td>
                  {t.contactName}
                  <span class="preview">{t.preview}</span>
                </td>
                <td>{t.queueName}</td>
                <td>{t.status}</td>
                <td>{t.agentName ?? "–"}</td>
                <td>{when(t.lastMessageAt)}</td>
                <td>
                  <button type="button" aria-label={`Transcript of #${t.id}`} onClick={() => save(`/api/v1/tickets/${t.id}/transcript.zip`, `ticket-${t.id}.zip`)}>
                    Transcript
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next !== null && (
        <button type="button" class="more" onClick={() => void load(filters, next)}>
          More
        </button>
      )}
    </section>
  );
}
