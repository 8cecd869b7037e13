import { useEffect, useRef } from "preact/hooks";

export const SHORTCUTS: [string, string][] = [
  ["Alt+A", "Accept the offer that expires first"],
  ["Alt+N", "Next conversation"],
  ["Enter", "Send (Shift+Enter: new line)"],
  ["Alt+M", "Note mode on or off"],
  ["/shortcut", "Send that canned answer"],
  ["?", "This help"],
];

export function ShortcutsHelp({ onClose }: { onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} class="help" aria-labelledby="help-title" onClose={onClose}>
      <h2 id="help-title">Keyboard shortcuts</h2>
      <dl>
        {SHORTCUTS.map(([keys, what]) => (
          <>
            <dt>
              <kbd>{keys}</kbd>
            </dt>
            <dd>{what}</dd>
          </>
        ))}
      </dl>
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
