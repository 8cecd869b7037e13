// A form's save as the queue, template and conversation settings forms have it: busy while it runs,
// "Saved." until the next edit, and the API's refusal marked at each field, summed up next to the
// button, with the first refused field focused.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiFailure } from "../api";
import { refusalSummary } from "./data";
import { focusFirstInvalid } from "./form";

/** The API's messages by field; anything but its refusal is thrown on. */
function apiFields(err: unknown): Record<string, string> {
  if (!(err instanceof ApiFailure)) throw err;
  return err.fieldErrors();
}

/** `fieldsOf` reads a refusal's messages by field (fieldErrorsOf: also the fields a conflict names, and any failure said). */
export function useSave(fieldsOf: (err: unknown) => Record<string, string> = apiFields) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [banner, setBanner] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  /** On submit: `send`, then `done` with its answer. */
  async function submit<T>(e: Event, send: () => Promise<T>, done: (result: T) => void): Promise<void> {
    e.preventDefault();
    const formEl = e.currentTarget as HTMLFormElement;
    setBusy(true);
    setBanner(null);
    setSaved(false);
    try {
      const result = await send();
      setErrors({});
      setSaved(true);
      done(result);
    } catch (err) {
      const fields = fieldsOf(err);
      setErrors(fields);
      setBanner(refusalSummary(err, fields));
      focusFirstInvalid(formEl);
    } finally {
      setBusy(false);
    }
  }

  return { errors, banner, saved, busy, submit, edited: () => setSaved(false) };
}

/** The form's save button (none when read-only), what else it offers (`children`), "Saved." and the refusal. */
export function SaveActions({ label, readOnly, state, children }: { label: string; readOnly: boolean; state: { busy: boolean; saved: boolean; banner: string | null }; children?: ComponentChildren }) {
  return (
    <div class="form-actions">
      {!readOnly && (
        <button type="submit" class="primary" disabled={state.busy}>
          {label}
        </button>
      )}
      {children}
      {state.saved && (
        <span role="status" class="saved">
          Saved.
        </span>
      )}
      {state.banner && (
        <span class="banner error" role="alert">
          {state.banner}
        </span>
      )}
    </div>
  );
}
