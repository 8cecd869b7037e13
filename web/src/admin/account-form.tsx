// Creating and changing a channel account: the reference fields, its queue, and the chosen
// provider's settings and write-only credentials, checked with the API's own schemas first.
import { useState } from "preact/hooks";
import { checkAccount, credentialsBody, providerForms, providerKinds, settingDefault, settingsBody, settingsValues, type FieldSpec, type FieldValues, type ProviderKind } from "./account-providers";
import { createAccount, errorAt, fieldErrorsOf, needAttention, refusalSummary, updateAccount, type Account, type QueueSummary } from "./data";
import { CheckboxField, focusFirstInvalid, Group, NumberField, SecretField, SelectField, TextField } from "./form";
import { AlertLine, StatusLine } from "../notices";

type Props = {
  token: string;
  queues: QueueSummary[];
  /** The account to change; none to create one. */
  account?: Account;
  readOnly: boolean;
  onSaved(account: Account): void;
  onCancel?: () => void;
};

const emptyCredentials = (kind: ProviderKind): FieldValues =>
  Object.fromEntries(providerForms[kind].credentials.map((f) => [f.name, f.kind === "secrets" ? Array<string>(f.items ?? 1).fill("") : ""]));

/** The reference fields an account view carries: a hub without them refuses them in a body. */
const referenceFields = ["shortKey", "description", "phone"] as const;

