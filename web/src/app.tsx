import { useState } from "preact/hooks";
import type { Session } from "./api";
import { Console } from "./console";
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
  const [desk, setDesk] = useState(false);
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
  const signOut = () => {
    sessionStorage.removeItem(SESSION_KEY);
    setDesk(false);
    setSession(null);
  };
  // Supervisors and admins start on the console; the desk stays one click away.
  if (!desk && (session.user.role === "supervisor" || session.user.role === "admin")) {
    return <Console session={session} onOpenDesk={() => setDesk(true)} onSignOut={signOut} />;
  }
  return <Desk session={session} onSignOut={signOut} />;
}
