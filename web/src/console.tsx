// The supervisor's console: one queue's live board (queue.state and its figures), spying on a live
// ticket with its history and what happens next, and internal notes the holding agent sees live.
import { useEffect, useRef, useState } from "preact/hooks";
import { allQueues, type Queue, type Session } from "./api";
import type { QueueState, QueueStats, SupervisorFrame } from "../../src/queue/protocol";
import type { MessageView } from "../../src/kinds/views";
import { Interactions } from "./interactions";
import { SupervisorSocket, type ConsoleFrame } from "./supervisor-socket";
import { AlertLine } from "./notices";
import { ConnectionStatus, TopBar } from "./top-bar";
import type { Connection } from "./live-socket";

const STATS_EVERY_MS = 10_000;

type Spy = { ticketId: number; title: string; holder: string | null; messages: MessageView[]; ended: string | null };

const wait = (s: number) => (s < 60 ? `${Math.round(s)}s` : `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`);
const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/** A spied ticket's messages after a frame its holder got: new ones appended, changed ones replaced. */
function withMessage(messages: MessageView[], m: MessageView): MessageView[] {
  const i = messages.findIndex((x) => x.id === m.id);
  if (i < 0) return [...messages, m];
  const next = messages.slice();
  next[i] = { ...next[i], ...m };
  return next;
}

