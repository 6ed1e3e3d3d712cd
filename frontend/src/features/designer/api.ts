/** The designer's calls to the definitions, activities and cases API (typed client). */
import { type ApiError, api, type Schemas } from "../../api/client";
import type { NetDoc } from "../../lib/net/net";
import type { Problem } from "./store";

export type Definition = Schemas["DefinitionOutput"];
export type DefinitionSummary = Schemas["DefinitionSummaryOutput"];
export type Activity = Schemas["ActivityOutput"];
export type Case = Schemas["CaseOutput"];

export class RequestFailed extends Error {
  constructor(
    message: string,
    public readonly status: number,
    public readonly body: ApiError | null,
  ) {
    super(message);
  }
}

function check<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    const body = (result.error ?? null) as ApiError | null;
    throw new RequestFailed(body?.detail ?? `request failed (${result.response.status})`, result.response.status, body);
  }
  return result.data;
}

type Body = Record<string, unknown>;

export async function validateNet(net: NetDoc, signal?: AbortSignal): Promise<{ valid: boolean; errors: Problem[]; warnings: Problem[] }> {
  const r = await api.POST("/api/definitions/validate/", { body: net as Body, signal });
  const data = check(r);
  return data as { valid: boolean; errors: Problem[]; warnings: Problem[] };
}

/** Every page of a paginated list. */
async function allPages<T>(path: "/api/definitions/" | "/api/activities/"): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; page < 100; page += 1) {
    const body = check(await api.GET(path, { params: { query: { page } } as never })) as unknown as { results: T[]; next: string | null };
    out.push(...body.results);
    if (!body.next) break;
  }
  return out;
}

export function listDefinitions(): Promise<DefinitionSummary[]> {
  return allPages<DefinitionSummary>("/api/definitions/");
}

export async function getDefinition(name: string): Promise<Definition> {
  return check(await api.GET("/api/definitions/{name}/", { params: { path: { name } } }));
}

export async function createDefinition(net: NetDoc): Promise<Definition> {
  return check(await api.POST("/api/definitions/", { body: net as Body }));
}

export async function saveDraft(name: string, net: NetDoc): Promise<Definition> {
  return check(await api.PUT("/api/definitions/{name}/", { params: { path: { name } }, body: net as Body }));
}

export async function importDefinition(net: NetDoc): Promise<Definition> {
  return check(await api.POST("/api/definitions/import/", { body: net as Body }));
}

export async function publishDefinition(name: string): Promise<{ name: string; version: number }> {
  return check(await api.POST("/api/definitions/{name}/publish/", { params: { path: { name } } }));
}

export async function getVersion(name: string, version: number): Promise<NetDoc> {
  return check(await api.GET("/api/definitions/{name}/versions/{version}/", { params: { path: { name, version } } })) as NetDoc;
}

export function listActivities(): Promise<Activity[]> {
  return allPages<Activity>("/api/activities/");
}

export async function startCase(definition: string, data: Record<string, unknown>): Promise<Case> {
  return check(await api.POST("/api/cases/", { body: { definition, data } as never }));
}

export async function getCase(id: number): Promise<Case> {
  return check(await api.GET("/api/cases/{case_id}/", { params: { path: { case_id: id } } }));
}
