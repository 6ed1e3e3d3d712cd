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

/** The server's error body (config/errors.py): {"code","detail","errors"}. */
export interface ApiError {
  code: string;
  detail: string;
  errors: Array<{ field?: string; element?: string | null; message: string; path?: string }>;
}

export function errorMessage(error: unknown): string {
  if (error && typeof error === "object" && "detail" in error) return String((error as ApiError).detail);
  return "request failed";
}
