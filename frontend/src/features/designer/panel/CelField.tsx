/**
 * One CEL input for every expression of the designer (ADR 0086): an ARIA combobox that completes
 * case-data fields, the variables of its scope and CEL functions (Ctrl+Space opens, arrows move,
 * Enter or Tab accepts, Escape closes), and says in plain words what is wrong: an unclosed
 * bracket or quote at once, then what the server's compile check (`checkExpression`) answers,
 * then a data field the net does not know.
 */
import { useEffect, useId, useMemo, useRef, useState } from "react";

import { checkExpression } from "../api";
import {
  bracketProblem,
  type CelFields,
  type CelScope,
  type Completion,
  completionsAt,
  netFields,
  unknownFieldProblem,
} from "../model/cel";
import { celErrorWords } from "../model/words";
import { useDesigner } from "../store";

const CHECK_DELAY_MS = 350;

/** The net's case-data fields, computed once per edit of the net and shared by every field. */
let cached: { revision: number; nodes: unknown; meta: unknown; fields: CelFields } | null = null;
function fieldsAt(revision: number): CelFields {
  const state = useDesigner.getState();
  if (cached?.revision !== revision || cached.nodes !== state.nodes || cached.meta !== state.meta)
    cached = { revision, nodes: state.nodes, meta: state.meta, fields: netFields(state.toNet()) };
  return cached.fields;
}
const MAX_SHOWN = 50;

export function CelField(props: {
  /** The visible label; for a row without one, give `ariaLabel` and `bare`. */
  label: string;
  value: unknown;
  onChange: (value: string | undefined) => void;
  scope: CelScope;
  /** More names bound where this expression runs (a multi-instance `as`). */
  variables?: string[];
  example?: string;
  readOnly?: boolean;
  testId?: string;
  problems?: string[];
  hint?: string;
  /** No label element (a mapping row): the label becomes the input's aria-label. */
  bare?: boolean;
}) {
  const id = useId();
  const listId = `${id}-list`;
  const noteId = `${id}-note`;
  const text =
    typeof props.value === "string"
      ? props.value
      : props.value == null
        ? ""
        : JSON.stringify(props.value);
  const input = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [caret, setCaret] = useState(0);
  const [serverError, setServerError] = useState<{ for: string; message: string } | null>(null);
  const pendingCaret = useRef<number | null>(null);
  const revision = useDesigner((s) => s.revision);
  const fields = useMemo(() => fieldsAt(revision), [revision]);
  const completion = useMemo(
    () => completionsAt(text, caret, props.scope, fields, props.variables),
    [text, caret, props.scope, fields, props.variables],
  );
  const items = completion.items.slice(0, MAX_SHOWN);
  const shown = open && items.length > 0 && !props.readOnly;
  const current = Math.min(active, Math.max(0, items.length - 1));

  // the server's compile check, once typing pauses; an older answer never replaces a newer one
  useEffect(() => {
    if (props.readOnly || !text.trim() || bracketProblem(text)) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      checkExpression(text, abort.signal)
        .then((r) =>
          setServerError(
            r.valid || !r.error ? null : { for: text, message: celErrorWords(r.error, r.column) },
          ),
        )
        .catch(() => undefined); // offline or aborted: the publish check still tells
    }, CHECK_DELAY_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [text, props.readOnly]);

  // the active suggestion stays in sight while the arrows move through a long list
  useEffect(() => {
    if (shown)
      document.getElementById(`${id}-opt-${current}`)?.scrollIntoView({ block: "nearest" });
  }, [shown, current, id]);

  useEffect(() => {
    if (pendingCaret.current !== null && input.current) {
      input.current.setSelectionRange(pendingCaret.current, pendingCaret.current);
      pendingCaret.current = null;
    }
  });

  // the validation's problems of this field, when there are some, say it already (worded)
  const problems = props.problems ?? [];
  const note =
    !text.trim() || problems.length
      ? null
      : (bracketProblem(text) ??
        (serverError?.for === text ? serverError.message : null) ??
        unknownFieldProblem(text, fields));

  const write = (next: string) => props.onChange(next === "" ? undefined : next);
  const accept = (item: Completion) => {
    const next = text.slice(0, completion.from) + item.insert + text.slice(completion.to);
    const at = completion.from + item.insert.length;
    pendingCaret.current = at;
    setCaret(at);
    setOpen(false);
    write(next);
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key === " " && e.ctrlKey) {
      e.preventDefault();
      setCaret(e.currentTarget.selectionStart ?? text.length);
      setActive(0);
      setOpen(true);
      return;
    }
    if (!shown) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive((current + step + items.length) % items.length);
    } else if (e.key === "Enter" || e.key === "Tab") {
      e.preventDefault();
      accept(items[current]);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };

  const describedBy = [noteId, props.hint ? `${id}-hint` : null].filter(Boolean).join(" ");
  return (
    <div className={`field cel-field ${note || problems.length ? "has-problem" : ""}`}>
      {!props.bare && <label htmlFor={id}>{props.label}</label>}
      <div className="cel-box">
        <input
          id={id}
          ref={input}
          className="mono"
          role="combobox"
          aria-label={props.bare ? props.label : undefined}
          aria-autocomplete="list"
          aria-expanded={shown}
          aria-controls={listId}
          aria-activedescendant={shown ? `${id}-opt-${current}` : undefined}
          aria-describedby={describedBy || undefined}
          aria-invalid={note || problems.length ? true : undefined}
          autoComplete="off"
          spellCheck={false}
          data-testid={props.testId}
          value={text}
          placeholder={props.example ? `e.g. ${props.example}` : undefined}
          readOnly={props.readOnly}
          onChange={(e) => {
            const value = e.target.value;
            const at = e.target.selectionStart ?? value.length;
            setCaret(at);
            setActive(0);
            // typing a name or a dot offers what fits; other characters close the list
            setOpen(/[\w.]$/.test(value.slice(0, at)));
            write(value);
          }}
          onKeyDown={onKeyDown}
          onClick={(e) => setCaret(e.currentTarget.selectionStart ?? text.length)}
          onBlur={() => setOpen(false)}
        />
        <ul
          id={listId}
          role="listbox"
          aria-label="Completions"
          className="cel-list"
          hidden={!shown}
          data-testid={props.testId ? `${props.testId}-suggestions` : undefined}
        >
          {shown &&
            items.map((item, i) => (
              <li
                key={`${item.kind}-${item.label}`}
                id={`${id}-opt-${i}`}
                role="option"
                aria-selected={i === current}
                className={`cel-option ${i === current ? "active" : ""}`}
                onMouseDown={(e) => {
                  e.preventDefault(); // keep the focus in the input
                  accept(item);
                }}
              >
                <span className={`cel-kind cel-kind-${item.kind}`}>{item.kind}</span>
                <span className="mono cel-label">{item.label}</span>
                <span className="cel-detail">{item.detail}</span>
              </li>
            ))}
        </ul>
      </div>
      {props.hint && (
        <small className="hint" id={`${id}-hint`}>
          {props.hint}
        </small>
      )}
      {/* always present, so that a screen reader announces a new note */}
      <small
        className="field-problem"
        id={noteId}
        aria-live="polite"
        data-testid={props.testId ? `${props.testId}-problem` : undefined}
        hidden={!note}
      >
        {note}
      </small>
      {problems.map((p) => (
        <small key={p} className="field-problem" role="alert">
          {p}
        </small>
      ))}
    </div>
  );
}