export function Console({
  session,
  onOpenDesk,
  onOpenAdmin,
  onSignOut,
}: {
  session: Session;
  onOpenDesk(): void;
  onOpenAdmin?: () => void;
  onSignOut(): void;
}) {
  const [queues, setQueues] = useState<Queue[] | null>(null);
  const [queueId, setQueueId] = useState<string | null>(null);
  const [connection, setConnection] = useState<{ state: Connection; note: string }>({ state: "connecting", note: "" });
  const [board, setBoard] = useState<QueueState | null>(null);
  const [stats, setStats] = useState<QueueStats | null>(null);
  const [spy, setSpy] = useState<Spy | null>(null);
  const [error, setError] = useState("");
  const [note, setNote] = useState("");
  const [view, setView] = useState<"board" | "interactions">("board");
  /** When the board last came, so that waiting times keep counting between frames. */
  const [boardAt, setBoardAt] = useState(0);
  const [now, setNow] = useState(Date.now());
  const socketRef = useRef<SupervisorSocket | null>(null);
  const spyRef = useRef<Spy | null>(null);
  spyRef.current = spy;
  const boardRef = useRef<QueueState | null>(null);
  boardRef.current = board;
  /** Contacts' names by ticket, as seen while the tickets waited (queue.state names only waiting ones). */
  const contacts = useRef(new Map<number, string>());
  for (const w of board?.waiting ?? []) contacts.current.set(w.ticketId, w.contact);

  useEffect(() => {
    allQueues(session.token).then(
      (qs) => {
        setQueues(qs);
        setQueueId(qs[0]?.id ?? null);
      },
      (err: Error & { status?: number }) => (err.status === 401 ? onSignOut() : setError(err.message)),
    );
  }, [session.token]);

  useEffect(() => {
    if (!queueId) return;
    setBoard(null);
    setStats(null);
    setSpy(null);
    // The figures follow the board: asked again shortly after each change (one ask for a burst).
    let statsSoon: ReturnType<typeof setTimeout> | undefined;
    const askStats = () => {
      statsSoon ??= setTimeout(() => {
        statsSoon = undefined;
        socket.send({ type: "stats" });
      }, 300);
    };
    const onFrame = (f: ConsoleFrame) => {
      switch (f.type) {
        case "queue.state":
          askStats();
          setBoardAt(Date.now());
          return setBoard(f);
        case "queue.stats": {
          const { type: _t, ...figures } = f;
          return setStats(figures);
        }
        case "spy.started": {
          const holder = boardRef.current?.agents.find((a) => a.id === f.holderId)?.name ?? null;
          contacts.current.set(f.ticket.id, f.ticket.contact.name);
          return setSpy({ ticketId: f.ticket.id, title: `${f.ticket.contact.name} · #${f.ticket.id}`, holder, messages: f.messages, ended: null });
        }
        case "spy.event": {
          const cur = spyRef.current;
          if (!cur || cur.ticketId !== f.ticketId) return;
          const inner = f.frame;
          if (inner.type === "message" || inner.type === "message.updated") return setSpy({ ...cur, messages: withMessage(cur.messages, inner.message) });
          if (inner.type === "reply.queued" || inner.type === "note.added") return setSpy({ ...cur, messages: withMessage(cur.messages, inner.message) });
          return;
        }
        case "spy.stopped":
          if (spyRef.current?.ticketId === f.ticketId) setSpy({ ...spyRef.current, ended: `Spying ended (${f.reason.replace("_", " ")}).` });
          return;
        case "note.added": {
          const cur = spyRef.current;
          if (cur && cur.ticketId === f.message.ticketId) setSpy({ ...cur, messages: withMessage(cur.messages, f.message) });
          return;
        }
        case "error":
          return setError(f.message);
      }
    };
    const socket = new SupervisorSocket(session.token, queueId, {
      frame: onFrame,
      state: (state, note) => {
        setConnection({ state, note });
        if (state === "online") {
          socket.send({ type: "stats" });
          const cur = spyRef.current;
          if (cur && !cur.ended) socket.send({ type: "spy.start", ticketId: cur.ticketId });
        }
      },
    });
    socketRef.current = socket;
    socket.start();
    const timer = setInterval(() => socket.send({ type: "stats" }), STATS_EVERY_MS);
    return () => {
      clearInterval(timer);
      clearTimeout(statsSoon);
      socket.stop();
    };
  }, [queueId, session.token]);

  const send = (frame: SupervisorFrame) => {
    setError("");
    if (!socketRef.current?.send(frame)) setError("Not connected: try again when the console is back online.");
  };
  const startSpy = (ticketId: number) => {
    if (spy && spy.ticketId !== ticketId && !spy.ended) send({ type: "spy.stop", ticketId: spy.ticketId });
    send({ type: "spy.start", ticketId });
  };
  const addNote = (e: Event) => {
    e.preventDefault();
    const text = note.trim();
    if (!spy || !text) return;
    send({ type: "note", ticketId: spy.ticketId, text, clientMsgId: `s-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` });
    setNote("");
  };

  const ticking = (board?.waiting.length ?? 0) > 0;
  useEffect(() => {
    if (!ticking) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [ticking]);
  const since = Math.max(0, (now - boardAt) / 1000);

  const agentName = (id: string) => board?.agents.find((a) => a.id === id)?.name ?? id;
  const todayOf = new Map(stats?.agents.map((a) => [a.id, a.today.handled]) ?? []);
  /** Members the queue's figures know who have no socket to it: shown, but their state is theirs to set. */
  const absent = stats?.agents.filter((a) => !board?.agents.some((b) => b.id === a.id)) ?? [];
  const held = board?.agents.flatMap((a) => a.holding.map((ticketId) => ({ ticketId, agent: a.name }))) ?? [];

  return (
    <div class="console">
      <TopBar
        title="Console"
        who={session.user.displayName ?? session.user.email}
        token={session.token}
        onSignOut={onSignOut}
        actions={
          <>
            <button type="button" onClick={onOpenDesk}>
              Open desk
            </button>
            {onOpenAdmin && (
              <button type="button" onClick={onOpenAdmin}>
                Administration
              </button>
            )}
          </>
        }
      >
        <nav class="console-tabs" aria-label="Console views">
          <button type="button" aria-pressed={view === "board"} onClick={() => setView("board")}>
            Board
          </button>
          <button type="button" aria-pressed={view === "interactions"} onClick={() => setView("interactions")}>
            Interactions
          </button>
        </nav>
        {queues && queues.length > 1 && (
          <label>
            Queue
            <select value={queueId ?? ""} onChange={(e) => setQueueId((e.currentTarget as HTMLSelectElement).value)}>
              {queues.map((q) => (
                <option value={q.id}>{q.name}</option>
              ))}
            </select>
          </label>
        )}
        <ConnectionStatus state={connection.state}>{connection.note && <span class="note"> · {connection.note}</span>}</ConnectionStatus>
      </TopBar>
      <AlertLine text={error} class="error banner" />
      {queues && queues.length === 0 && <p class="banner">No queues yet.</p>}
      {view === "interactions" && <Interactions token={session.token} queues={queues ?? []} role={session.user.role ?? "supervisor"} userId={session.user.id} />}
      <div class="console-body" hidden={view !== "board"}>
        <section class="board" aria-label="Queue board">
          <h2>Queue board</h2>
          <dl class="figures" aria-label="Figures">
            <div>
              <dt>Waiting</dt>
              <dd data-figure="waiting">{stats?.waiting ?? board?.waiting.length ?? "–"}</dd>
            </div>
            <div>
              <dt>Longest wait</dt>
              <dd data-figure="longest-wait">{board?.waiting.length ? wait(Math.max(...board.waiting.map((w) => w.ageS)) + since) : stats ? wait(stats.longestWaitS) : "–"}</dd>
            </div>
            <div>
              <dt>Offers in flight</dt>
              <dd data-figure="offers">{stats?.offersInFlight ?? "–"}</dd>
            </div>
            <div>
              <dt>Load</dt>
              <dd data-figure="load">{stats ? `${stats.load} / ${stats.capacity}` : "–"}</dd>
            </div>
            <div>
              <dt>Handled today</dt>
              <dd data-figure="handled">{stats?.today.handled ?? "–"}</dd>
            </div>
            <div>
              <dt>Service level</dt>
              <dd data-figure="service-level">{stats?.today.serviceLevel.pct != null ? `${Math.round(stats.today.serviceLevel.pct)}%` : "–"}</dd>
            </div>
          </dl>

          <h3>Agents</h3>
          <table aria-label="Agents">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">State</th>
                <th scope="col">Load</th>
                <th scope="col">Offered</th>
                <th scope="col">Handled today</th>
              </tr>
            </thead>
            <tbody>
              {board?.agents.map((a) => (
                <tr key={a.id}>
                  <td>{a.name}</td>
                  <td>
                    <select
                      aria-label={`State of ${a.name}`}
                      value={a.status}
                      onChange={(e) => send({ type: "agent.state", agentId: a.id, status: (e.currentTarget as HTMLSelectElement).value as "online" })}
                    >
                      <option value="online">online</option>
                      <option value="away">away</option>
                      <option value="offline">offline</option>
                    </select>
                  </td>
                  <td>
                    {a.load} / {a.capacity}
                  </td>
                  <td>{a.offered.length ? a.offered.map((t) => `#${t}`).join(", ") : "–"}</td>
                  <td>{todayOf.get(a.id) ?? "–"}</td>
                </tr>
              ))}
              {absent.map((a) => (
                <tr key={a.id} class="absent">
                  <td>{a.name}</td>
                  <td>not connected</td>
                  <td>–</td>
                  <td>–</td>
                  <td>{a.today.handled}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {board && board.agents.length === 0 && <p class="empty">No agent is connected.</p>}
          {board && board.claimedByHigherPriority.length > 0 && (
            <p class="empty">Left to a higher-priority queue for now: {board.claimedByHigherPriority.map(agentName).join(", ")}.</p>
          )}

          <h3>Live tickets</h3>
          <ul class="live-tickets" aria-label="Live tickets">
            {board?.waiting.map((w) => (
              <li key={`w${w.ticketId}`}>
                <span class="name">
                  {w.contact} · #{w.ticketId}
                </span>
                <span class="last">
                  waiting <span data-age>{wait(w.ageS + since)}</span>, position {w.position}
                  {w.offeredTo.length > 0 && `, offered to ${w.offeredTo.map(agentName).join(", ")}`}
                  {w.escalated && ", escalated"}
                </span>
                <button type="button" onClick={() => startSpy(w.ticketId)} aria-label={`Spy on #${w.ticketId}`}>
                  Spy
                </button>
              </li>
            ))}
            {held.map((h) => (
              <li key={`h${h.ticketId}`}>
                <span class="name">
                  {contacts.current.has(h.ticketId) ? `${contacts.current.get(h.ticketId)} · ` : ""}#{h.ticketId}
                </span>
                <span class="last">with {h.agent}</span>
                <button type="button" onClick={() => startSpy(h.ticketId)} aria-label={`Spy on #${h.ticketId}`}>
                  Spy
                </button>
              </li>
            ))}
          </ul>
          {board && board.waiting.length + held.length === 0 && <p class="empty">No live tickets.</p>}
        </section>

        <section class="spy" aria-label="Spy">
          {!spy ? (
            <p class="empty">Pick a live ticket's Spy to watch its conversation.</p>
          ) : (
            <>
              <header class="conv-head">
                <h2>{spy.title}</h2>
                <span class="meta">{spy.holder ? `with ${spy.holder}` : "waiting"}</span>
                {!spy.ended && (
                  <button type="button" onClick={() => send({ type: "spy.stop", ticketId: spy.ticketId })}>
                    Stop spying
                  </button>
                )}
              </header>
              {spy.ended && <p class="banner">{spy.ended}</p>}
              <ol class="history" role="log" aria-label="Spied conversation">
                {spy.messages.map((m) => (
                  <li key={m.id} class={`msg ${m.direction}`} data-message-id={m.id}>
                    <span class="visually-hidden">{{ in: "Customer", out: "Agent", note: "Note", system: "System" }[m.direction]}: </span>
                    <p class="body">{m.deletedAt ? "Message unsent by the customer" : m.body}</p>
                    <span class="meta">
                      {time(m.createdAt)}
                      {m.direction === "out" && m.status !== "received" && ` · ${m.status}`}
                    </span>
                  </li>
                ))}
              </ol>
              {!spy.ended && (
                <form class="composer" onSubmit={addNote}>
                  <textarea aria-label="Note text" rows={2} value={note} onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)} />
                  <button type="submit" class="primary" disabled={!note.trim()}>
                    Add note
                  </button>
                </form>
              )}
            </>
          )}
        </section>
      </div>
    </div>
  );
}
