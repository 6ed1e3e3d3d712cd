/**
 * The editor: toolbar (save, publish, versions, test case, import/export, layout, undo/redo),
 * palette, canvas, properties panel and the problems list. Validates on every change
 * (debounced) and auto-saves the draft of a saved definition.
 */
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";

import {
  type Activity,
  type Case,
  createDefinition,
  type Definition,
  getCase,
  getDefinition,
  getVersion,
  importDefinition,
  listActivities,
  listDefinitions,
  listGroups,
  publishDefinition,
  refusalProblems,
  refusalText,
  saveDraft,
  startCase,
  validateNet,
} from "./api";
import { EditorCanvas, useShortcuts } from "./EditorCanvas";
import { FindElement } from "./FindElement";
import { emptyNet } from "../../lib/net/convert";
import { autoLayout } from "../../lib/net/layout";
import type { NetDoc } from "../../lib/net/net";
import { formatDateTime } from "../../lib/time";
import { Palette } from "./Palette";
import { PropertiesPanel } from "./panel/PropertiesPanel";
import { ProblemsList } from "./ProblemsList";
import { revisionLog, useDesigner } from "./store";

export const VALIDATE_DEBOUNCE_MS = 300;
export const AUTOSAVE_DEBOUNCE_MS = 1500;

function downloadJson(doc: NetDoc) {
  const blob = new Blob([JSON.stringify(doc, null, 2) + "\n"], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = `${doc.name || "workflow"}.json`;
  a.click();
  URL.revokeObjectURL(url);
}

export function EditorPage({ mode }: { mode: "new" | "draft" | "version" }) {
  return (
    <ReactFlowProvider>
      <Editor mode={mode} />
    </ReactFlowProvider>
  );
}

function Editor({ mode }: { mode: "new" | "draft" | "version" }) {
  const params = useParams();
  const name = mode === "new" ? "" : (params.name ?? "");
  const version = mode === "version" ? Number(params.version) : null;
  const navigate = useNavigate();
  const flow = useReactFlow();
  // useReactFlow's object is not stable across renders: effects reach it through a ref, kept
  // current by an effect (a ref is not written while rendering).
  const flowRef = useRef(flow);
  useEffect(() => {
    flowRef.current = flow;
  }, [flow]);
  const [definition, setDefinition] = useState<Definition | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [activities, setActivities] = useState<Activity[]>([]);
  const [groups, setGroups] = useState<string[]>([]);
  // The publish form (a comment kept on the version) is open.
  const [publishing, setPublishing] = useState(false);
  const [publishComment, setPublishComment] = useState("");
  // The save state is derived: the revision last saved (or loaded) against the current one.
  const [savedRevision, setSavedRevision] = useState(-1);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [reloadKey, setReloadKey] = useState(0);
  const [testOpen, setTestOpen] = useState(false);
  const [testData, setTestData] = useState("{}");
  const [testCase, setTestCase] = useState<Case | null>(null);
  const [testError, setTestError] = useState<string | null>(null);
  // How long the last open took (load, layout, first fit), shown as data-opened-ms for the bench.
  const [openedMs, setOpenedMs] = useState<number | null>(null);
  const revision = useDesigner((s) => s.revision);
  const errors = useDesigner((s) => s.errors);
  const message = useDesigner((s) => s.message);
  const canUndo = useDesigner((s) => s.past.length > 0);
  const canRedo = useDesigner((s) => s.future.length > 0);
  const hasSelection = useDesigner(
    (s) => s.nodes.some((n) => n.selected) || s.edges.some((e) => e.selected),
  );
  const nodeCount = useDesigner((s) => s.nodes.length);
  const unplacedCount = useDesigner((s) => s.nodes.filter((n) => !n.data.placed).length);
  const fileInput = useRef<HTMLInputElement>(null);
  const netName = useDesigner((s) => s.meta.fields.name);
  // A new workflow's name is checked against the existing ones as it is typed, not at save.
  const [takenNames, setTakenNames] = useState<Set<string> | null>(null);
  useEffect(() => {
    if (mode !== "new") return;
    let live = true;
    listDefinitions().then(
      (defs) => live && setTakenNames(new Set(defs.map((d) => d.name))),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [mode]);
  const nameProblem =
    mode === "new" && typeof netName === "string" && takenNames?.has(netName)
      ? `a workflow named “${netName}” already exists: choose another name, or open it from the list of workflows`
      : null;

  const layout = useCallback(async () => {
    const s = useDesigner.getState();
    const positions = await autoLayout({ nodes: s.nodes, edges: s.edges });
    useDesigner.getState().applyPositions(positions);
    window.requestAnimationFrame(() => void flowRef.current.fitView({ duration: 200 }));
  }, []);
  useShortcuts(layout);

  // Another net to open: start over from "not loaded" (adjusted while rendering).
  const openKey = JSON.stringify([mode, name, version, reloadKey]);
  const [openFor, setOpenFor] = useState(openKey);
  if (openFor !== openKey) {
    setOpenFor(openKey);
    setLoaded(false);
    setLoadError(null);
    setOpenedMs(null);
    setTestCase(null);
  }

  // Load the net (draft, a version, or a new one).
  useEffect(() => {
    let live = true;
    const open = async () => {
      let doc: NetDoc;
      if (mode === "new")
        doc = emptyNet(""); // named in the properties (the header follows)
      else if (mode === "version") {
        doc = await getVersion(name, version!);
        const def = await getDefinition(name);
        if (live) setDefinition(def);
      } else {
        const def = await getDefinition(name);
        if (live) setDefinition(def);
        doc = def.draft;
      }
      if (!live) return;
      const started = performance.now();
      useDesigner.getState().load(doc, { readOnly: mode === "version" });
      const s = useDesigner.getState();
      if (s.nodes.some((n) => !n.data.placed)) {
        const positions = await autoLayout({ nodes: s.nodes, edges: s.edges });
        if (!live) return;
        // Nodes without a layout entry are placed but the draft is not marked changed.
        const unplaced = Object.fromEntries(
          s.nodes.filter((n) => !n.data.placed).map((n) => [n.id, positions[n.id]]),
        );
        useDesigner.getState().applyPositions(unplaced, false);
      }
      setSavedRevision(useDesigner.getState().revision);
      setSaveError(null);
      setLoaded(true);
      window.requestAnimationFrame(() => {
        void flowRef.current.fitView();
        if (live) setOpenedMs(performance.now() - started);
      });
    };
    open().catch(
      (err: unknown) => live && setLoadError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [mode, name, version, reloadKey]);

  useEffect(() => {
    listActivities().then(setActivities, () => setActivities([]));
    listGroups().then(
      (gs) => setGroups(gs.map((g) => g.name)),
      () => setGroups([]),
    );
  }, []);

  // Validate on every change, debounced; a late answer for an older revision is dropped.
  useEffect(() => {
    if (!loaded) return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      const at = useDesigner.getState().revision;
      validateNet(useDesigner.getState().toNet(), controller.signal)
        .then((result) => {
          if (useDesigner.getState().revision === at)
            useDesigner.getState().setProblems(result.errors, result.warnings);
        })
        .catch(() => undefined);
    }, VALIDATE_DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [revision, loaded]);

  const saveNow = useCallback(async (): Promise<boolean> => {
    const s = useDesigner.getState();
    if (s.readOnly) return false;
    const at = s.revision;
    const net = s.toNet();
    const refused =
      nameProblem ??
      (mode === "new" && !net.name
        ? "give the workflow a name first (in the properties on the right, with nothing selected)"
        : null);
    if (refused) {
      setSaveError(refused);
      s.select(null);
      s.setMessage(`Not saved: ${refused}.`);
      return false;
    }
    setSaving(true);
    try {
      if (mode === "new") {
        const created = await createDefinition(net);
        setSavedRevision(at);
        setSaving(false);
        void navigate(`/designer/${encodeURIComponent(created.name)}/`, { replace: true });
        return true;
      }
      const def = await saveDraft(name, net);
      setDefinition(def);
      setSavedRevision(at);
      setSaveError(null);
      setSaving(false);
      return true;
    } catch (err) {
      // the whole refusal goes to the message bar (the toolbar only says "not saved")
      setSaveError(refusalText(err));
      useDesigner.getState().setMessage(`Not saved: ${refusalText(err)}`);
      setSaving(false);
      return false;
    }
  }, [mode, name, navigate, nameProblem]);

  // Auto-save the draft of a saved definition.
  useEffect(() => {
    if (!loaded || mode !== "draft" || revision === savedRevision || saving) return;
    const timer = window.setTimeout(() => void saveNow(), AUTOSAVE_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [revision, savedRevision, saving, loaded, mode, saveNow]);

  const publish = async () => {
    if (useDesigner.getState().errors.length) {
      useDesigner.getState().setMessage("publishing is refused while errors remain");
      return;
    }
    if (revision !== savedRevision && !(await saveNow())) return;
    try {
      const published = await publishDefinition(name, publishComment);
      setPublishing(false);
      setPublishComment("");
      setDefinition(await getDefinition(name));
      useDesigner.getState().setMessage(`published version ${published.version}`);
    } catch (err) {
      const problems = refusalProblems(err);
      useDesigner
        .getState()
        .setMessage(`not published: ${err instanceof Error ? err.message : String(err)}`);
      if (problems.length)
        useDesigner.getState().setProblems(problems, useDesigner.getState().warnings);
    }
  };

  const refreshCase = useCallback(async (id: number) => {
    try {
      setTestCase(await getCase(id));
    } catch (err) {
      setTestError((err as Error).message);
    }
  }, []);

  const startTest = async () => {
    setTestError(null);
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(testData || "{}") as Record<string, unknown>;
    } catch (err) {
      setTestError(`the data is not JSON: ${(err as Error).message}`);
      return;
    }
    try {
      setTestCase(await startCase(name, data));
    } catch (err) {
      setTestError((err as Error).message);
    }
  };

  // Follow a running test case.
  useEffect(() => {
    if (!testCase || !testOpen || !["running", "suspended"].includes(testCase.state)) return;
    const timer = window.setTimeout(() => void refreshCase(testCase.id), 1000);
    return () => window.clearTimeout(timer);
  }, [testCase, testOpen, refreshCase]);

  const onImport = async (file: File) => {
    try {
      const doc = JSON.parse(await file.text()) as NetDoc;
      const def = await importDefinition(doc);
      useDesigner.getState().setMessage(`imported ${def.name}`);
      if (def.name === name) setReloadKey((k) => k + 1);
      else void navigate(`/designer/${encodeURIComponent(def.name)}/`);
    } catch (err) {
      useDesigner.getState().setMessage(`import refused: ${refusalText(err)}`);
    }
  };

  const saveLabel =
    mode === "version"
      ? { kind: "readonly", text: "" }
      : saving
        ? { kind: "saving", text: "saving…" }
        : revision === savedRevision
          ? {
              kind: mode === "new" ? "new" : "saved",
              text: mode === "new" ? "not saved yet" : "saved",
            }
          : saveError
            ? { kind: "failed", text: "not saved" }
            : { kind: "dirty", text: mode === "new" ? "not saved yet" : "unsaved changes" };

  if (loadError)
    return (
      <p role="alert">
        Could not open {name}: {loadError}
      </p>
    );
  const versions = definition?.versions ?? [];
  const latest = versions.length ? Math.max(...versions.map((v) => v.version)) : null;
  const overlay =
    testOpen && testCase
      ? { marking: testCase.marking, tasks: testCase.tasks as Record<string, { state: string }> }
      : null;

  return (
    <div
      className="designer-editor"
      data-testid="designer-editor"
      data-nodes={nodeCount}
      data-unplaced={unplacedCount}
      data-opened-ms={openedMs ?? undefined}
    >
      <div className="toolbar" role="toolbar">
        <Link to="/designer/">← Workflows</Link>
        <strong className="def-name" data-testid="def-name">
          {name || (typeof netName === "string" && netName) || "new workflow"}
        </strong>
        {mode === "version" && (
          <span className="badge" data-testid="readonly-badge">
            version {version}, read-only
          </span>
        )}
        <span
          className={`save-state save-${saveLabel.kind}`}
          data-testid="save-state"
          data-revision={revision}
          data-saved-revision={savedRevision}
          data-last-changes={revisionLog.slice(-5).join(" | ")}
          title={saveError ?? undefined}
        >
          {saveLabel.text}
        </span>
        <span className="spacer" />
        <FindElement />
        {mode !== "version" && (
          <>
            <button
              type="button"
              onClick={() => useDesigner.getState().undo()}
              disabled={!canUndo}
              title="Undo (Ctrl+Z)"
              aria-label="Undo"
              data-testid="undo"
            >
              ↶
            </button>
            <button
              type="button"
              onClick={() => useDesigner.getState().redo()}
              disabled={!canRedo}
              title="Redo (Ctrl+Shift+Z)"
              aria-label="Redo"
              data-testid="redo"
            >
              ↷
            </button>
            <button
              type="button"
              onClick={() => useDesigner.getState().deleteSelection()}
              disabled={!hasSelection}
              title="Delete the selection (Delete)"
              data-testid="delete"
            >
              Delete
            </button>
            <button
              type="button"
              onClick={() => void layout()}
              title="Auto-layout (L)"
              data-testid="layout"
            >
              Layout
            </button>
            <button type="button" onClick={() => void saveNow()} data-testid="save">
              Save
            </button>
            <button
              type="button"
              className="primary"
              onClick={() => setPublishing((p) => !p)}
              aria-expanded={publishing}
              disabled={mode === "new" || errors.length > 0}
              title={errors.length ? "fix the errors first" : "publish the draft as a new version"}
              data-testid="publish"
            >
              Publish
            </button>
          </>
        )}
        {mode !== "new" && (
          <select
            aria-label="version"
            data-testid="versions"
            value={mode === "version" ? String(version) : "draft"}
            onChange={(e) =>
              navigate(
                e.target.value === "draft"
                  ? `/designer/${encodeURIComponent(name)}/`
                  : `/designer/${encodeURIComponent(name)}/versions/${e.target.value}/`,
              )
            }
          >
            <option value="draft">draft</option>
            {[...versions]
              .sort((a, b) => b.version - a.version)
              .map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version} · {formatDateTime(v.published_at)}
                </option>
              ))}
          </select>
        )}
        {mode !== "new" && (
          <button
            type="button"
            onClick={() => setTestOpen((o) => !o)}
            disabled={latest === null}
            title={latest === null ? "publish first" : `start a case of v${latest}`}
            data-testid="test-toggle"
          >
            Test run
          </button>
        )}
        <details className="more-menu" data-testid="more">
          <summary>More</summary>
          <div className="more-items">
            <button
              type="button"
              onClick={() => downloadJson(useDesigner.getState().toNet())}
              data-testid="export"
            >
              Export JSON
            </button>
            {mode !== "version" && (
              <button type="button" onClick={() => fileInput.current?.click()} data-testid="import">
                Import JSON
              </button>
            )}
          </div>
        </details>
        <input
          ref={fileInput}
          type="file"
          accept="application/json,.json"
          hidden
          data-testid="import-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void onImport(f);
            e.target.value = "";
          }}
        />
      </div>
      {publishing && mode === "draft" && (
        <form
          className="publish-form"
          aria-label="Publish"
          data-testid="publish-form"
          onSubmit={(e) => {
            e.preventDefault();
            void publish();
          }}
        >
          <label htmlFor="publish-comment">
            What changed in version {(latest ?? 0) + 1}? (kept with the version, shown in the
            version list)
          </label>
          <input
            id="publish-comment"
            data-testid="publish-comment"
            value={publishComment}
            maxLength={2000}
            autoFocus
            onChange={(e) => setPublishComment(e.target.value)}
          />
          <button type="submit" className="primary" data-testid="publish-confirm">
            Publish version {(latest ?? 0) + 1}
          </button>
          <button type="button" onClick={() => setPublishing(false)}>
            Cancel
          </button>
        </form>
      )}
      {message && (
        <div className="designer-message" role="status" data-testid="message">
          {message}{" "}
          <button
            type="button"
            className="link"
            onClick={() => useDesigner.getState().setMessage(null)}
          >
            dismiss
          </button>
        </div>
      )}
      <div className="designer-body">
        <Palette />
        <div className="canvas-column">
          <EditorCanvas overlay={overlay} />
          <ProblemsList />
        </div>
        <div className="side-column">
          {testOpen && latest !== null && (
            <section className="test-run" data-testid="test-run">
              <h3>Test case of v{latest}</h3>
              <label htmlFor="test-data">case data (JSON)</label>
              <textarea
                id="test-data"
                className="mono"
                rows={3}
                data-testid="test-data"
                value={testData}
                onChange={(e) => setTestData(e.target.value)}
              />
              <button
                type="button"
                className="primary"
                onClick={() => void startTest()}
                data-testid="test-start"
              >
                Start test case
              </button>
              {testError && <p role="alert">{testError}</p>}
              {testCase && (
                <div className="test-case" data-testid="test-case">
                  <p>
                    case #{testCase.id} (v{testCase.version}):{" "}
                    <b data-testid="test-case-state">{testCase.state}</b>{" "}
                    <button
                      type="button"
                      className="link"
                      onClick={() => void refreshCase(testCase.id)}
                      data-testid="test-refresh"
                    >
                      refresh
                    </button>
                  </p>
                  <ul>
                    {Object.entries(testCase.tasks).map(([tid, t]) => (
                      <li key={tid} data-testid={`test-task-${tid}`}>
                        {tid}: {t.state}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
            </section>
          )}
          <PropertiesPanel
            activities={activities}
            groups={groups}
            versions={versions}
            definitionName={name}
            nameProblem={nameProblem}
          />
        </div>
      </div>
    </div>
  );
}
