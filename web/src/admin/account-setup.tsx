// What an admin does at the provider's side once the account exists: the receive URL to paste, and
// the provider's own step (Telegram's webhook registration, the custom channel's activation).
import { useId, useRef, useState } from "preact/hooks";
import { providerForms } from "./account-providers";
import { activateAccount, messageOf, registerTelegramWebhook, type Account } from "./data";

/** The receive URL, selectable, with a copy button that says whether it worked. */
export function ReceiveUrl({ url }: { url: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied("Receive URL copied");
    } catch {
      input.current?.select();
      setCopied("Could not copy: the URL is selected, copy it with Ctrl+C");
    }
  };
  return (
    <div class="receive-url">
      <label for={id}>Receive URL</label>
      <div class="copy-row">
        <input id={id} ref={input} readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={() => void copy()}>
          Copy receive URL
        </button>
      </div>
      <small role="status" class="hint">
        {copied ?? ""}
      </small>
    </div>
  );
}

/** A copy button that says whether it worked; `select` is called when the browser refuses the clipboard. */
function CopyButton({ text, what, select }: { text: string; what: string; select?: () => void }) {
  const [said, setSaid] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setSaid(`${what} copied`);
    } catch {
      select?.();
      setSaid(select ? `Could not copy: the ${what} is selected, copy it with Ctrl+C` : `Could not copy the ${what}: select it and copy it with Ctrl+C`);
    }
  };
  return (
    <>
      <button type="button" onClick={() => void copy()}>
        Copy {what}
      </button>
      <small role="status" class="hint">
        {said}
      </small>
    </>
  );
}

/** How a revealed value is named to people: the credential's label in the form, else the API's name. */
export function revealedLabel(provider: Account["provider"], key: string): string {
  if (key === "accessToken" && provider === "custom") return "Access token";
  return providerForms[provider]?.credentials.find((f) => f.name === key)?.label ?? key;
}

/** Secrets the hub generated or obtained, shown in the answer that made them and never again. */
export function RevealedOnce({ revealed, labelOf, onDismiss }: { revealed: Record<string, string>; labelOf(key: string): string; onDismiss(): void }) {
  return (
    <section class="revealed" aria-label="Shown once">
      <h3>Shown once</h3>
      <p>Copy these now and give them to whoever needs them: the hub will not show them again.</p>
      <dl>
        {Object.entries(revealed).map(([k, v]) => {
          const label = labelOf(k);
          return (
            <div key={k}>
              <dt>{label}</dt>
              <dd>
                <code aria-label={label}>{v}</code> <CopyButton text={v} what={label} />
              </dd>
            </div>
          );
        })}
      </dl>
      <button type="button" onClick={onDismiss}>
        I have copied them
      </button>
    </section>
  );
}

type Outcome = { ok: boolean; text: string } | null;

function Result({ outcome }: { outcome: Outcome }) {
  if (!outcome) return null;
  return (
    <p class={outcome.ok ? "ok" : "error"} role={outcome.ok ? "status" : "alert"}>
      {outcome.text}
    </p>
  );
}

/** Telegram: setWebhook with the receive URL and the account's secret. */
function TelegramSetup({ token, account, readOnly }: { token: string; account: Account; readOnly: boolean }) {
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);
  const register = async () => {
    setBusy(true);
    try {
      const r = await registerTelegramWebhook(token, account.id);
      setOutcome({ ok: true, text: `Telegram accepted the webhook: ${r.url}` });
    } catch (err) {
      setOutcome({ ok: false, text: `Telegram refused: ${messageOf(err)}` });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <p>
        The hub registers the receive URL with Telegram itself (setWebhook, with the account's secret token). Telegram needs HTTPS on port 443, 80, 88 or
        8443; register again after changing the bot token or the hub's public address.
      </p>
      {!readOnly && (
        <button type="button" disabled={busy} onClick={() => void register()}>
          Register webhook
        </button>
      )}
      <Result outcome={outcome} />
    </>
  );
}

/** Custom channel: the challenge posted to its outgoing webhook; an echo activates it. */
function CustomSetup({ token, account, readOnly, onChanged }: { token: string; account: Account; readOnly: boolean; onChanged(a: Account): void }) {
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);
  const activate = async () => {
    setBusy(true);
    try {
      const a = await activateAccount(token, account.id);
      setOutcome(a.status === "active" ? { ok: true, text: "Activated: the webhook answered the challenge." } : { ok: false, text: `Not activated: ${a.statusReason ?? a.status}` });
      onChanged(a);
    } catch (err) {
      setOutcome({ ok: false, text: `Not activated: ${messageOf(err)}` });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <p>
        Activation posts a challenge to the outgoing webhook URL; when your endpoint echoes it, the channel is active and its new access token is shown once.
        Your system posts customers' messages to the receive URL with that token (docs/custom-channel.md).
      </p>
      {!readOnly && (
        <button type="button" disabled={busy} onClick={() => void activate()}>
          Activate
        </button>
      )}
      <Result outcome={outcome} />
    </>
  );
}

const pasteHelp: Partial<Record<Account["provider"], string[]>> = {
  meta: [
    "In the Meta app's Webhooks settings, for the Instagram object: paste the receive URL as the callback URL, and the account's verify token as the verify token (it was shown once when the account was created; replace it here if it is lost).",
    "Meta signs every webhook with the app secret; for Instagram Login give both the Meta app secret and the Instagram app secret (Instagram → API setup): either verifies.",
    "Subscribe the fields messages, messaging_seen, message_reactions and messaging_postbacks, and subscribe the account to the app (subscribed_apps).",
  ],
  twilio: [
    "In the Twilio Console, open the WhatsApp sender (or its Messaging Service) and paste the receive URL, method POST, as the webhook URL for incoming messages and as the status callback URL.",
    "The receive URL must be exactly the public one shown: Twilio signs the URL it calls with the Auth Token.",
  ],
  sinch: [
    "In the Sinch dashboard, on the Conversation API app, create a webhook: target = the receive URL, secret = the account's webhook secret, triggers MESSAGE_INBOUND and MESSAGE_DELIVERY.",
  ],
  connexease: ["Give Connexease the receive URL and the webhook secret as the integration's webhook: they configure it on their side."],
};

/** The provider's setup step, next to the receive URL. */
export function SetupHelp({ token, account, readOnly, onChanged }: { token: string; account: Account; readOnly: boolean; onChanged(a: Account): void }) {
  return (
    <section class="setup" aria-label="Setup">
      <h3>Setup</h3>
      <p class="account-status">
        Status: <span class={`pill status-${account.status}`}>{account.status}</span>
        {account.statusReason && <span class="reason"> {account.statusReason}</span>}
      </p>
      <ReceiveUrl url={account.receiveUrl} />
      {account.provider === "telegram" && <TelegramSetup token={token} account={account} readOnly={readOnly} />}
      {account.provider === "custom" && <CustomSetup token={token} account={account} readOnly={readOnly} onChanged={onChanged} />}
      {pasteHelp[account.provider] && (
        <ol>
          {pasteHelp[account.provider]!.map((t) => (
            <li key={t}>{t}</li>
          ))}
        </ol>
      )}
    </section>
  );
}
