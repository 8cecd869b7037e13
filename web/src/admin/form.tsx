// Form controls the admin screens share: a label on every control, the API's message at its field.
import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";

type FieldProps = {
  label: string;
  /** The API's message for this field, shown under it and tied to the control with aria-describedby. */
  error?: string;
  hint?: ComponentChildren;
};

function Frame({ id, label, error, hint, children }: FieldProps & { id: string; children: ComponentChildren }) {
  return (
    <div class={`field${error ? " invalid" : ""}`}>
      <label for={id}>{label}</label>
      {children}
      <Notes id={id} hint={hint} error={error} />
    </div>
  );
}

/** The hint and the API's message under a control, by the ids `described` names. */
function Notes({ id, hint, error }: { id: string; hint?: ComponentChildren; error?: string }) {
  return (
    <>
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} class="field-error" role="alert">
          {error}
        </small>
      )}
    </>
  );
}

const described = (id: string, p: FieldProps) =>
  [p.hint ? `${id}-hint` : "", p.error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;

export function TextField(
  p: FieldProps & { value: string; onInput(v: string): void; type?: string; maxLength?: number; placeholder?: string; required?: boolean; readOnly?: boolean; multiline?: boolean },
) {
  const id = useId();
  const common = {
    id,
    value: p.value,
    maxLength: p.maxLength,
    placeholder: p.placeholder,
    required: p.required,
    readOnly: p.readOnly,
    "aria-invalid": p.error ? true : undefined,
    "aria-describedby": described(id, p),
    onInput: (e: Event) => p.onInput((e.currentTarget as HTMLInputElement).value),
  };
  return (
    <Frame id={id} {...p}>
      {p.multiline ? <textarea rows={4} {...common} /> : <input type={p.type ?? "text"} {...common} />}
    </Frame>
  );
}

/** A number with its unit, range and default said next to it. Empty input is `undefined` (the default applies). */
export function NumberField(
  p: FieldProps & { value: number | undefined; onInput(v: number | undefined): void; unit?: string; min?: number; max?: number; step?: number; defaultValue?: number; readOnly?: boolean },
) {
  const id = useId();
  const range = [p.min !== undefined && p.max !== undefined ? `${p.min}–${p.max}` : "", p.unit ?? "", p.defaultValue !== undefined ? `(default ${p.defaultValue})` : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <Frame id={id} {...p} hint={p.hint ?? (range || undefined)}>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        value={p.value ?? ""}
        min={p.min}
        max={p.max}
        step={p.step ?? 1}
        placeholder={p.defaultValue !== undefined ? String(p.defaultValue) : undefined}
        readOnly={p.readOnly}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={described(id, { ...p, hint: range || p.hint })}
        onInput={(e) => {
          const raw = (e.currentTarget as HTMLInputElement).value;
          p.onInput(raw === "" ? undefined : Number(raw));
        }}
      />
    </Frame>
  );
}

export function SelectField<T extends string>(
  p: FieldProps & { value: T; onChange(v: T): void; options: readonly { value: T; label: string }[]; disabled?: boolean },
) {
  const id = useId();
  return (
    <Frame id={id} {...p}>
      <select
        id={id}
        value={p.value}
        disabled={p.disabled}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={described(id, p)}
        onChange={(e) => p.onChange((e.currentTarget as HTMLSelectElement).value as T)}
      >
        {p.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Frame>
  );
}

export function CheckboxField(p: FieldProps & { checked: boolean; onChange(v: boolean): void; disabled?: boolean }) {
  const id = useId();
  return (
    <div class={`field checkbox${p.error ? " invalid" : ""}`}>
      <input
        id={id}
        type="checkbox"
        checked={p.checked}
        disabled={p.disabled}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={described(id, p)}
        onChange={(e) => p.onChange((e.currentTarget as HTMLInputElement).checked)}
      />
      <label for={id}>{p.label}</label>
      <Notes id={id} hint={p.hint} error={p.error} />
    </div>
  );
}

/**
 * A write-only secret: the API never returns it, so the field says whether one is set and takes a
 * replacement; empty keeps the stored one.
 */
export function SecretField(p: FieldProps & { isSet: boolean; value: string; onInput(v: string): void }) {
  const id = useId();
  return (
    <Frame id={id} {...p} hint={p.hint ?? (p.isSet ? "Set. Type a new value to replace it." : "Not set.")}>
      <input
        id={id}
        type="password"
        autoComplete="off"
        value={p.value}
        placeholder={p.isSet ? "•••••••• (set)" : ""}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={`${id}-hint${p.error ? ` ${id}-error` : ""}`}
        onInput={(e) => p.onInput((e.currentTarget as HTMLInputElement).value)}
      />
    </Frame>
  );
}

/** Moves the focus to the form's first field marked invalid, once the marks are rendered. */
export function focusFirstInvalid(form: HTMLFormElement | null | undefined): void {
  setTimeout(() => form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
}

/** Fields grouped under a heading, as the reference products group their settings. */
export function Group({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <fieldset class="group">
      <legend>{title}</legend>
      {children}
    </fieldset>
  );
}
