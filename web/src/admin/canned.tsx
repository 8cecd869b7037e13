import type { SectionProps } from "./admin";

export function CannedAnswers(_: SectionProps) {
  return <h2>CannedAnswers</h2>;
}
