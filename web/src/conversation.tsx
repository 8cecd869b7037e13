import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
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

const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

function Message({ m }: { m: MessageView }) {
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
      {m.attachments.map((a) => (
        <p class="attachment">
          📎 {a.kind}
          {a.name ? ` · ${a.name}` : ""}
          {a.size ? ` · ${Math.round(a.size / 1024)} KB` : ""}
        </p>
      ))}
      <footer>
        {m.direction === "note" && <span class="tag">internal note</span>}
        <time dateTime={new Date(m.createdAt).toISOString()}>{time(m.createdAt)}</time>
        {m.editedAt && <span> · edited</span>}
        {m.reaction && <span> · {m.reaction}</span>}
        {m.direction === "out" && (
          <span class={`tick ${m.status}`} data-status={m.status} title={m.statusReason ?? m.status}>
            {TICKS[m.status]}
            {m.status === "failed" && m.statusReason ? `: ${m.statusReason}` : ""}
          </span>
        )}
      </footer>
    </li>
  );
}

export function Conversation({ conv, dispositions, send }: { conv: Conv; dispositions: string[] | undefined; send(f: ClientFrame): void }) {
  const { ticket } = conv;
  const [text, setText] = useState("");
  const [note, setNote] = useState(false);
  const [disposition, setDisposition] = useState("");
  const log = useRef<HTMLOListElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);

  // Stay at the bottom while new messages come, unless the agent scrolled up to read.
  const pinned = useRef(true);
  useLayoutEffect(() => {
    const el = log.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [conv.messages.length]);

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
    const clientMsgId = crypto.randomUUID();
    // "/shortcut" alone sends the canned answer of that shortcut, rendered by the hub.
    const canned = !note && /^\/([a-z0-9_-]{1,32})$/.exec(body)?.[1];
    if (note) send({ type: "note", ticketId: ticket.id, text: body, clientMsgId });
    else if (canned) send({ type: "reply", ticketId: ticket.id, canned, clientMsgId });
    else send({ type: "reply", ticketId: ticket.id, text: body, clientMsgId });
    setText("");
    pinned.current = true;
  };

  const window_ = ticket.replyWindow;
  const windowLeft = window_?.closesAt ? Math.max(0, window_.closesAt - Date.now()) : null;

  return (
    <section class="conversation" aria-label="Conversation">
      <header class="conv-head">
        <div>
          <h2>{ticket.contact.name}</h2>
          <p class="meta">
            #{ticket.id} · {ticket.provider} · {ticket.accountName}
            {ticket.subject ? ` · ${ticket.subject}` : ""}
            {ticket.tags?.length ? ` · ${ticket.tags.join(", ")}` : ""}
          </p>
          {window_ && window_.kind !== "none" && (
            <p class={`meta window ${window_.open ? "open" : "shut"}`}>
              {window_.open
                ? `Reply window: ${Math.floor((windowLeft ?? 0) / 3_600_000)}h ${Math.floor(((windowLeft ?? 0) % 3_600_000) / 60_000)}m left`
                : `Reply window closed (${window_.kind} after the customer's last message): the provider refuses free-form replies`}
            </p>
          )}
          {conv.ended && <p class="meta ended">Conversation ended: {conv.ended}</p>}
        </div>
        <form
          class="close"
          onSubmit={(e) => {
            e.preventDefault();
            const d = disposition.trim();
            send({ type: "close", ticketId: ticket.id, ...(d ? { disposition: d } : {}) });
          }}
        >
          <label>
            Disposition
            <input
              value={disposition}
              list={`dispositions-${ticket.accountId}`}
              onInput={(e) => setDisposition((e.currentTarget as HTMLInputElement).value)}
              maxLength={100}
            />
          </label>
          <datalist id={`dispositions-${ticket.accountId}`}>
            {dispositions?.map((d) => (
              <option value={d} />
            ))}
          </datalist>
          <button type="submit">Close ticket</button>
        </form>
      </header>
      <ol
        class="history"
        ref={log}
        role="log"
        aria-label="History"
        onScroll={(e) => {
          const el = e.currentTarget as HTMLElement;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {!conv.loaded && <li class="msg system">Loading history…</li>}
        {conv.messages.map((m) => (
          <Message key={m.id} m={m} />
        ))}
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
        <button type="button" aria-pressed={note} onClick={() => setNote(!note)} title="Alt+M">
          Note
        </button>
        <button type="submit" class="primary">
          Send
        </button>
      </form>
    </section>
  );
}
