/**
 * Readers for the parts of the dashboard's answers that the schema leaves untyped (free-form
 * JSON the server documents in docs/api.md): each checks the shape it reads.
 */
import type { BatchJob } from "./types";

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** A failed work item's `error`: {type, message, traceback?}. */
export interface ItemError {
  type?: string;
  message?: string;
  traceback?: string;
}

export function itemError(error: unknown): ItemError | null {
  if (!isObject(error)) return null;
  return { type: text(error.type), message: text(error.message), traceback: text(error.traceback) };
}

/** A batch job's per-case refusals: {case, code, detail}. */
export function batchErrors(job: BatchJob): Array<{ case: number; code: string; detail: string }> {
  return job.errors.map((e) => ({
    case: typeof e.case === "number" ? e.case : Number(e.case),
    code: text(e.code) ?? "",
    detail: text(e.detail) ?? "",
  }));
}
