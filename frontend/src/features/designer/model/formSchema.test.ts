import { describe, expect, it } from "vitest";

import { fieldsFromSchema, parseEnum, schemaFromFields } from "./formSchema";
import type { JsonObject } from "../../../lib/net/net";

describe("form builder <-> JSON Schema", () => {
  it("reads and writes fields, types, titles, required and enums", () => {
    const schema: JsonObject = {
      type: "object",
      properties: {
        approved: { type: "boolean", title: "Approve" },
        level: { type: "string", enum: ["low", "high"] },
        amount: { type: "number", minimum: 0 },
      },
      required: ["approved"],
    };
    const fields = fieldsFromSchema(schema);
    expect(fields.map((f) => [f.name, f.type, f.required])).toEqual([
      ["approved", "boolean", true],
      ["level", "string", false],
      ["amount", "number", false],
    ]);
    expect(fields[1].enum).toEqual(["low", "high"]);
    expect(schemaFromFields(fields, schema)).toEqual(schema);
  });

  it("builds a schema from new fields", () => {
    const out = schemaFromFields([
      { name: "ok", type: "boolean", title: "OK", required: true, enum: [], extra: {} },
      { name: "n", type: "integer", title: "", required: false, enum: [1, 2], extra: {} },
      { name: "", type: "string", title: "ignored", required: true, enum: [], extra: {} },
    ]);
    expect(out).toEqual({
      type: "object",
      properties: { ok: { type: "boolean", title: "OK" }, n: { type: "integer", enum: [1, 2] } },
      required: ["ok"],
    });
  });

  it("parses enum text by type", () => {
    expect(parseEnum(" a, b ,,c", "string")).toEqual(["a", "b", "c"]);
    expect(parseEnum("1, 2.5, x", "number")).toEqual([1, 2.5]);
  });
});
