import type { SectionProps } from "./admin";

export function Templates(_: SectionProps) {
  return <h2>Templates</h2>;
}
