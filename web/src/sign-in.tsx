import { useState } from "preact/hooks";
import { login, type Session } from "./api";
import { AlertLine } from "./notices";

export function SignIn({ onSession }: { onSession(s: Session): void }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError("");
    // Offers raise a browser notification while the tab is hidden; asked once, on this click.
    if ("Notification" in window && Notification.permission === "default") void Notification.requestPermission().catch(() => undefined);
    try {
      onSession(await login(String(form.get("email")), String(form.get("password"))));
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">channel-hub</h1>
        <label>
          Email
          <input name="email" type="email" autocomplete="username" required autofocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <AlertLine text={error} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
