/** The designer's calls to the definitions, activities and cases API (typed client). */
import { api, ApiRequestError, type Schemas, unwrap } from "../../api/client";
import type { NetDoc } from "../../lib/net/net";
import type { Problem } from "./store";

export type Definition = Schemas["DefinitionOutput"];
export type DefinitionSummary = Schemas["DefinitionSummaryOutput"];
export type Activity = Schemas["ActivityOutput"];
export type Case = Schemas["CaseOutput"];
export type Group = Schemas["GroupOutput"];
export type VersionSummary = Schemas["VersionSummaryOutput"];

/** The net problems of a refusal (save, import, publish): {element, message, path} each. */
export function refusalProblems(err: unknown): Problem[] {
  if (!(err instanceof ApiRequestError)) return [];
  return (err.body?.errors ?? []).map((e) => ({
    element: e.element ?? null,
    message: e.message,
    path: e.path ?? "",
  }));
}

/** A refusal as one line: the message, then "element: message" for each problem. */
export function refusalText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const problems = refusalProblems(err);
  if (!problems.length) return message;
  return `${message}: ${problems.map((e) => `${e.element ?? "workflow"}: ${e.message}`).join("; ")}`;
}

export function validateNet(
  net: NetDoc,
  signal?: AbortSignal,
): Promise<Schemas["ValidationOutput"]> {
  return unwrap(api.POST("/api/definitions/validate/", { body: net, signal }));
}

/** Every page of a paginated list. */
async function allPages<T>(
  get: (page: number) => Promise<{ results: T[]; next?: string | null }>,
): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; page < 100; page += 1) {
    const body = await get(page);
    out.push(...body.results);
    if (!body.next) break;
  }
  return out;
}

export function listDefinitions(): Promise<DefinitionSummary[]> {
  return allPages((page) => unwrap(api.GET("/api/definitions/", { params: { query: { page } } })));
}

export function getDefinition(name: string): Promise<Definition> {
  return unwrap(api.GET("/api/definitions/{name}/", { params: { path: { name } } }));
}

export function createDefinition(net: NetDoc): Promise<Definition> {
  return unwrap(api.POST("/api/definitions/", { body: net }));
}

export function saveDraft(name: string, net: NetDoc): Promise<Definition> {
  return unwrap(api.PUT("/api/definitions/{name}/", { params: { path: { name } }, body: net }));
}

export function importDefinition(net: NetDoc): Promise<Definition> {
  return unwrap(api.POST("/api/definitions/import/", { body: net }));
}

export function publishDefinition(name: string, comment = ""): Promise<Schemas["PublishOutput"]> {
  return unwrap(
    api.POST("/api/definitions/{name}/publish/", {
      params: { path: { name } },
      body: { comment },
    }),
  );
}

export function listGroups(): Promise<Group[]> {
  return allPages((page) => unwrap(api.GET("/api/groups/", { params: { query: { page } } })));
}

export async function getVersion(name: string, version: number): Promise<NetDoc> {
  const net = await unwrap(
    api.GET("/api/definitions/{name}/versions/{version}/", { params: { path: { name, version } } }),
  );
  return net;
}

export function listActivities(): Promise<Activity[]> {
  return allPages((page) => unwrap(api.GET("/api/activities/", { params: { query: { page } } })));
}

export function startCase(definition: string, data: Record<string, unknown>): Promise<Case> {
  return unwrap(api.POST("/api/cases/", { body: { definition, data } }));
}

export function getCase(id: number): Promise<Case> {
  return unwrap(api.GET("/api/cases/{case_id}/", { params: { path: { case_id: id } } }));
}

export type ExpressionCheck = Schemas["ExpressionCheckOutput"];

/** Whether one CEL expression compiles, as the publish check sees it (never evaluated). */
export function checkExpression(
  expression: string,
  signal?: AbortSignal,
): Promise<ExpressionCheck> {
  return unwrap(api.POST("/api/designer/check-expression/", { body: { expression }, signal }));
}
