// The lines that say how something went: a failure or refusal (an alert), a confirmation (a status).

type Line = { text: string | null | undefined; class?: string };

export function AlertLine({ text, class: cls = "error" }: Line) {
  return text ? (
    <p class={cls} role="alert">
      {text}
    </p>
  ) : null;
}

export function StatusLine({ text, class: cls = "ok" }: Line) {
  return text ? (
    <p class={cls} role="status">
      {text}
    </p>
  ) : null;
}

/** The result of the last action, whichever way it went. */
export type Outcome = { ok: boolean; text: string };

export function OutcomeLine({ outcome }: { outcome: Outcome | null }) {
  if (!outcome) return null;
  return outcome.ok ? <StatusLine text={outcome.text} /> : <AlertLine text={outcome.text} />;
}
