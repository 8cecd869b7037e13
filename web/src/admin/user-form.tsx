// Creating and changing a user: who they are, their role, capacity and whether they may sign in;
// a new password set by the admin.
import { useState } from "preact/hooks";
import { createUser, fieldErrorsOf, messageOf, refusalSummary, updateUser, type User } from "./data";
import { CheckboxField, focusFirstInvalid, Group, NumberField, SelectField, TextField } from "./form";
import { OutcomeLine, StatusLine, type Outcome } from "../notices";

const roleOptions = [
  { value: "agent", label: "Agent" },
  { value: "supervisor", label: "Supervisor" },
  { value: "admin", label: "Admin" },
] as const;

export function UserForm({ token, user, readOnly, onSaved, onCancel }: { token: string; user?: User; readOnly: boolean; onSaved(u: User): void; onCancel(): void }) {
  const creating = !user;
  const [v, setV] = useState({
    email: user?.email ?? "",
    displayName: user?.displayName ?? "",
    role: user?.role ?? ("agent" as User["role"]),
    capacity: user?.capacity as number | undefined,
    active: user?.active ?? true,
    password: "",
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (body: Record<string, unknown>, done: string, formEl: HTMLFormElement) => {
    setBusy(true);
    setOutcome(null);
    try {
      const saved = creating ? await createUser(token, body) : await updateUser(token, user.id, body);
      setErrors({});
      setV((old) => ({ ...old, password: "" }));
      setOutcome({ ok: true, text: done });
      onSaved(saved);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      setErrors(fields);
      setOutcome({ ok: false, text: refusalSummary(err, fields) });
      focusFirstInvalid(formEl);
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    const { password, capacity, ...rest } = v;
    const body: Record<string, unknown> = { ...rest, ...(capacity === undefined ? {} : { capacity }) };
    if (creating && password) body.password = password;
    void send(body, creating ? "User created" : "User saved", e.currentTarget as HTMLFormElement);
  };

  return (
    <form class="admin-form" aria-label={creating ? "New user" : `User ${user.displayName}`} onSubmit={submit} noValidate>
      <fieldset class="plain" disabled={readOnly}>
        <Group title="User">
          <TextField label="Email" type="email" value={v.email} error={errors.email} onInput={(email) => setV({ ...v, email })} />
          <TextField label="Display name" value={v.displayName} maxLength={100} error={errors.displayName} onInput={(displayName) => setV({ ...v, displayName })} />
          <SelectField label="Role" value={v.role} options={roleOptions} error={errors.role} onChange={(role) => setV({ ...v, role })} />
          <NumberField
            label="Capacity"
            hint="Tickets the user may hold at once, across queues: 1–50 (default 3)"
            min={1}
            max={50}
            value={v.capacity}
            error={errors.capacity}
            onInput={(capacity) => setV({ ...v, capacity })}
          />
          <CheckboxField label="Active" hint="Inactive users cannot sign in; their sessions end" checked={v.active} error={errors.active} onChange={(active) => setV({ ...v, active })} />
          {creating && (
            <TextField label="Password" type="password" hint="At least 8 characters" value={v.password} error={errors.password} onInput={(password) => setV({ ...v, password })} />
          )}
        </Group>
      </fieldset>
      {!readOnly && (
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {creating ? "Create user" : "Save user"}
          </button>
          <button type="button" onClick={onCancel}>
            {creating ? "Cancel" : "Back"}
          </button>
        </div>
      )}
      <OutcomeLine outcome={outcome} />
    </form>
  );
}

/** A new password the admin sets: the user's sessions end and they sign in with it. */
export function PasswordReset({ token, user }: { token: string; user: User }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(false);
    try {
      await updateUser(token, user.id, { password });
      setError(undefined);
      setPassword("");
      setDone(true);
    } catch (err) {
      setError(fieldErrorsOf(err).password ?? messageOf(err));
    }
  };
  return (
    <form class="admin-form" aria-label="Password reset" onSubmit={submit} noValidate>
      <Group title="Password reset">
        <TextField label="New password" type="password" hint="At least 8 characters. The user's sessions end; tell them the new password." value={password} error={error} onInput={setPassword} />
        <div class="actions">
          <button type="submit" disabled={password === ""}>
            Set password
          </button>
        </div>
        <StatusLine text={done ? "Password set; the user's sessions ended." : null} />
      </Group>
    </form>
  );
}
