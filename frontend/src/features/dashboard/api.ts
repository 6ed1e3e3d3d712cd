/**
 * The dashboard's calls, through the typed client (src/api/client.ts): paths, bodies and answers
 * are the generated schema's. Every call resolves to a Result, the data or the refusal as the
 * page shows it, so that the pages render errors without try/catch.
 */
import { api, ApiRequestError, unwrap } from "../../api/client";
import type { BatchCreate, BatchJob } from "./types";

export type Result<T> =
  { ok: true; data: T } | { ok: false; status: number; message: string; fields: string[] };

/** A failed call as the page shows it: the message with its code, the field errors after it. */
export function failure(error: unknown): Result<never> {
  const e = error instanceof ApiRequestError ? error : new ApiRequestError(0, null);
  return { ok: false, status: e.status, message: e.summary, fields: e.fields };
}

async function call<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Result<T>> {
  try {
    return { ok: true, data: await unwrap(request) };
  } catch (exc) {
    return failure(exc);
  }
}

type JsonObject = Record<string, unknown>;

export const dashboardApi = {
  overview: (hours = 24) =>
    call(api.GET("/api/dashboard/overview/", { params: { query: { hours } } })),
  /** the case list; the query string is built by filters.ts (its names are the API's filters) */
  cases: (query: URLSearchParams) =>
    call(api.GET("/api/dashboard/cases/", { params: { query: Object.fromEntries(query) } })),
  casePage: (id: number) =>
    call(api.GET("/api/dashboard/cases/{case_id}/", { params: { path: { case_id: id } } })),
  caseStateAt: (id: number, at: number | string) =>
    call(
      api.GET("/api/dashboard/cases/{case_id}/state/", {
        params: { path: { case_id: id }, query: { at: String(at) } },
      }),
    ),
  definitions: () => call(api.GET("/api/dashboard/definitions/")),
  definition: (name: string, version?: number) =>
    call(
      api.GET("/api/dashboard/definitions/{name}/", {
        params: { path: { name }, query: version ? { version } : {} },
      }),
    ),
  /** the newest batch jobs (the first page, newest first) */
  batches: async (): Promise<Result<BatchJob[]>> => {
    const r = await call(api.GET("/api/dashboard/batches/"));
    if (!r.ok) return r;
    return { ok: true, data: r.data.results };
  },
  batch: (id: number) =>
    call(api.GET("/api/dashboard/batches/{job_id}/", { params: { path: { job_id: id } } })),
  createBatch: (body: BatchCreate) => call(api.POST("/api/dashboard/batches/", { body })),

  cancel: (id: number, reason: string) =>
    call(
      api.POST("/api/cases/{case_id}/cancel/", {
        params: { path: { case_id: id } },
        body: { reason },
      }),
    ),
  suspend: (id: number) =>
    call(api.POST("/api/cases/{case_id}/suspend/", { params: { path: { case_id: id } } })),
  resume: (id: number) =>
    call(api.POST("/api/cases/{case_id}/resume/", { params: { path: { case_id: id } } })),
  editData: (id: number, data: JsonObject) =>
    call(
      api.POST("/api/cases/{case_id}/data/", { params: { path: { case_id: id } }, body: { data } }),
    ),
  signal: (id: number, name: string, payload: JsonObject) =>
    call(
      api.POST("/api/cases/{case_id}/signals/{name}/", {
        params: { path: { case_id: id, name } },
        body: { payload },
      }),
    ),
  retry: (itemId: string, input?: JsonObject) =>
    call(
      api.POST("/api/work-items/{item_id}/retry/", {
        params: { path: { item_id: itemId } },
        body: input ? { input } : {},
      }),
    ),
  skip: (itemId: string, output?: JsonObject) =>
    call(
      api.POST("/api/work-items/{item_id}/skip/", {
        params: { path: { item_id: itemId } },
        body: output ? { output } : {},
      }),
    ),
  /** WCP-27: complete a running multi-instance task now (its open instances are withdrawn) */
  completeTask: (id: number, task: string) =>
    call(
      api.POST("/api/cases/{case_id}/tasks/{task_id}/complete/", {
        params: { path: { case_id: id, task_id: task } },
      }),
    ),
  addWorkItem: (id: number, task: string, input: JsonObject) =>
    call(
      api.POST("/api/cases/{case_id}/tasks/{task_id}/work-items/", {
        params: { path: { case_id: id, task_id: task } },
        body: { input },
      }),
    ),
};
