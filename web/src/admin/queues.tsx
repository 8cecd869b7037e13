import type { SectionProps } from "./admin";

export function Queues(_: SectionProps) {
  return <h2>Queues</h2>;
}
