/**
 * The typed API client: paths and bodies come from `schema.d.ts`, generated from the server's
 * OpenAPI schema (`npm run gen:api`). The browser session authenticates; unsafe methods carry
 * the CSRF token.
 */
import createClient, { type Middleware } from "openapi-fetch";

import { csrfToken, needsCsrf } from "./csrf";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type WorkItem = Schemas["WorkItemOutput"];
export type Me = Schemas["MeOutput"];

const csrf: Middleware = {
  onRequest({ request }) {
    if (needsCsrf(request.method)) request.headers.set("X-CSRFToken", csrfToken());
    return request;
  },
};

export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? "",
  credentials: "same-origin",
  // Looked up per call (not captured once), so tests can stub the global fetch.
  fetch: (request) => globalThis.fetch(request),
});
api.use(csrf);

/** One entry of an error's `errors`: a field error, or a net problem (element, JSON pointer). */
export interface ApiErrorItem {
  field?: string;
  element?: string | null;
  message: string;
  path?: string;
}

/** The server's error body (config/errors.py, `ErrorOutput` in the schema): {code, detail, errors}. */
export type ApiError = Omit<Schemas["ErrorOutput"], "errors"> & { errors: ApiErrorItem[] };

/** A refused or unanswered request: the status (0: no answer) and the server's error body. */
export class ApiRequestError extends Error {
  readonly status: number;
  readonly body: Partial<ApiError> | null;

  constructor(status: number, body: unknown, noAnswer?: string) {
    const e =
      body && typeof body === "object" ? (body as Partial<ApiError> & { message?: string }) : null;
    // `message` without `detail`: the data filter's own error shape ({field, message}).
    const detail =
      e?.detail ??
      e?.message ??
      noAnswer ??
      (status ? `the server answered ${status}` : "the server did not answer");
    super(detail);
    this.name = "ApiRequestError";
    this.status = status;
    this.body = e;
  }

  /** The error's `errors`, each as "field: message" (or just the message). */
  get fields(): string[] {
    return (this.body?.errors ?? []).map((x) =>
      x.field || x.path ? `${x.field ?? x.path}: ${x.message}` : x.message,
    );
  }

  /** The message with the error code after it, unless it is the generic "invalid". */
  get summary(): string {
    const code = this.body?.code;
    return code && code !== "invalid" && !this.message.includes(code)
      ? `${this.message} (${code})`
      : this.message;
  }
}

/**
 * The one way to read an answer of the typed client: `await unwrap(api.GET(...))` is the data,
 * or throws an `ApiRequestError` (also when the server did not answer).
 */
export async function unwrap<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch (exc) {
    const reason = exc instanceof Error ? exc.message : String(exc);
    throw new ApiRequestError(0, null, `the server did not answer (${reason})`);
  }
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiRequestError(result.response.status, result.error);
  }
  return result.data as T;
}

/** What a page shows for a failed call: the server's detail, or a plain sentence. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : "request failed";
}
