/**
 * The forms' validator for react-jsonschema-form without `eval`.
 *
 * rjsf's ajv validator compiles each schema into a function with `new Function`, which the
 * app's Content-Security-Policy (config/csp.py: `script-src 'self'`, no 'unsafe-eval') refuses:
 * the form would then check nothing. Forms are JSON Schemas written in the designer (so they
 * cannot be compiled ahead of time); this validator interprets the keywords that forms use
 * (docs/net-format.md, "Forms and validation") and reports errors in ajv's shape and words, so
 * rjsf and the inbox's plain-word messages (features/inbox/formRules.ts) work unchanged. The
 * server checks the same rules again with jsonschema.
 */
import type { RJSFSchema, ValidatorType } from "@rjsf/utils";
import ajvValidator from "@rjsf/validator-ajv8";

type Schema = Record<string, unknown>;

export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function hasType(v: unknown, type: string): boolean {
  switch (type) {
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "object":
      return isObject(v);
    default:
      return typeOf(v) === type;
  }
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => equal(a[k], b[k]));
  }
  return false;
}

const DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= (mo === 2 && !leap ? 28 : DAYS[mo]);
}

const FORMATS: Record<string, (s: string) => boolean> = {
  date: isDate,
  time: (s) => /^([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d+)?)?(z|[+-]\d{2}(:?\d{2})?)?$/i.test(s),
  "date-time": (s) => {
    const [date, time] = s.split(/t|\s/i);
    return (
      isDate(date ?? "") &&
      /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(z|[+-]\d{2}(:?\d{2})?)$/i.test(time ?? "")
    );
  },
  email: (s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s),
  uri: (s) => /^[a-z][a-z0-9+.-]*:[^\s]*$/i.test(s),
};

const pointer = (path: string, key: string | number) =>
  `${path}/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`;

/** Every error of `data` against `schema` (all of them, as ajv's `allErrors`). */
export function validate(schema: unknown, data: unknown, root: unknown = schema): SchemaError[] {
  const errors: SchemaError[] = [];
  check(schema, data, "", "#", root, errors);
  return errors;
}

function resolve(ref: string, root: unknown): unknown {
  if (!ref.startsWith("#")) return undefined;
  let at: unknown = root;
  for (const part of ref.slice(1).split("/").filter(Boolean)) {
    const key = decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~");
    at = isObject(at) ? at[key] : undefined;
  }
  return at;
}

