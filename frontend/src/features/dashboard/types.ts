/** The dashboard API's shapes (docs/api.md, "Operations dashboard (issue 6)"). */
import type { NetDoc } from "../../lib/net/net";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface TaskStats {
  total: number;
  initialized: number;
  started: number;
  completed: number;
  failed: number;
  canceled: number;
}

export interface TaskRun {
  state: string;
  generation?: number;
  stats?: TaskStats;
  error?: string | null;
}

export interface ItemError {
  type?: string;
  message?: string;
  traceback?: string;
}

export interface CaseWorkItem {
  id: string;
  task: string;
  generation: number;
  kind: string;
  state: string;
  input: JsonObject | null;
  output: JsonObject | null;
  assignee: string | null;
  role: string | null;
  offered_user?: string | null;
  completed_by?: string | null;
  attempt: number;
  error: ItemError | null;
  priority?: number;
  due_at?: string | null;
  created_at: string;
  updated_at: string;
}

export interface HistoryEvent {
  id: number;
  type: string;
  task: string;
  work_item: string | null;
  payload: JsonObject;
  actor: string;
  created_at: string;
}

export interface CaseLink {
  id: number;
  definition: string;
  state: string;
  work_item: string | null;
  task: string | null;
}

export interface CasePage {
  id: number;
  definition: string;
  version: number;
  state: string;
  incident: boolean;
  reason: string;
  started_by: string | null;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
  data: JsonObject;
  marking: Record<string, number>;
  tasks: Record<string, TaskRun>;
  net: NetDoc;
  work_items: CaseWorkItem[];
  parent: CaseLink | null;
  children: CaseLink[];
  history: HistoryEvent[];
  history_truncated: boolean;
}

/** GET /api/dashboard/cases/{id}/state/?at= */
export interface PastState {
  at: string;
  /** the id of the last event folded */
  event: number | null;
  time: string | null;
  events: number;
  state: string | null;
  marking: Record<string, number>;
  tasks: Record<string, TaskRun>;
  data: JsonObject;
  work_items: Record<string, { task: string; generation: number; state: string; attempt: number; assignee: string | null }>;
}

/** The case as /ws/cases/{id}/ pushes it (the engine's CaseOutput). */
export interface PushedCase {
  id: number;
  definition: string;
  version: number;
  state: string;
  data: JsonObject;
  marking: Record<string, number>;
  tasks: Record<string, TaskRun>;
  reason?: string;
  ended_at?: string | null;
}

export interface CaseRow {
  id: number;
  definition: string;
  version: number;
  state: string;
  incident: boolean;
  parent: number | null;
  reason: string;
  data: JsonObject;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
}

export interface CaseListPage {
  count: number;
  count_capped: boolean;
  next: string | null;
  previous: string | null;
  results: CaseRow[];
}

export interface Overview {
  cases: { total: number; by_state: Record<string, number>; by_definition: Array<{ definition: string; total: number; by_state: Record<string, number> }> };
  incidents: {
    failed_work_items: number;
    failed_automatic_work_items: number;
    deadlocked_cases: number;
    latest_failed_work_items: Array<{ work_item: string; case: number; definition: string; task: string; kind: string; attempt: number; error_type: string; error_message: string; since: string }>;
    latest_deadlocked_cases: Array<{ case: number; definition: string; reason: string; since: string }>;
  };
  open_work_items: Array<{ definition: string; task: string; role: string | null; initialized: number; started: number; total: number }>;
  throughput: { hours: number; buckets: Array<{ hour: string; started: number; completed: number }> };
  durations: {
    since: string;
    sampled: boolean;
    count: number;
    avg_seconds: number | null;
    p50_seconds: number | null;
    p95_seconds: number | null;
    max_seconds: number | null;
    histogram: Array<{ le_seconds: number | null; count: number }>;
    by_task: Array<{ definition: string; task: string; count: number; avg_seconds: number | null; p50_seconds: number | null; p95_seconds: number | null; max_seconds: number | null }>;
  };
}

export interface DefinitionSummary {
  name: string;
  title: string;
  versions: number;
  latest_version: number;
  cases: { total: number; by_state: Record<string, number> };
}

export interface TaskHeat {
  enabled: number;
  started: number;
  open_items: number;
  failed_items: number;
  count: number;
  avg_seconds: number | null;
  p95_seconds: number | null;
}

export interface DefinitionPage {
  name: string;
  title: string;
  versions: Array<{ version: number; published_at: string; cases: { total: number; by_state: Record<string, number> } }>;
  version: number;
  net: NetDoc;
  heatmap: { tasks: Record<string, TaskHeat>; conditions: Record<string, { tokens: number; cases: number }> };
}

export interface BatchJob {
  id: number;
  action: "cancel" | "retry";
  state: "pending" | "running" | "done";
  filters: Record<string, string>;
  params: JsonObject;
  total: number;
  done: number;
  succeeded: number;
  failed: number;
  errors: Array<{ case: number; code: string; detail: string }>;
  created_by: string | null;
  created_at: string;
  finished_at: string | null;
}
