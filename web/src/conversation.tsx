import type { VNode } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Closing, TicketListItem } from "./api";
import type { Conversation as Conv } from "./desk-state";
import type { ClientFrame, MessageView } from "./protocol";

const TICKS: Record<MessageView["status"], string> = {
  received: "",
  queued: "🕓 queued",
  sending: "🕓 sending",
  sent: "✓ sent",
  delivered: "✓✓ delivered",
  read: "✓✓ read",
  failed: "⚠ failed",
};

/** A long history's window: it moves by PAGE messages and holds at most MAX. */
const PAGE = 50;
const MAX = 250;

// One formatter for every message: toLocaleTimeString would build one per call.
const clock = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit" });
const time = (ms: number) => clock.format(ms);

const EDITABLE = new Set<MessageView["status"]>(["sent", "delivered", "read"]);
/** Providers whose sent messages can be edited (`canEdit` of their adapters; docs/agent-protocol.md, "edit"). */
const EDITING_PROVIDERS = new Set(["telegram", "custom"]);

type Revision = { body: string; replacedAt: number };

/** An edited message's earlier versions, read from the API when asked for. */
function EarlierVersions({ load }: { load(): Promise<Revision[]> }) {
  const [versions, setVersions] = useState<Revision[] | null>(null);
  const [failed, setFailed] = useState("");
  if (versions === null) {
    return (
      <button type="button" class="link" onClick={() => load().then(setVersions, (err: Error) => setFailed(err.message))}>
        Earlier versions{failed && ` (${failed})`}
      </button>
    );
  }
  return (
    <ol class="revisions" aria-label="Earlier versions">
      {versions.length === 0 && <li>None kept.</li>}
      {versions.map((r) => (
        <li>
          <del>{r.body}</del> <time dateTime={new Date(r.replacedAt).toISOString()}>{time(r.replacedAt)}</time>
        </li>
      ))}
    </ol>
  );
}

type MessageProps = {
  m: MessageView;
  storyUrl: string | undefined;
  /** Absent where the ticket's provider cannot edit a sent message. */
  onEdit?(m: MessageView): void;
  onResend(m: MessageView): void;
  revisionsOf(id: number): Promise<Revision[]>;
};

function Message({ m, storyUrl, onEdit, onResend, revisionsOf }: MessageProps) {
  const label = { in: "Customer", out: "You", note: "Note", system: "System" }[m.direction];
  return (
    <li class={`msg ${m.direction}`} data-message-id={m.id}>
      <span class="visually-hidden">{label}: </span>
      {m.deletedAt ? <em>Message unsent by the customer</em> : <p class="body">{m.body}</p>}
      {m.translation && m.direction === "in" && (
        <p class="translation" lang={m.translation.language}>
          {m.translation.text}
        </p>
      )}
      {m.translation && m.direction === "out" && (
        // A reply sent translated: the body is what the customer got, this is what the agent wrote.
        <p class="translation" lang={m.translation.language}>
          <span class="visually-hidden">Your words: </span>
          {m.translation.text}
        </p>
      )}
      {m.attachments.map((a) => (
        <p class="attachment">
          📎 {a.kind}
          {a.name ? ` · ${a.name}` : ""}
          {a.size ? ` · ${Math.round(a.size / 1024)} KB` : ""}
        </p>
      ))}
      {storyUrl && (
        <p class="attachment">
          Story mention (shown live only):{" "}
          <a href={storyUrl} target="_blank" rel="noreferrer noopener">
            open the story
          </a>
        </p>
      )}
      <footer>
        {m.direction === "note" && <span class="tag">internal note</span>}
        <time dateTime={new Date(m.createdAt).toISOString()}>{time(m.createdAt)}</time>
        {m.editedAt && <span> · edited</span>}
        {m.editedAt && <EarlierVersions load={() => revisionsOf(m.id)} />}
        {m.reaction && <span> · {m.reaction}</span>}
        {m.direction === "out" && (
          <span class={`tick ${m.status}`} data-status={m.status} title={m.statusReason ?? m.status}>
            {TICKS[m.status]}
            {m.status === "failed" && m.statusReason ? `: ${m.statusReason}` : ""}
          </span>
        )}
        {m.direction === "out" && m.status === "failed" && (
          <button type="button" class="link" onClick={() => onResend(m)}>
            Resend
          </button>
        )}
        {m.direction === "out" && EDITABLE.has(m.status) && onEdit && (
          <button type="button" class="link" onClick={() => onEdit(m)}>
            Edit<span class="visually-hidden"> this reply</span>
          </button>
        )}
      </footer>
    </li>
  );
}

