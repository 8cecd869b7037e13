import { useState } from "preact/hooks";
import type { Session } from "./api";
import { Desk } from "./desk";
import { SignIn } from "./sign-in";

const SESSION_KEY = "channel-hub.session";

function savedSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? "null") as Session | null;
    return s && s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function App() {
  const [session, setSession] = useState<Session | null>(savedSession);
  if (!session) {
    return (
      <SignIn
        onSession={(s) => {
          sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
          setSession(s);
        }}
      />
    );
  }
  return (
    <Desk
      session={session}
      onSignOut={() => {
        sessionStorage.removeItem(SESSION_KEY);
        setSession(null);
      }}
    />
  );
}