function check(
  schema: unknown,
  data: unknown,
  path: string,
  spath: string,
  root: unknown,
  out: SchemaError[],
): void {
  if (schema === false) {
    out.push({
      instancePath: path,
      schemaPath: spath,
      keyword: "false schema",
      params: {},
      message: "boolean schema is false",
    });
    return;
  }
  if (!isObject(schema)) return;
  const s: Schema = schema;
  const add = (keyword: string, params: Record<string, unknown>, message: string) =>
    out.push({ instancePath: path, schemaPath: `${spath}/${keyword}`, keyword, params, message });

  if (typeof s.$ref === "string") {
    check(resolve(s.$ref, root), data, path, `${spath}/$ref`, root, out);
  }
  if (s.type !== undefined) {
    const types = (Array.isArray(s.type) ? s.type : [s.type]).filter(
      (t): t is string => typeof t === "string",
    );
    if (!types.some((t) => hasType(data, t))) {
      add("type", { type: types.join(",") }, `must be ${types.join(",")}`);
      return; // ajv stops at a wrong type: the other keywords do not apply
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((v) => equal(v, data))) {
    add("enum", { allowedValues: s.enum }, "must be equal to one of the allowed values");
  }
  if ("const" in s && !equal(s.const, data)) {
    add("const", { allowedValue: s.const }, "must be equal to constant");
  }
  if (typeof data === "number") {
    const limits: [string, string, (x: number, l: number) => boolean][] = [
      ["maximum", "<=", (x, l) => x <= l],
      ["minimum", ">=", (x, l) => x >= l],
      ["exclusiveMaximum", "<", (x, l) => x < l],
      ["exclusiveMinimum", ">", (x, l) => x > l],
    ];
    for (const [keyword, comparison, ok] of limits) {
      const limit = s[keyword];
      if (typeof limit === "number" && !ok(data, limit))
        add(keyword, { comparison, limit }, `must be ${comparison} ${limit}`);
    }
    if (typeof s.multipleOf === "number" && s.multipleOf > 0) {
      const q = data / s.multipleOf;
      if (Math.abs(q - Math.round(q)) > 1e-9)
        add("multipleOf", { multipleOf: s.multipleOf }, `must be multiple of ${s.multipleOf}`);
    }
  }
  if (typeof data === "string") {
    const length = [...data].length; // code points, as ajv counts
    if (typeof s.maxLength === "number" && length > s.maxLength)
      add("maxLength", { limit: s.maxLength }, `must NOT have more than ${s.maxLength} characters`);
    if (typeof s.minLength === "number" && length < s.minLength)
      add(
        "minLength",
        { limit: s.minLength },
        `must NOT have fewer than ${s.minLength} characters`,
      );
    if (typeof s.pattern === "string") {
      let matches: boolean;
      try {
        matches = new RegExp(s.pattern, "u").test(data);
      } catch {
        matches = true; // a pattern the browser cannot read: the server still checks it
      }
      if (!matches) add("pattern", { pattern: s.pattern }, `must match pattern "${s.pattern}"`);
    }
    if (typeof s.format === "string" && FORMATS[s.format] && !FORMATS[s.format](data))
      add("format", { format: s.format }, `must match format "${s.format}"`);
  }
  if (Array.isArray(data)) {
    if (typeof s.maxItems === "number" && data.length > s.maxItems)
      add("maxItems", { limit: s.maxItems }, `must NOT have more than ${s.maxItems} items`);
    if (typeof s.minItems === "number" && data.length < s.minItems)
      add("minItems", { limit: s.minItems }, `must NOT have fewer than ${s.minItems} items`);
    if (s.uniqueItems === true) {
      const dup = data.findIndex((v, i) => data.slice(0, i).some((w) => equal(v, w)));
      if (dup >= 0) {
        const j = data.findIndex((w) => equal(w, data[dup]));
        add(
          "uniqueItems",
          { i: dup, j },
          `must NOT have duplicate items (items ## ${j} and ${dup} are identical)`,
        );
      }
    }
    if (isObject(s.items) || typeof s.items === "boolean")
      data.forEach((v, i) => check(s.items, v, pointer(path, i), `${spath}/items`, root, out));
  }
  if (isObject(data)) {
    if (Array.isArray(s.required)) {
      for (const name of s.required as string[]) {
        if (!(name in data))
          add("required", { missingProperty: name }, `must have required property '${name}'`);
      }
    }
    const props = isObject(s.properties) ? s.properties : {};
    for (const [name, sub] of Object.entries(props)) {
      if (name in data && data[name] !== undefined)
        check(sub, data[name], pointer(path, name), `${spath}/properties/${name}`, root, out);
    }
    if (s.additionalProperties !== undefined && s.additionalProperties !== true) {
      for (const name of Object.keys(data).filter((k) => !(k in props))) {
        if (s.additionalProperties === false)
          add(
            "additionalProperties",
            { additionalProperty: name },
            "must NOT have additional properties",
          );
        else
          check(
            s.additionalProperties,
            data[name],
            pointer(path, name),
            `${spath}/additionalProperties`,
            root,
            out,
          );
      }
    }
  }
  if (Array.isArray(s.allOf))
    s.allOf.forEach((sub, i) => check(sub, data, path, `${spath}/allOf/${i}`, root, out));
  if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => validate(sub, data, root).length === 0))
    add("anyOf", {}, "must match a schema in anyOf");
  if (Array.isArray(s.oneOf)) {
    const passing = s.oneOf.flatMap((sub, i) => (validate(sub, data, root).length ? [] : [i]));
    if (passing.length !== 1)
      add(
        "oneOf",
        { passingSchemas: passing.length ? passing : null },
        "must match exactly one schema in oneOf",
      );
  }
  if (s.not !== undefined && validate(s.not, data, root).length === 0)
    add("not", {}, "must NOT be valid");
  if (s.if !== undefined && (s.then !== undefined || s.else !== undefined)) {
    const branch = validate(s.if, data, root).length === 0 ? "then" : "else";
    if (s[branch] !== undefined) {
      const before = out.length;
      check(s[branch], data, path, `${spath}/${branch}`, root, out);
      if (out.length > before)
        add("if", { failingKeyword: branch }, `must match "${branch}" schema`);
    }
  }
}

/**
 * rjsf's ajv validator with its two compiling steps replaced by the interpreter above; rjsf's
 * own processing of the errors (fields, `customValidate`, `transformErrors`) is kept.
 */
export const formValidator: ValidatorType = Object.assign(Object.create(ajvValidator) as object, {
  rawValidation(schema: RJSFSchema, formData?: unknown) {
    return { errors: validate(schema, formData), validationError: undefined };
  },
  isValid(schema: RJSFSchema, formData: unknown, rootSchema: RJSFSchema) {
    return validate(schema, formData, rootSchema).length === 0;
  },
}) as ValidatorType;

export default formValidator;