export function AccountForm({ token, queues, account, readOnly, onSaved, onCancel }: Props) {
  const creating = !account;
  const [provider, setProvider] = useState<ProviderKind>(account?.provider ?? "telegram");
  const [name, setName] = useState(account?.name ?? "");
  const [reference, setReference] = useState({
    shortKey: account?.shortKey ?? "",
    description: account?.description ?? "",
    phone: account?.phone ?? "",
  });
  const [pickedQueue, setQueueId] = useState(account?.queueId ?? "");
  const queueId = pickedQueue || (queues[0]?.id ?? "");
  const [settings, setSettings] = useState<FieldValues>(() => settingsValues(providerForms[provider], account?.settings ?? {}));
  const [credentials, setCredentials] = useState<FieldValues>(() => emptyCredentials(provider));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const form = providerForms[provider];

  const pickProvider = (kind: ProviderKind) => {
    setProvider(kind);
    setSettings(settingsValues(providerForms[kind], {}));
    setCredentials(emptyCredentials(kind));
    setErrors({});
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const formEl = e.currentTarget as HTMLFormElement;
    if (readOnly || busy) return;
    setFailure(null);
    setSaved(false);
    const s = settingsBody(form, settings);
    const c = credentialsBody(form, credentials);
    const local = checkAccount(form, s, c, creating);
    if (!name.trim()) local.name = "Required";
    if (Object.keys(local).length > 0) {
      setErrors(local);
      setFailure(needAttention(Object.keys(local).length));
      focusFirstInvalid(formEl);
      return;
    }
    const body: Record<string, unknown> = { name: name.trim(), queueId, settings: s };
    if (creating || Object.keys(c).length > 0) body.credentials = c;
    for (const f of referenceFields) {
      const v = reference[f].trim();
      if (creating ? v !== "" : f in account) body[f] = v === "" ? null : v;
    }
    if (creating) body.provider = provider;
    setBusy(true);
    try {
      const result = creating ? await createAccount(token, body) : await updateAccount(token, account.id, body);
      setErrors({});
      setCredentials(emptyCredentials(provider));
      setSaved(!creating);
      onSaved(result);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      setErrors(fields);
      setFailure(refusalSummary(err, fields));
      focusFirstInvalid(formEl);
    } finally {
      setBusy(false);
    }
  };

  const settingField = (f: FieldSpec) => {
    const error = errorAt(errors, `settings.${f.name}`);
    const set = (v: string | boolean) => setSettings({ ...settings, [f.name]: v });
    const value = settings[f.name];
    if (f.kind === "checkbox") return <CheckboxField key={f.name} label={f.label} hint={f.hint} error={error} checked={value === true} onChange={set} />;
    if (f.kind === "select") {
      const fallback = settingDefault(form, f.name);
      const options = [{ value: "", label: fallback ? `Default (${fallback})` : "Default" }, ...(f.options ?? []).map((o) => ({ value: o, label: o }))];
      return <SelectField key={f.name} label={f.label} hint={f.hint} error={error} value={String(value ?? "")} options={options} onChange={set} />;
    }
    if (f.kind === "number") {
      const n = typeof value === "string" && value !== "" ? Number(value) : undefined;
      return <NumberField key={f.name} label={f.label} hint={f.hint} error={error} unit="s" min={f.min} max={f.max} value={n} onInput={(v) => set(v === undefined ? "" : String(v))} />;
    }
    return <TextField key={f.name} label={f.label} hint={f.hint} error={error} placeholder={f.placeholder} value={String(value ?? "")} onInput={set} />;
  };

  const credentialField = (f: FieldSpec) => {
    const isSet = account?.credentialsSet[f.name] === true;
    const hint = [f.hint?.replace(/\.$/, ""), creating ? "" : isSet ? "Set. Type a new value to replace it." : "Not set."].filter(Boolean).join(". ");
    const value = credentials[f.name];
    if (f.kind === "secrets" && Array.isArray(value)) {
      return (
        <div key={f.name} class="secret-list">
          {value.map((v, i) => (
            <SecretField
              key={i}
              label={i === 0 ? f.label : `${f.label} ${i + 1} (optional)`}
              hint={i === 0 ? hint : "Optional: another secret that verifies too"}
              error={i === 0 ? errorAt(errors, `credentials.${f.name}`) : undefined}
              isSet={isSet && i === 0}
              value={v}
              onInput={(nv) => setCredentials({ ...credentials, [f.name]: value.map((old, j) => (j === i ? nv : old)) })}
            />
          ))}
        </div>
      );
    }
    return (
      <SecretField
        key={f.name}
        label={f.label}
        hint={hint}
        error={errorAt(errors, `credentials.${f.name}`)}
        isSet={isSet}
        value={String(value ?? "")}
        onInput={(v) => setCredentials({ ...credentials, [f.name]: v })}
      />
    );
  };

  const basic = form.settings.filter((f) => !f.advanced);
  const advanced = form.settings.filter((f) => f.advanced);
  return (
    <form class="admin-form" aria-label={creating ? "New account" : `Account ${account.name}`} onSubmit={submit} noValidate>
      <fieldset class="plain" disabled={readOnly}>
        <Group title="Account">
          {creating ? (
            <>
              <SelectField label="Provider" value={provider} options={providerKinds.map((k) => ({ value: k, label: providerForms[k].label }))} onChange={pickProvider} />
              <p class="prepare">
                <strong>Before you start:</strong> {form.prepare}
              </p>
            </>
          ) : (
            <p class="field-static">
              <span class="label">Provider</span> {form.label}
            </p>
          )}
          <TextField label="Name" value={name} maxLength={100} required error={errorAt(errors, "name")} onInput={setName} />
          <TextField
            label="Key"
            hint="Up to 5 letters or digits, unique; shown on agents' conversation tabs"
            value={reference.shortKey}
            error={errorAt(errors, "shortKey")}
            onInput={(v) => setReference({ ...reference, shortKey: v })}
          />
          <TextField label="Description" multiline value={reference.description} maxLength={500} error={errorAt(errors, "description")} onInput={(v) => setReference({ ...reference, description: v })} />
          <TextField label="Phone" type="tel" placeholder="+14155238886" value={reference.phone} maxLength={32} error={errorAt(errors, "phone")} onInput={(v) => setReference({ ...reference, phone: v })} />
          <SelectField
            label="Queue"
            hint={queues.length ? "Where this account's conversations are routed" : "No queues yet: create one under Queues first"}
            value={queueId}
            error={errorAt(errors, "queueId")}
            options={queues.length ? queues.map((q) => ({ value: q.id, label: q.name })) : [{ value: "", label: "No queues yet" }]}
            onChange={setQueueId}
          />
        </Group>
        {basic.length > 0 && <Group title={`${form.label} settings`}>{basic.map(settingField)}</Group>}
        {!readOnly && (
          <Group title="Credentials">
            <p class="hint">Write-only: stored sealed, never shown again.{creating ? "" : " Leave a field empty to keep what is stored."}</p>
            {form.credentials.map(credentialField)}
          </Group>
        )}
        {advanced.length > 0 && (
          <details class="advanced">
            <summary>Advanced settings</summary>
            {advanced.map(settingField)}
          </details>
        )}
      </fieldset>
      <AlertLine text={failure} />
      <StatusLine text={saved ? "Account saved" : null} />
      {!readOnly && (
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {creating ? "Create account" : "Save account"}
          </button>
          {onCancel && (
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
      )}
    </form>
  );
}