type Props = {
  conv: Conv;
  /** The ticket's queue, named when the agent works more than one. */
  queueName?: string;
  /** The account's dispositions as a refused close named them: what the desk offers when `closingOf` could not say. */
  dispositions: string[] | undefined;
  /** What closing the ticket takes (the account's dispositions, whether one is required), read when the conversation opens. */
  closingOf(): Promise<Closing | null>;
  /** Queues the ticket may be transferred to: the agent's others. */
  queues: { id: string; name: string }[];
  /** Colleagues in this queue the ticket may be transferred to (online ones take it). */
  colleagues: { userId: string; displayName: string }[];
  /** An edited message's earlier versions, oldest first. */
  revisionsOf(messageId: number): Promise<Revision[]>;
  /** The customer's tickets that are not closed, this one included. */
  openTicketsOf(contactId: number): Promise<TicketListItem[]>;
  send(f: ClientFrame): void;
};

function OtherTickets({ ticketId, contactId, load }: { ticketId: number; contactId: number; load: Props["openTicketsOf"] }) {
  const [items, setItems] = useState<TicketListItem[] | null>(null);
  useEffect(() => {
    let live = true;
    load(contactId).then(
      (all) => live && setItems(all.filter((t) => t.id !== ticketId)),
      () => live && setItems([]),
    );
    return () => {
      live = false;
    };
  }, [ticketId, contactId]);
  if (items === null) return <p class="meta">Looking for the customer's other tickets…</p>;
  if (items.length === 0) return <p class="meta">No other open tickets of this customer.</p>;
  return (
    <ul class="other-tickets" aria-label="The customer's other open tickets">
      {items.map((t) => (
        <li key={t.id}>
          #{t.id} · {t.status} · {t.queueName}
          {t.agentName ? ` · ${t.agentName}` : ""} · {t.subject ?? t.preview}
        </li>
      ))}
    </ul>
  );
}

