/** The net document (docs/net-format.md, schema_version 1) as the designer sees it. */

export type JoinSplit = "and" | "xor" | "or";
export const TASK_KINDS = ["manual", "automatic", "composite", "dummy", "timer", "signal"] as const;
export type TaskKind = (typeof TASK_KINDS)[number];
export type ConditionKind = "start" | "end" | "normal";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ConditionEl {
  id: string;
  kind?: ConditionKind | null;
  label?: string | null;
  [key: string]: Json | undefined;
}

export interface TaskEl {
  id: string;
  kind?: TaskKind;
  label?: string | null;
  join?: JoinSplit | null;
  split?: JoinSplit | null;
  cancels?: string[] | null;
  [key: string]: Json | undefined;
}

export interface FlowEl {
  from: string;
  to: string;
  when?: string | null;
  default?: boolean;
  label?: string | null;
  [key: string]: Json | undefined;
}

export interface Position {
  x: number;
  y: number;
}

export interface NetDoc {
  schema_version?: number;
  name?: string;
  title?: string | null;
  description?: string | null;
  data_schema?: JsonObject | null;
  conditions?: ConditionEl[];
  tasks?: TaskEl[];
  flows?: FlowEl[];
  signals?: JsonObject[] | null;
  queries?: JsonObject[] | null;
  layout?: Record<string, Position> | null;
  [key: string]: unknown;
}

/** The engine's default kind of a task without one (engine/core/net.py). */
export const DEFAULT_TASK_KIND: TaskKind = "manual";

export function taskKind(task: TaskEl): TaskKind {
  return (TASK_KINDS as readonly string[]).includes(task.kind ?? "")
    ? (task.kind as TaskKind)
    : DEFAULT_TASK_KIND;
}

/** The element id the server's validator gives a flow (engine/core/validation.py). */
export function flowElementId(from: string, to: string): string {
  return `${from}->${to}`;
}

export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** A net document the API types loosely (an object of unknown values): the document, or an empty one. */
export function asNetDoc(value: unknown): NetDoc {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as NetDoc)
    : {};
}

/** An element field as text (a string as it is, anything else as JSON). */
export function jsonText(value: Json | undefined): string {
  return typeof value === "string" ? value : JSON.stringify(value ?? null);
}
