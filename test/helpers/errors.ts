import { expect } from "vitest";
import { ApiError } from "../../src/errors";

/** The code of the 400 ApiError `fn` throws; fails the test if it throws anything else or nothing. */
export function badRequestCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    return (err as ApiError).code;
  }
  throw new Error("expected an ApiError");
}
