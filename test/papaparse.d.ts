// The little of papaparse the tests use (its own types pull in Node's).
declare module "papaparse" {
  type ParseResult<T> = { data: T[]; errors: { type: string; code: string; message: string; row?: number }[]; meta: { fields?: string[]; delimiter: string; linebreak: string } };
  const Papa: { parse<T>(text: string, config?: { header?: boolean; skipEmptyLines?: boolean | "greedy" }): ParseResult<T> };
  export default Papa;
}
