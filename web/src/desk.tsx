import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { colleaguesIn, isPickOnly, logout, me, openTicketsOf, ticketDetail, waitingTickets, type Queue, type Session } from "./api";
import { Conversation } from "./conversation";
import { applyFrame, applyHistory, applyWaitingList, conversationList, initialDeskState, lastMessage, type DeskState } from "./desk-state";
import { DeskSocket } from "./desk-socket";
import { OfferCard } from "./offer-card";
import { ShortcutsHelp } from "./shortcuts-help";
import type { ClientFrame } from "./protocol";

export function Desk({ session, onOpenConsole, onSignOut }: { session: Session; onOpenConsole?: () => void; onSignOut(): void }) {
  const [queues, setQueues] = useState<Queue[] | null>(null);
  const [queueId, setQueueId] = useState<string | null>(null);
  const [problem, setProblem] = useState("");
  const [help, setHelp] = useState(false);
  const [colleagues, setColleagues] = useState<{ userId: string; displayName: string }[]>([]);
  const [state, setState] = useState<DeskState>(initialDeskState);
  const stateRef = useRef(state);
  stateRef.current = state;
  const socketRef = useRef<DeskSocket | null>(null);

  useEffect(() => {
    me(session.token).then(
      (r) => {
        setQueues(r.queues);
        setQueueId(r.queues[0]?.id ?? null);
      },
      (err: Error & { status?: number }) => (err.status === 401 ? onSignOut() : setProblem(err.message)),
    );
  }, [session.token]);

  useEffect(() => {
    if (!queueId) return;
    setColleagues([]);
    colleaguesIn(session.token, queueId).then(
      (items) => setColleagues(items.filter((m) => m.userId !== session.user.id)),
      () => undefined,
    );
  }, [queueId, session.token]);

  useEffect(() => {
    if (!queueId) return;
    const fresh = initialDeskState();
    stateRef.current = fresh;
    setState(fresh);
    let live = true;
    // Frames announce only new waiting tickets: those already waiting are read at every (re)connect.
    const pickOnly = isPickOnly(session.token, queueId).catch(() => false);
    const loadWaiting = async () => {
      if (!(await pickOnly)) return;
      const known = stateRef.current.waiting.map((w) => w.ticket.id);
      const listed = await waitingTickets(session.token, queueId);
      if (!live) return;
      stateRef.current = applyWaitingList(stateRef.current, listed, known);
      setState(stateRef.current);
    };
    const socket = new DeskSocket(session.token, queueId, {
      frame: (f) => {
        stateRef.current = applyFrame(stateRef.current, f);
        setState(stateRef.current);
        if (f.type === "hello") loadWaiting().catch((err: Error) => setProblem(err.message));
      },
      state: (connection, connectionNote) => {
        stateRef.current = { ...stateRef.current, connection, connectionNote };
        setState(stateRef.current);
      },
      lastSeq: () => stateRef.current.lastSeq,
    });
    socketRef.current = socket;
    (window as unknown as { deskSocket?: DeskSocket }).deskSocket = socket;
    socket.start();
    return () => {
      live = false;
      socket.stop();
    };
  }, [queueId, session.token]);

  const send = useCallback((frame: ClientFrame) => {
    if (!socketRef.current?.send(frame)) {
      stateRef.current = { ...stateRef.current, error: { code: "not_connected", message: "Not connected: try again when the desk is back online." } };
      setState(stateRef.current);
    }
  }, []);

  const select = (id: number) => {
    stateRef.current = { ...stateRef.current, selected: id };
    setState(stateRef.current);
  };

  // A conversation's whole history comes from the API when the frames did not carry it.
  const selected = state.selected === null ? undefined : state.conversations.get(state.selected);
  useEffect(() => {
    if (!selected || selected.loaded) return;
    const id = selected.ticket.id;
    ticketDetail(session.token, id).then(
      (d) => {
        stateRef.current = applyHistory(stateRef.current, id, d.messages);
        setState(stateRef.current);
      },
      (err: Error) => setProblem(err.message),
    );
  }, [selected?.ticket.id, selected?.loaded]);

  // Reading a conversation moves the read mark to its latest customer message.
  useEffect(() => {
    if (!selected?.ticket.unread || document.hidden) return;
    const lastIn = [...selected.messages].reverse().find((m) => m.direction === "in");
    if (lastIn) send({ type: "read", ticketId: selected.ticket.id, messageId: lastIn.id });
  }, [selected?.ticket.id, selected?.ticket.unread, selected?.messages.length]);

  const list = useMemo(() => conversationList(state), [state.conversations]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
      if (e.key === "?" && !typing) {
        e.preventDefault();
        setHelp(true);
      }
      if (!e.altKey) return;
      const k = e.key.toLowerCase();
      if (k === "a" && stateRef.current.offers[0]) {
        e.preventDefault();
        send({ type: "accept", ticketId: stateRef.current.offers[0].ticket.id });
      } else if (k === "n" && list.length > 0) {
        e.preventDefault();
        const i = list.findIndex((c) => c.ticket.id === stateRef.current.selected);
        select(list[(i + 1) % list.length]!.ticket.id);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [list]);

  const status = state.agent?.status ?? "offline";
  const connectionLabel = { connecting: "Connecting…", online: "Online", reconnecting: "Reconnecting…", closed: "Disconnected" }[state.connection];

  return (
    <div class="desk">
      <header class="topbar">
        <h1>Desk</h1>
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
        <label>
          Presence
          <select
            value={status === "offline" ? "away" : status}
            disabled={state.connection !== "online"}
            onChange={(e) => send({ type: "presence", status: (e.currentTarget as HTMLSelectElement).value as "online" | "away" })}
          >
            <option value="online">Online</option>
            <option value="away">Away</option>
          </select>
        </label>
        <p class={`connection ${state.connection}`} role="status" aria-label="Connection">
          <span class="dot" aria-hidden="true" />
          {connectionLabel}
          {state.connectionNote && <span class="note"> · {state.connectionNote}</span>}
        </p>
        <span class="who">{state.agent?.name ?? session.user.email}</span>
        <button type="button" onClick={() => setHelp(true)} aria-keyshortcuts="?">
          Shortcuts
        </button>
        {onOpenConsole && (
          <button type="button" onClick={onOpenConsole}>
            Open console
          </button>
        )}
        <button
          type="button"
          onClick={() => {
            void logout(session.token).catch(() => undefined);
            onSignOut();
          }}
        >
          Sign out
        </button>
      </header>

      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
      {problem && (
        <p role="alert" class="error banner">
          {problem}
        </p>
      )}
      {state.connection === "closed" && (
        <p role="alert" class="error banner">
          {state.connectionNote}
          <button type="button" onClick={onSignOut}>
            Sign in again
          </button>
        </p>
      )}
      {queues && queues.length === 0 && <p class="banner">You are not a member of any queue yet. An admin adds you to one.</p>}
      {state.error && (
        <p role="alert" class="error banner">
          {state.error.message}
          <button type="button" aria-label="Dismiss" onClick={() => setState((stateRef.current = { ...stateRef.current, error: null }))}>
            ×
          </button>
        </p>
      )}

      {state.offers.length > 0 && (
        <section class="offers" aria-label="Offers">
          {state.offers.map((o) => (
            <OfferCard key={o.ticket.id} offer={o} onAccept={() => send({ type: "accept", ticketId: o.ticket.id })} onDecline={() => send({ type: "decline", ticketId: o.ticket.id })} />
          ))}
        </section>
      )}

      <div class="workspace">
        <nav class="conversations" aria-label="Conversations">
          {state.waiting.length > 0 && (
            <>
              <h2>Waiting</h2>
              <ul class="waiting">
                {state.waiting.map((w) => (
                  <li key={w.ticket.id}>
                    <span class="name">{w.ticket.contact.name}</span>
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
            {list.map((c) => {
              const last = lastMessage(c);
              const unread = c.ticket.unread ?? 0;
              return (
                <li key={c.ticket.id}>
                  <button type="button" aria-current={c.ticket.id === state.selected ? "true" : undefined} onClick={() => select(c.ticket.id)}>
                    <span class="name">{c.ticket.contact.name}</span>
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
        {selected ? (
          <Conversation key={selected.ticket.id} conv={selected} dispositions={state.dispositions[selected.ticket.accountId]}
            queues={(queues ?? []).filter((q) => q.id !== queueId)}
            colleagues={colleagues}
            revisionsOf={async (messageId) => {
              const d = await ticketDetail(session.token, selected.ticket.id);
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
