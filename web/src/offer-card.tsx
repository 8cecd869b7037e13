import { useEffect, useState } from "preact/hooks";
import { alertNewWork } from "./alert";
import type { OfferView } from "./protocol";

export function OfferCard({ offer, queueName, onAccept, onDecline }: { offer: OfferView; queueName?: string; onAccept(): void; onDecline(): void }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, []);

  // The account's notification settings: sound, and a browser notification when the tab is hidden.
  useEffect(() => alertNewWork({ notification: offer.notification, body: offer.preview, tag: `offer-${offer.ticket.id}` }), [offer.ticket.id]);

  const left = Math.max(0, Math.ceil((offer.expiresAt - now) / 1000));
  const title = offer.transferFrom ? "Transferred to you" : offer.notification?.text || "New conversation";
  return (
    <article class={`offer${offer.notification?.shake ? " shake" : ""}`} aria-label={`Offer from ${offer.ticket.contact.name}${queueName ? ` in ${queueName}` : ""}`}>
      <header>
        <strong>{title}</strong>
        <span class="countdown" role="timer" aria-label="Time left to accept">
          {left}s
        </span>
      </header>
      <p class="who">
        {offer.ticket.contact.name} · {offer.ticket.accountName}
        {queueName && <span class="queue-tag">{queueName}</span>}
      </p>
      <p class="preview">{offer.preview}</p>
      <div class="actions">
        <button type="button" class="primary" onClick={onAccept} title="Alt+A">
          Accept
        </button>
        <button type="button" onClick={onDecline}>
          Decline
        </button>
      </div>
    </article>
  );
}
