import { useEffect, useState } from "preact/hooks";
import type { OfferView } from "./protocol";

function beep() {
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.1;
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.25);
    osc.onended = () => void ctx.close();
  } catch {
    // No audio output: the card still shows.
  }
}

export function OfferCard({ offer, queueName, onAccept, onDecline }: { offer: OfferView; queueName?: string; onAccept(): void; onDecline(): void }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, []);

  // The account's notification settings: sound, and a browser notification when the tab is hidden.
  useEffect(() => {
    if (offer.notification?.sound) beep();
    if (document.hidden && "Notification" in window && Notification.permission === "granted") {
      new Notification(offer.notification?.text || "New conversation", { body: offer.preview, tag: `offer-${offer.ticket.id}` });
    }
  }, [offer.ticket.id]);

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
