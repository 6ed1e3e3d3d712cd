/**
 * The dashboard API's shapes: names for the generated schema types (src/api/schema.d.ts, made
 * by `npm run gen:api` from the server's OpenAPI schema; docs/api.md describes them).
 */
import type { Schemas } from "../../api/client";

export type TaskStats = Schemas["TaskStatsOutput"];
export type TaskRun = Schemas["TaskRunOutput"];
export type CaseWorkItem = Schemas["DashboardWorkItemOutput"];
export type HistoryEvent = Schemas["EventOutput"];
export type CaseLink = Schemas["CaseLinkOutput"];
export type CasePage = Schemas["CasePageOutput"];
export type AllowedActions = Schemas["AllowedActionsOutput"];
/** GET /api/dashboard/cases/{id}/state/?at= */
export type PastState = Schemas["PastStateOutput"];
/** The case as /ws/cases/{id}/ pushes it (the engine's CaseOutput). */
export type PushedCase = Schemas["CaseOutput"];
export type CaseRow = Schemas["CaseRowOutput"];
export type CaseListPage = Schemas["PaginatedCaseRowOutputList"];
export type Overview = Schemas["OverviewOutput"];
export type DefinitionSummary = Schemas["DefinitionRowOutput"];
export type TaskHeat = Schemas["HeatTaskOutput"];
export type Heatmap = Schemas["HeatmapOutput"];
export type DefinitionPage = Schemas["DefinitionPageOutput"];
export type BatchJob = Schemas["BatchJobOutput"];
export type BatchCreate = Schemas["BatchCreateInputRequest"];
