import { describe, expect, it } from "vitest";

import {
  DEFAULT_COLUMNS,
  loadColumns,
  normalize,
  saveColumns,
  storageKey,
  toggle,
} from "./columns";

function memory(): Storage {
  const data = new Map<string, string>();
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    getItem: (k) => data.get(k) ?? null,
    key: (i) => [...data.keys()][i] ?? null,
    removeItem: (k) => void data.delete(k),
    setItem: (k, v) => void data.set(k, String(v)),
  };
}

describe("case list columns", () => {
  it("defaults, then keeps each user's choice apart", () => {
    const s = memory();
    expect(loadColumns("ada", s)).toEqual([...DEFAULT_COLUMNS]);
    saveColumns("ada", ["id", "started_by", "business_key"], s);
    expect(loadColumns("ada", s)).toEqual(["id", "business_key", "started_by"]); // the list's order
    expect(loadColumns("bob", s)).toEqual([...DEFAULT_COLUMNS]);
  });

  it("always shows the case id and drops what it does not know", () => {
    expect(normalize(["state", "nonsense"])).toEqual(["id", "state"]);
    expect(toggle(["id", "state"], "id", false)).toEqual(["id", "state"]);
    expect(toggle(["id", "state"], "version", true)).toEqual(["id", "version", "state"]);
    expect(toggle(["id", "version", "state"], "version", false)).toEqual(["id", "state"]);
  });

  it("falls back to the default on a value it cannot read", () => {
    const s = memory();
    for (const bad of ["{", '{"a": 1}', "[1, 2]", "null"]) {
      s.setItem(storageKey("ada"), bad);
      expect(loadColumns("ada", s)).toEqual([...DEFAULT_COLUMNS]);
    }
  });
});