export function Conversation({ conv, queueName, dispositions, closingOf, queues, colleagues, revisionsOf, openTicketsOf, send }: Props) {
  const { ticket } = conv;
  const [text, setText] = useState("");
  const [note, setNote] = useState(false);
  const [closing, setClosing] = useState<Closing | null>(null);
  const [disposition, setDisposition] = useState("");
  /** Why "Close ticket" did not close, said at the Disposition select. */
  const [closeWhy, setCloseWhy] = useState("");
  const dispositionSelect = useRef<HTMLSelectElement>(null);
  const [transferTo, setTransferTo] = useState("");
  const [transferAgent, setTransferAgent] = useState("");
  /** The sent reply being edited in the composer, if any. */
  const [editing, setEditing] = useState<number | null>(null);
  const log = useRef<HTMLOListElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);

  // A long history renders a window of at most MAX messages, the latest at first; scrolling near
  // either end moves the window, and the message in view stays where it was.
  const len = conv.messages.length;
  const [win, setWin] = useState({ start: Math.max(0, len - PAGE), end: len, follow: true });
  const end = win.follow ? len : Math.min(win.end, len);
  const start = Math.min(Math.max(win.start, end - MAX), end);
  const anchor = useRef<{ id: string; offset: number } | null>(null);
  const pinned = useRef(true);

  const moveWindow = (next: { start: number; end: number; follow: boolean }) => {
    const el = log.current;
    if (!el || anchor.current) return;
    for (const child of el.querySelectorAll<HTMLElement>("li[data-message-id]")) {
      if (child.offsetTop + child.offsetHeight > el.scrollTop) {
        anchor.current = { id: child.dataset.messageId!, offset: child.offsetTop - el.scrollTop };
        break;
      }
    }
    setWin(next);
  };
  const earlier = () => {
    if (start === 0) return;
    const s = Math.max(0, start - PAGE);
    moveWindow({ start: s, end: Math.min(end, s + MAX), follow: false });
  };
  const later = () => {
    if (end >= len) return;
    const e = Math.min(len, end + PAGE);
    moveWindow({ start: Math.max(start, e - MAX), end: e, follow: e === len });
  };

  useLayoutEffect(() => {
    const el = log.current;
    if (!el) return;
    const a = anchor.current;
    anchor.current = null;
    const child = a && el.querySelector<HTMLElement>(`li[data-message-id="${a.id}"]`);
    if (child) el.scrollTop = child.offsetTop - a!.offset;
    else if (pinned.current) el.scrollTop = el.scrollHeight;
  }, [start, end, len]);

  useEffect(() => {
    let live = true;
    // Without it the desk still closes; the hub's refusal then names the dispositions.
    closingOf().then(
      (c) => live && c && setClosing(c),
      () => undefined,
    );
    return () => {
      live = false;
    };
    // A refused close teaches dispositions (the account's may have changed since): read them anew.
  }, [ticket.id, dispositions]);
  const choices = closing?.dispositions.length ? closing.dispositions : (dispositions ?? []);
  const dispositionRequired = closing?.dispositionRequired ?? false;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && e.key.toLowerCase() === "m") {
        e.preventDefault();
        setNote((n) => !n);
        input.current?.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const submit = (e?: Event) => {
    e?.preventDefault();
    const body = text.trim();
    if (!body) return;
    if (editing !== null) {
      send({ type: "edit", ticketId: ticket.id, messageId: editing, text: body });
      setEditing(null);
      setText("");
      return;
    }
    const clientMsgId = crypto.randomUUID();
    // "/shortcut" alone sends the canned answer of that shortcut, rendered by the hub.
    const canned = !note && /^\/([a-z0-9_-]{1,32})$/.exec(body)?.[1];
    if (note) send({ type: "note", ticketId: ticket.id, text: body, clientMsgId });
    else if (canned) send({ type: "reply", ticketId: ticket.id, canned, clientMsgId });
    else send({ type: "reply", ticketId: ticket.id, text: body, clientMsgId });
    setText("");
    pinned.current = true;
    if (!win.follow) setWin({ start: Math.max(0, len - PAGE), end: len, follow: true });
  };

  // Typing re-renders this component at every key, and moving the window re-renders the history:
  // each message's element is kept while the message is the same object, so only what changed is
  // diffed. The callbacks read the latest props through a ref.
  const latest = useRef({ send, revisionsOf });
  latest.current = { send, revisionsOf };
  const canEdit = EDITING_PROVIDERS.has(ticket.provider);
  const handlers = useMemo(
    () => ({
      onResend(msg: MessageView) {
        // The agent's own words (a translated reply keeps them as its translation).
        const text = msg.translation?.text ?? msg.body;
        // The same reply sent again (it goes back to queued); without its client id, as a new reply.
        if (msg.clientMsgId) latest.current.send({ type: "reply", ticketId: ticket.id, text, clientMsgId: msg.clientMsgId, resend: true });
        else latest.current.send({ type: "reply", ticketId: ticket.id, text, clientMsgId: crypto.randomUUID() });
        pinned.current = true;
      },
      onEdit: canEdit
        ? (msg: MessageView) => {
            setEditing(msg.id);
            setNote(false);
            setText(msg.body);
            input.current?.focus();
          }
        : undefined,
      revisionsOf: (id: number) => latest.current.revisionsOf(id),
    }),
    [ticket.id, canEdit],
  );
  const rendered = useRef(new WeakMap<MessageView, { vnode: VNode; storyUrl: string | undefined; handlers: typeof handlers }>());
  const shownMessages = useMemo(
    () =>
      conv.messages.slice(start, end).map((m) => {
        const storyUrl = conv.storyMentions?.[m.id];
        const kept = rendered.current.get(m);
        if (kept && kept.storyUrl === storyUrl && kept.handlers === handlers) return kept.vnode;
        const vnode = <Message key={m.id} m={m} storyUrl={storyUrl} revisionsOf={handlers.revisionsOf} onResend={handlers.onResend} onEdit={handlers.onEdit} />;
        rendered.current.set(m, { vnode, storyUrl, handlers });
        return vnode;
      }),
    [conv.messages, conv.storyMentions, start, end, handlers],
  );

  const window_ = ticket.replyWindow;
  // The reply window's time left counts down while it is open.
  const [now, setNow] = useState(Date.now());
  const counting = Boolean(window_?.open && window_.closesAt);
  useEffect(() => {
    if (!counting) return;
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, [counting]);
  const windowLeft = window_?.closesAt ? Math.max(0, window_.closesAt - now) : null;
  const windowOpen = Boolean(window_?.open) && windowLeft !== 0;

  return (
    <section class="conversation" aria-label="Conversation">
      <header class="conv-head">
        <div>
          <h2>{ticket.contact.name}</h2>
          <p class="meta">
            #{ticket.id} · {ticket.provider} · {ticket.accountName}
            {queueName ? ` · ${queueName}` : ""}
            {ticket.subject ? ` · ${ticket.subject}` : ""}
            {ticket.tags?.length ? ` · ${ticket.tags.join(", ")}` : ""}
          </p>
          {window_ && window_.kind !== "none" && (
            <p class={`meta window ${windowOpen ? "open" : "shut"}`}>
              {windowOpen
                ? `Reply window: ${Math.floor((windowLeft ?? 0) / 3_600_000)}h ${Math.floor(((windowLeft ?? 0) % 3_600_000) / 60_000)}m left`
                : `Reply window closed (${window_.kind} after the customer's last message): the provider refuses free-form replies`}
            </p>
          )}
          {conv.ended && <p class="meta ended">Conversation ended: {conv.ended}</p>}
          <details class="ticket-fields">
            <summary>Subject, tags and other tickets</summary>
            <form
              key={`${ticket.subject}|${ticket.tags?.join(",")}`}
              onSubmit={(e) => {
                e.preventDefault();
                const form = new FormData(e.currentTarget as HTMLFormElement);
                const tags = String(form.get("tags") ?? "")
                  .split(",")
                  .map((t) => t.trim())
                  .filter(Boolean);
                send({ type: "ticket.update", ticketId: ticket.id, subject: String(form.get("subject") ?? "").trim() || null, tags });
              }}
            >
              <label>
                Subject
                <input name="subject" defaultValue={ticket.subject ?? ""} maxLength={200} />
              </label>
              <label>
                Tags
                <input name="tags" defaultValue={(ticket.tags ?? []).join(", ")} placeholder="comma, separated" />
              </label>
              <button type="submit">Save</button>
            </form>
            <OtherTickets ticketId={ticket.id} contactId={ticket.contact.id} load={openTicketsOf} />
          </details>
        </div>
        <div class="conv-actions">
        <form
          class="close"
          onSubmit={(e) => {
            e.preventDefault();
            if (transferTo) send({ type: "transfer", ticketId: ticket.id, to: { queueId: transferTo } });
            else if (transferAgent) send({ type: "transfer", ticketId: ticket.id, to: { agentId: transferAgent } });
          }}
        >
          <label>
            Transfer to
            <select
              value={transferTo}
              onChange={(e) => {
                setTransferTo((e.currentTarget as HTMLSelectElement).value);
                setTransferAgent("");
              }}
              disabled={queues.length === 0}
            >
              <option value="">{queues.length === 0 ? "no other queue" : "a queue…"}</option>
              {queues.map((q) => (
                <option value={q.id}>{q.name}</option>
              ))}
            </select>
          </label>
          <label>
            Transfer to agent
            <select
              value={transferAgent}
              onChange={(e) => {
                setTransferAgent((e.currentTarget as HTMLSelectElement).value);
                setTransferTo("");
              }}
              disabled={colleagues.length === 0}
            >
              <option value="">{colleagues.length === 0 ? "no colleague" : "a colleague…"}</option>
              {colleagues.map((m) => (
                <option value={m.userId}>{m.displayName}</option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={!transferTo && !transferAgent}>
            Transfer
          </button>
        </form>
        <form
          class="close"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (dispositionRequired && !disposition) {
              setCloseWhy(`Closing needs a disposition, one of: ${choices.join(", ")}`);
              dispositionSelect.current?.focus();
              return;
            }
            setCloseWhy("");
            send({ type: "close", ticketId: ticket.id, ...(disposition ? { disposition } : {}) });
          }}
        >
          {choices.length > 0 && (
            <label>
              Disposition
              <select
                ref={dispositionSelect}
                value={disposition}
                required={dispositionRequired}
                aria-invalid={closeWhy ? true : undefined}
                aria-describedby={closeWhy ? `close-why-${ticket.id}` : undefined}
                onChange={(e) => {
                  setDisposition((e.currentTarget as HTMLSelectElement).value);
                  setCloseWhy("");
                }}
              >
                <option value="">{dispositionRequired ? "required…" : "none"}</option>
                {choices.map((d) => (
                  <option value={d}>{d}</option>
                ))}
              </select>
            </label>
          )}
          {closeWhy && (
            <span id={`close-why-${ticket.id}`} class="error" role="alert">
              {closeWhy}
            </span>
          )}
          <button type="submit">Close ticket</button>
        </form>
        </div>
      </header>
      <ol
        class="history"
        ref={log}
        role="log"
        aria-label="History"
        onScroll={(e) => {
          const el = e.currentTarget as HTMLElement;
          const fromBottom = el.scrollHeight - el.scrollTop - el.clientHeight;
          pinned.current = fromBottom < 40 && end === len;
          if (pinned.current && !win.follow) setWin({ start, end, follow: true });
          if (el.scrollTop < 300) earlier();
          else if (fromBottom < 300) later();
        }}
      >
        {!conv.loaded && <li class="msg system">Loading history…</li>}
        {start > 0 && (
          <li class="earlier">
            <button type="button" onClick={earlier}>
              Show earlier messages ({start})
            </button>
          </li>
        )}
        {shownMessages}
        {end < len && (
          <li class="earlier">
            <button type="button" onClick={later}>
              Show later messages ({len - end})
            </button>
          </li>
        )}
      </ol>
      <form class={`composer${note ? " note-mode" : ""}`} onSubmit={submit}>
        <label class="visually-hidden" for={`composer-${ticket.id}`}>
          Message
        </label>
        <textarea
          id={`composer-${ticket.id}`}
          ref={input}
          rows={2}
          value={text}
          placeholder={note ? "Internal note (colleagues only)" : "Reply · /shortcut for a canned answer"}
          title="Enter sends; Shift+Enter starts a new line"
          onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) submit(e);
          }}
        />
        {editing !== null ? (
          <button
            type="button"
            onClick={() => {
              setEditing(null);
              setText("");
            }}
          >
            Cancel edit
          </button>
        ) : (
          <button type="button" aria-pressed={note} onClick={() => setNote(!note)} title="Alt+M">
            Note
          </button>
        )}
        <button type="submit" class="primary">
          {editing !== null ? "Save edit" : "Send"}
        </button>
      </form>
    </section>
  );
}
