import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { colleaguesIn, isPickOnly, me, openTicketsOf, ticketDetail, waitingTickets, type Queue, type Session } from "./api";
import { Conversation } from "./conversation";
import {
  boardConnection,
  boardConversations,
  boardDispositions,
  boardErrors,
  boardFrame,
  boardOffers,
  boardPresence,
  boardWaiting,
  initialBoard,
  queueOfTicket,
  select as selectTicket,
  selectedConversation,
  withQueue,
  type Board,
} from "./desk-board";
import { alertNewWork } from "./alert";
import { applyHistory, applyWaitingList, lastMessage, waitingListSeq } from "./desk-state";
import { DeskSocket } from "./desk-socket";
import { OfferCard } from "./offer-card";
import { ShortcutsHelp } from "./shortcuts-help";
import { CONNECTION_LABEL, ConnectionStatus, TopBar } from "./top-bar";
import { AlertLine } from "./notices";
import type { ClientFrame } from "./protocol";
import "./desk.css";

type Colleague = { userId: string; displayName: string };

/** A small label naming a ticket's queue, shown when the agent works more than one. */
function QueueTag({ queue, show }: { queue: Queue; show: boolean }) {
  return show ? <span class="queue-tag">{queue.name}</span> : null;
}

export function Desk({ session, onOpenConsole, onSignOut }: { session: Session; onOpenConsole?: () => void; onSignOut(): void }) {
  const [queues, setQueues] = useState<Queue[] | null>(null);
  const [problem, setProblem] = useState("");
  const [help, setHelp] = useState(false);
  const [colleagues, setColleagues] = useState<Record<string, Colleague[]>>({});
  const [board, setBoard] = useState<Board>(() => initialBoard([]));
  const boardRef = useRef(board);
  boardRef.current = board;
  const sockets = useRef(new Map<string, DeskSocket>());
  /** The presence the agent chose here, kept in a queue whose socket (re)connects; a supervisor's change forgets it. */
  const chosenPresence = useRef<"online" | "away" | null>(null);
  /** Tickets the agent accepted or picked: shown as soon as they are theirs. */
  const wanted = useRef(new Set<number>());
  const update = useCallback((f: (b: Board) => Board) => {
    boardRef.current = f(boardRef.current);
    setBoard(boardRef.current);
  }, []);

  useEffect(() => {
    me(session.token).then(
      (r) => setQueues(r.queues),
      (err: Error & { status?: number }) => (err.status === 401 ? onSignOut() : setProblem(err.message)),
    );
  }, [session.token]);

  // One socket per queue: the agent works every queue they are a member of at once.
  useEffect(() => {
    if (!queues || queues.length === 0) return;
    update(() => initialBoard(queues));
    let live = true;
    const opened = new Map<string, DeskSocket>();
    for (const queue of queues) {
      const queueId = queue.id;
      colleaguesIn(session.token, queueId).then(
        (items) => live && setColleagues((c) => ({ ...c, [queueId]: items.filter((m) => m.userId !== session.user.id) })),
        () => undefined,
      );
      // Frames announce only new waiting tickets: those already waiting are read at every (re)connect.
      const pickOnly = isPickOnly(session.token, queueId).catch(() => false);
      const loadWaiting = async () => {
        if (!(await pickOnly)) return;
        const askedAt = waitingListSeq(boardRef.current.states[queueId]!);
        const listed = await waitingTickets(session.token, queueId);
        if (live) update((b) => withQueue(b, queueId, (s) => applyWaitingList(s, listed, askedAt)));
      };
      const socket = new DeskSocket(session.token, queueId, {
        frame: (f) => {
          update((b) => {
            const next = boardFrame(b, queueId, f);
            if (f.type !== "ticket.assigned" || !wanted.current.delete(f.ticket.id)) return next;
            return selectTicket(next, f.ticket.id);
          });
          if (f.type === "hello") {
            loadWaiting().catch((err: Error) => setProblem(err.message));
            const chosen = chosenPresence.current;
            if (chosen && f.agent.status !== chosen) opened.get(queueId)?.send({ type: "presence", status: chosen });
          }
          if (f.type === "presence" && f.by) chosenPresence.current = null;
          // A ticket newly waiting to be picked calls like an offer (not one replayed after a drop).
          if (f.type === "ticket.waiting" && f.seq > (boardRef.current.states[queueId]?.replayUntil ?? 0)) {
            alertNewWork({ notification: f.notification, body: f.preview, tag: `waiting-${f.ticket.id}` });
          }
        },
        state: (connection, connectionNote) => update((b) => withQueue(b, queueId, (s) => ({ ...s, connection, connectionNote }))),
        lastSeq: () => boardRef.current.states[queueId]?.lastSeq ?? 0,
      });
      opened.set(queueId, socket);
      socket.start();
    }
    sockets.current = opened;
    // For the browser test: each queue's socket by the queue's name.
    (window as unknown as { deskSockets?: Record<string, DeskSocket> }).deskSockets = Object.fromEntries(queues.map((q) => [q.name, opened.get(q.id)!]));
    return () => {
      live = false;
      for (const s of opened.values()) s.stop();
    };
  }, [queues, session.token]);

  const notConnected = () =>
    update((b) => {
      const queueId = b.queues[0]?.id;
      return queueId ? withQueue(b, queueId, (s) => ({ ...s, error: { code: "not_connected", message: "Not connected: try again when the desk is back online." } })) : b;
    });

  /** A frame about a ticket goes to the socket of the queue that has it. */
  const send = useCallback((frame: ClientFrame) => {
    if (frame.type === "accept" || frame.type === "pick") wanted.current.add(frame.ticketId);
    const queueId = "ticketId" in frame ? queueOfTicket(boardRef.current, frame.ticketId) : undefined;
    if (!queueId || !sockets.current.get(queueId)?.send(frame)) notConnected();
  }, []);

  /** Presence is the agent's in every queue. */
  const setPresence = (status: "online" | "away") => {
    chosenPresence.current = status;
    let sent = 0;
    for (const socket of sockets.current.values()) if (socket.send({ type: "presence", status })) sent++;
    if (sent === 0) notConnected();
  };

  const select = (id: number) => update((b) => selectTicket(b, id));

  // A conversation's whole history comes from the API when the frames did not carry it.
  const shown = selectedConversation(board);
  const selected = shown?.conv;
  useEffect(() => {
    if (!shown || shown.conv.loaded) return;
    const id = shown.conv.ticket.id;
    const queueId = shown.queue.id;
    ticketDetail(session.token, id).then(
      (d) => update((b) => withQueue(b, queueId, (s) => applyHistory(s, id, d.messages))),
      (err: Error) => setProblem(err.message),
    );
  }, [selected?.ticket.id, selected?.loaded]);

  // Reading a conversation moves the read mark to its latest customer message.
  useEffect(() => {
    if (!selected?.ticket.unread || document.hidden) return;
    const lastIn = [...selected.messages].reverse().find((m) => m.direction === "in");
    if (lastIn) send({ type: "read", ticketId: selected.ticket.id, messageId: lastIn.id });
  }, [selected?.ticket.id, selected?.ticket.unread, selected?.messages.length]);

  const list = useMemo(() => boardConversations(board), [board.states]);
  const offers = useMemo(() => boardOffers(board), [board.states]);
  const waiting = useMemo(() => boardWaiting(board), [board.states]);
  const several = (queues?.length ?? 0) > 1;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
      if (e.key === "?" && !typing) {
        e.preventDefault();
        setHelp(true);
      }
      if (!e.altKey) return;
      const k = e.key.toLowerCase();
      const first = boardOffers(boardRef.current)[0];
      if (k === "a" && first) {
        e.preventDefault();
        send({ type: "accept", ticketId: first.offer.ticket.id });
      } else if (k === "n" && list.length > 0) {
        e.preventDefault();
        const i = list.findIndex((c) => c.conv.ticket.id === boardRef.current.selected);
        select(list[(i + 1) % list.length]!.conv.ticket.id);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [list]);

  const presence = boardPresence(board);
  const summary = boardConnection(board);
  const notes = summary.notes;
  const connection = queues && queues.length === 0 ? "closed" : summary.connection;
  const errors = boardErrors(board);

  return (
    <div class="desk">
      <TopBar
        title="Desk"
        who={board.queues.map((q) => board.states[q.id]?.agent?.name).find(Boolean) ?? session.user.email}
        token={session.token}
        onSignOut={onSignOut}
        actions={
          <>
            <button type="button" onClick={() => setHelp(true)} aria-keyshortcuts="?">
              Shortcuts
            </button>
            {onOpenConsole && (
              <button type="button" onClick={onOpenConsole}>
                Open console
              </button>
            )}
          </>
        }
      >
        {queues && queues.length > 0 && (
          <ul class="queues" aria-label="Your queues">
            {queues.map((q) => (
              <li key={q.id}>{q.name}</li>
            ))}
          </ul>
        )}
        <label>
          Presence
          <select
            value={presence === "mixed" ? "mixed" : presence === "online" ? "online" : "away"}
            disabled={!board.queues.some((q) => board.states[q.id]?.connection === "online")}
            onChange={(e) => setPresence((e.currentTarget as HTMLSelectElement).value as "online" | "away")}
          >
            <option value="online">Online</option>
            <option value="away">Away</option>
            {presence === "mixed" && (
              <option value="mixed" disabled>
                Online in some queues
              </option>
            )}
          </select>
        </label>
        <ConnectionStatus state={connection}>
          {notes.map((n) => (
            <span class="note" key={n.queue.id}>
              {" · "}
              {several ? `${n.queue.name}: ` : ""}
              {n.note || CONNECTION_LABEL[n.connection]}
            </span>
          ))}
        </ConnectionStatus>
      </TopBar>

      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
      <AlertLine text={problem} class="error banner" />
      {notes
        .filter((n) => n.connection === "closed")
        .map((n, i, closed) => (
          // A queue that ended for good (signed out of it, no longer a member); the others keep working.
          <p role="alert" class="error banner" key={n.queue.id}>
            {several ? `${n.queue.name}: ` : ""}
            {n.note}
            {closed.length === board.queues.length && i === closed.length - 1 && (
              <button type="button" onClick={onSignOut}>
                Sign in again
              </button>
            )}
          </p>
        ))}
      {queues && queues.length === 0 && <p class="banner">You are not a member of any queue yet. An admin adds you to one.</p>}
      {errors.map(({ queue, error }) => (
        <p role="alert" class="error banner" key={queue.id}>
          {several ? `${queue.name}: ` : ""}
          {error.message}
          <button type="button" aria-label="Dismiss" onClick={() => update((b) => withQueue(b, queue.id, (s) => ({ ...s, error: null })))}>
            ×
          </button>
        </p>
      ))}

      {offers.length > 0 && (
        <section class="offers" aria-label="Offers">
          {offers.map(({ offer: o, queue }) => (
            <OfferCard
              key={o.ticket.id}
              offer={o}
              queueName={several ? queue.name : undefined}
              onAccept={() => send({ type: "accept", ticketId: o.ticket.id })}
              onDecline={() => send({ type: "decline", ticketId: o.ticket.id })}
            />
          ))}
        </section>
      )}

      <div class="workspace">
        <nav class="conversations" aria-label="Conversations">
          {waiting.length > 0 && (
            <>
              <h2>Waiting</h2>
              <ul class="waiting">
                {waiting.map(({ item: w, queue }) => (
                  <li key={w.ticket.id}>
                    <span class="name">
                      {w.ticket.contact.name} <QueueTag queue={queue} show={several} />
                    </span>
                    <span class="last">{w.preview}</span>
                    <button type="button" onClick={() => send({ type: "pick", ticketId: w.ticket.id })}>
                      Pick<span class="visually-hidden"> {w.ticket.contact.name}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
          <h2>Mine</h2>
          {list.length === 0 && <p class="empty">No conversations. Offers appear above.</p>}
          <ul>
            {list.map(({ conv: c, queue }) => {
              const last = lastMessage(c);
              const unread = c.ticket.unread ?? 0;
              return (
                <li key={c.ticket.id}>
                  <button type="button" aria-current={c.ticket.id === board.selected ? "true" : undefined} onClick={() => select(c.ticket.id)}>
                    <span class="name">
                      {c.ticket.accountShortKey && (
                        <abbr class="account-key" title={c.ticket.accountName}>
                          {c.ticket.accountShortKey}
                        </abbr>
                      )}
                      {c.ticket.contact.name} <QueueTag queue={queue} show={several} />
                    </span>
                    {unread > 0 && (
                      <span class="badge" aria-label={`${unread} unread`}>
                        {unread}
                      </span>
                    )}
                    <span class="last">{last ? last.body || `[${last.attachments[0]?.kind ?? "empty"}]` : c.ticket.provider}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        </nav>
        {shown ? (
          <Conversation
            key={shown.conv.ticket.id}
            conv={shown.conv}
            queueName={several ? shown.queue.name : undefined}
            dispositions={boardDispositions(board)[shown.conv.ticket.accountId]}
            closingOf={async () => (await ticketDetail(session.token, shown.conv.ticket.id)).closing ?? null}
            queues={(queues ?? []).filter((q) => q.id !== shown.queue.id)}
            colleagues={colleagues[shown.queue.id] ?? []}
            revisionsOf={async (messageId) => {
              const d = await ticketDetail(session.token, shown.conv.ticket.id);
              return d.messages.find((m) => m.id === messageId)?.revisions ?? [];
            }}
            openTicketsOf={(contactId) => openTicketsOf(session.token, contactId)}
            send={send}
          />
        ) : (
          <section class="conversation placeholder" aria-label="Conversation">
            <p>Select a conversation.</p>
          </section>
        )}
      </div>
    </div>
  );
}
