import type { SectionProps } from "./admin";

export function Dispositions(_: SectionProps) {
  return <h2>Dispositions</h2>;
}
