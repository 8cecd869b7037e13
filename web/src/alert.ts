// How the desk calls for attention to new work, as the account's notification settings say: a
// short tone, and a browser notification while the tab is hidden (permission is asked at sign-in).

export function beep() {
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
    // No audio output: what is on screen still shows.
  }
}

export function alertNewWork(o: { notification?: { text: string; sound: boolean }; body: string; tag: string }) {
  if (o.notification?.sound) beep();
  if (document.hidden && "Notification" in window && Notification.permission === "granted") {
    new Notification(o.notification?.text || "New conversation", { body: o.body, tag: o.tag });
  }
}
