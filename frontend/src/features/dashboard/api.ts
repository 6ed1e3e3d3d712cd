/**
 * The dashboard's calls. Reads and actions go through the typed client (src/api, generated from
 * the OpenAPI schema); the answers are read as the shapes of types.ts (docs/api.md), because
 * several dashboard answers are documented JSON objects the schema only calls "object".
 * Every call resolves to a Result: the data, or the server's error as text for the page.
 */
import { api, type ApiError } from "../../api/client";
import type { BatchJob, CaseListPage, CasePage, DefinitionPage, DefinitionSummary, Overview, PastState } from "./types";

export type Result<T> = { ok: true; data: T } | { ok: false; status: number; message: string; fields: string[] };

/** The server's error (config/errors.py) as one line, with the field errors after it. */
export function failure(status: number, body: unknown): Result<never> {
  const e = (body ?? {}) as Partial<ApiError> & { field?: string; message?: string };
  const fields = (e.errors ?? []).map((x) => (x.field || x.path ? `${x.field ?? x.path}: ${x.message}` : x.message));
  let message = e.detail ?? e.message ?? (status ? `the server answered ${status}` : "the server did not answer");
  if (e.code && e.code !== "invalid" && !message.includes(e.code)) message = `${message} (${e.code})`;
  return { ok: false, status, message, fields };
}

async function call<T>(p: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<Result<T>> {
  try {
    const { data, error, response } = await p;
    if (error !== undefined || !response.ok) return failure(response.status, error);
    return { ok: true, data: data as T };
  } catch (exc) {
    return failure(0, { detail: `the server did not answer (${(exc as Error).message})` });
  }
}

// The typed client checks path and body; dashboard query strings are built by filters.ts.
type Query = Record<string, string | number>;
const q = (params: URLSearchParams | Query): Query => (params instanceof URLSearchParams ? Object.fromEntries(params) : params);

export const dashboardApi = {
  overview: (hours = 24) => call<Overview>(api.GET("/api/dashboard/overview/", { params: { query: { hours } } })),
  cases: (query: URLSearchParams) => call<CaseListPage>(api.GET("/api/dashboard/cases/", { params: { query: q(query) as never } })),
  casePage: (id: number) => call<CasePage>(api.GET("/api/dashboard/cases/{case_id}/", { params: { path: { case_id: id } } })),
  caseStateAt: (id: number, at: number | string) =>
    call<PastState>(api.GET("/api/dashboard/cases/{case_id}/state/", { params: { path: { case_id: id }, query: { at: String(at) } } })),
  definitions: () => call<DefinitionSummary[]>(api.GET("/api/dashboard/definitions/")),
  definition: (name: string, version?: number) =>
    call<DefinitionPage>(api.GET("/api/dashboard/definitions/{name}/", { params: { path: { name }, query: version ? { version } : {} } })),
  /** the newest batch jobs (the first page, newest first) */
  batches: async (): Promise<Result<BatchJob[]>> => {
    const r = await call<{ results: BatchJob[] }>(api.GET("/api/dashboard/batches/"));
    return r.ok ? { ok: true, data: r.data.results ?? [] } : r;
  },
  batch: (id: number) => call<BatchJob>(api.GET("/api/dashboard/batches/{job_id}/", { params: { path: { job_id: id } } })),
  createBatch: (body: { action: "cancel" | "retry"; filters: Record<string, string>; reason?: string; task?: string }) =>
    call<BatchJob>(api.POST("/api/dashboard/batches/", { body: body as never })),

  cancel: (id: number, reason: string) =>
    call<unknown>(api.POST("/api/cases/{case_id}/cancel/", { params: { path: { case_id: id } }, body: (reason ? { reason } : {}) as never })),
  suspend: (id: number) => call<unknown>(api.POST("/api/cases/{case_id}/suspend/", { params: { path: { case_id: id } } })),
  resume: (id: number) => call<unknown>(api.POST("/api/cases/{case_id}/resume/", { params: { path: { case_id: id } } })),
  editData: (id: number, data: Record<string, unknown>) =>
    call<unknown>(api.POST("/api/cases/{case_id}/data/", { params: { path: { case_id: id } }, body: { data } as never })),
  signal: (id: number, name: string, payload: Record<string, unknown>) =>
    call<unknown>(api.POST("/api/cases/{case_id}/signals/{name}/", { params: { path: { case_id: id, name } }, body: { payload } as never })),
  retry: (itemId: string, input?: Record<string, unknown>) =>
    call<unknown>(api.POST("/api/work-items/{item_id}/retry/", { params: { path: { item_id: itemId } }, body: (input ? { input } : {}) as never })),
  skip: (itemId: string, output?: Record<string, unknown>) =>
    call<unknown>(api.POST("/api/work-items/{item_id}/skip/", { params: { path: { item_id: itemId } }, body: (output ? { output } : {}) as never })),
  addWorkItem: (id: number, task: string, input: Record<string, unknown>) =>
    call<unknown>(
      api.POST("/api/cases/{case_id}/tasks/{task_id}/work-items/", { params: { path: { case_id: id, task_id: task } }, body: { input } as never }),
    ),
};
