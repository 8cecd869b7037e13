import type { SectionProps } from "./admin";

export function Accounts(_: SectionProps) {
  return <h2>Accounts</h2>;
}
