import { useCallback, useEffect, useEffectEvent, useMemo, useState } from "react";
import { useNavigate } from "react-router-dom";

import { api, unwrap, type WorkItem } from "../../api/client";
import { useAuth } from "../../shell/auth";
import { ItemDetail } from "./ItemDetail";
import { Time } from "../../components/Time";
import {
  deleteFilter,
  filterOptions,
  inTab,
  laterCount,
  loadSavedFilters,
  noFilters,
  onHold,
  saveFilter,
  tabCounts,
  visibleItems,
  type Filters,
  type SavedFilter,
  type SortKey,
  type Tab,
} from "./model";
import { StartCase } from "./StartCase";
import { useInbox } from "./useInbox";

const fetchDone = async () => {
  const page = await unwrap(
    api.GET("/api/work-items/", { params: { query: { state: "completed", mine: true } } }),
  ).catch(() => null);
  return page?.results ?? [];
};

/** The operator's inbox: live lists of their work, the selected item's case and form. */
export function InboxPage() {
  const { me, refresh } = useAuth();
  const navigate = useNavigate();
  const username = me?.username ?? "";
  const onUnauthenticated = useCallback(() => {
    void refresh().then((who) => who || navigate("/login/?next=/inbox/"));
  }, [refresh, navigate]);
  const { items, status, arrived, lastRemoved, omitted, resync } = useInbox(onUnauthenticated);

  const [tab, setTab] = useState<Tab>("available");
  const [filters, setFilters] = useState<Filters>(noFilters);
  const [sort, setSort] = useState<SortKey>("priority");
  const [selected, setSelected] = useState<string | null>(null);
  const [done, setDone] = useState<WorkItem[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const [saved, setSaved] = useState<{ user: string; list: SavedFilter[] } | null>(null);
  // the user's saved filters, read once they are known (adjusted while rendering)
  if (username && saved?.user !== username)
    setSaved({ user: username, list: loadSavedFilters(window.localStorage, username) });
  const savedList = saved?.user === username ? saved.list : [];

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);

  // state is set when the answer is in, never synchronously in an effect
  const loadDone = useCallback(() => fetchDone().then(setDone), []);
  useEffect(() => {
    if (tab === "done") void loadDone();
  }, [tab, loadDone]);

  // An item that leaves: say why if it was the one open (adjusted while rendering)...
  const [seenRemoved, setSeenRemoved] = useState(lastRemoved);
  if (seenRemoved !== lastRemoved) {
    setSeenRemoved(lastRemoved);
    if (lastRemoved && lastRemoved.id === selected) {
      setSelected(null);
      if (
        lastRemoved.assignee &&
        lastRemoved.assignee !== username &&
        lastRemoved.state !== "completed"
      ) {
        setNotice(
          `${lastRemoved.task_label} (case #${lastRemoved.case}) was taken by ${lastRemoved.assignee}.`,
        );
      }
    }
  }
  // ... and keep "Done" current.
  const onRemoved = useEffectEvent((lastRemoved: WorkItem) => {
    if (lastRemoved.state === "completed" && lastRemoved.assignee === username) void loadDone();
  });
  useEffect(() => {
    if (lastRemoved) onRemoved(lastRemoved);
  }, [lastRemoved]);

  const counts = tabCounts(items, username);
  useEffect(() => {
    document.title =
      counts.mine + counts.available ? `(${counts.mine + counts.available}) Inbox` : "Inbox";
  }, [counts.mine, counts.available]);

  const source = tab === "done" ? done : [...items.values()].filter((i) => inTab(i, tab, username));
  const options = useMemo(() => filterOptions([...items.values(), ...done]), [items, done]);
  const shown = tab === "done" ? source : visibleItems(source, filters, sort, now);
  // items filed under "later" that this view hides (offered with a button to show them)
  const hiddenLater =
    tab !== "done" && filters.followUp === "due"
      ? laterCount(visibleItems(source, { ...filters, followUp: "later" }, sort, now), now)
      : 0;
  const current = selected
    ? (items.get(selected) ?? done.find((d) => d.id === selected) ?? null)
    : null;

  return (
    <div className="inbox">
      <div className="inbox-bar">
        <h1>
          Inbox{" "}
          <span className="badge" data-testid="inbox-count">
            {counts.mine + counts.available}
          </span>
        </h1>
        <span
          className={`status status-${status}`}
          data-testid="socket-status"
          title="live updates"
        >
          {status === "live" ? "● live" : status}
        </span>
        <span className="spacer" />
        <button type="button" onClick={() => setStarting((s) => !s)}>
          Start a case
        </button>
      </div>

      {omitted > 0 && (
        <p className="notice" data-testid="omitted">
          Showing the {items.size} most urgent work items; {omitted} more are waiting.
        </p>
      )}
      {notice && (
        <p className="notice" role="status" data-testid="notice">
          {notice}{" "}
          <button type="button" onClick={() => setNotice(null)}>
            OK
          </button>
        </p>
      )}
      {starting && (
        <StartCase
          onClose={() => setStarting(false)}
          onStarted={(text) => {
            setNotice(text);
            setStarting(false);
          }}
        />
      )}

      <div className="tabs" role="tablist">
        {(["mine", "available", "done"] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={tab === t ? "active" : ""}
            data-testid={`tab-${t}`}
            onClick={() => setTab(t)}
          >
            {t === "mine" ? "Mine" : t === "available" ? "Available" : "Done"}
            {t !== "done" && <span className="badge">{counts[t]}</span>}
          </button>
        ))}
      </div>

      {tab !== "done" && (
        <div className="filters" role="search">
          <input
            type="search"
            aria-label="Search work items"
            placeholder="Search: task, workflow, #case, data…"
            value={filters.text}
            onChange={(e) => setFilters({ ...filters, text: e.target.value })}
            data-testid="inbox-search"
          />
          <select
            aria-label="Workflow"
            value={filters.workflow}
            onChange={(e) => setFilters({ ...filters, workflow: e.target.value })}
          >
            <option value="">All workflows</option>
            {options.workflows.map((w) => (
              <option key={w}>{w}</option>
            ))}
          </select>
          <select
            aria-label="Task"
            value={filters.task}
            onChange={(e) => setFilters({ ...filters, task: e.target.value })}
          >
            <option value="">All tasks</option>
            {options.tasks.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
          <select
            aria-label="Priority"
            value={filters.minPriority ?? ""}
            onChange={(e) =>
              setFilters({
                ...filters,
                minPriority: e.target.value === "" ? null : Number(e.target.value),
              })
            }
          >
            <option value="">Any priority</option>
            {[1, 2, 3].map((p) => (
              <option key={p} value={p}>
                priority ≥ {p}
              </option>
            ))}
          </select>
          <select
            aria-label="Due"
            value={filters.due}
            onChange={(e) => setFilters({ ...filters, due: e.target.value as Filters["due"] })}
          >
            <option value="any">Any due date</option>
            <option value="overdue">Overdue</option>
            <option value="today">Due within 24 h</option>
            <option value="none">No due date</option>
          </select>
          <select
            aria-label="Follow-up"
            data-testid="follow-up-view"
            value={filters.followUp}
            onChange={(e) =>
              setFilters({ ...filters, followUp: e.target.value as Filters["followUp"] })
            }
          >
            <option value="due">Follow-up due</option>
            <option value="later">Later (follow-up ahead)</option>
            <option value="all">Any follow-up</option>
          </select>
          <select
            aria-label="Age"
            value={filters.olderThanHours ?? ""}
            onChange={(e) =>
              setFilters({
                ...filters,
                olderThanHours: e.target.value === "" ? null : Number(e.target.value),
              })
            }
          >
            <option value="">Any age</option>
            <option value="1">Older than 1 h</option>
            <option value="24">Older than 1 day</option>
            <option value="168">Older than 1 week</option>
          </select>
          <label>
            Sort{" "}
            <select
              aria-label="Sort"
              value={sort}
              onChange={(e) => setSort(e.target.value as SortKey)}
            >
              <option value="priority">Priority</option>
              <option value="due">Due date</option>
              <option value="followUp">Follow-up date</option>
              <option value="oldest">Oldest first</option>
              <option value="newest">Newest first</option>
            </select>
          </label>
          <select
            aria-label="Saved filters"
            data-testid="saved-filters"
            value=""
            onChange={(e) => {
              const chosen = savedList.find((f) => f.name === e.target.value);
              if (chosen) {
                setFilters(chosen.filters);
                setSort(chosen.sort);
              }
            }}
          >
            <option value="">Saved filters…</option>
            {savedList.map((f) => (
              <option key={f.name} value={f.name}>
                {f.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            onClick={() => {
              const name = window.prompt("Save these filters as:")?.trim();
              if (name)
                setSaved({
                  user: username,
                  list: saveFilter(window.localStorage, username, { name, filters, sort }),
                });
            }}
          >
            Save filter…
          </button>
          {savedList.length > 0 && (
            <button
              type="button"
              onClick={() => {
                const name = window.prompt(
                  `Delete which saved filter? (${savedList.map((f) => f.name).join(", ")})`,
                );
                if (name)
                  setSaved({
                    user: username,
                    list: deleteFilter(window.localStorage, username, name),
                  });
              }}
            >
              Delete a filter…
            </button>
          )}
          {(filters !== noFilters || sort !== "priority") && (
            <button
              type="button"
              onClick={() => {
                setFilters(noFilters);
                setSort("priority");
              }}
            >
              Clear
            </button>
          )}
        </div>
      )}

      <div className="inbox-main">
        <ul className="items" data-testid="item-list">
          {shown.length === 0 && <li className="empty muted">Nothing here.</li>}
          {hiddenLater > 0 && (
            <li className="later-hint muted" data-testid="later-hint">
              {hiddenLater === 1 ? "1 item is" : `${hiddenLater} items are`} filed under later
              (follow-up date ahead).{" "}
              <button type="button" onClick={() => setFilters({ ...filters, followUp: "later" })}>
                Show later
              </button>
            </li>
          )}
          {shown.map((item) => (
            <li
              key={item.id}
              data-testid="work-item"
              data-item-id={item.id}
              data-case={item.case}
              data-on-hold={onHold(item) ? "true" : undefined}
              className={[
                item.id === selected ? "selected" : "",
                arrived.has(item.id) ? "arrived" : "",
                onHold(item) ? "on-hold-item" : "",
              ].join(" ")}
            >
              <button
                type="button"
                onClick={() => {
                  setSelected(item.id);
                  setNotice(null);
                }}
              >
                <span className="title">
                  {item.task_label}
                  {onHold(item) && (
                    <span className="hold-badge" title="The case is suspended">
                      on hold
                    </span>
                  )}
                </span>
                <span className="meta">
                  {item.definition} · #{item.case}
                  {item.priority > 1 && <span className="prio"> · P{item.priority}</span>}
                  {item.due_at && tab !== "done" && (
                    <span
                      className={Date.parse(item.due_at) < now ? "overdue" : "due"}
                      data-testid="due"
                    >
                      {" "}
                      · due <Time iso={item.due_at} relative now={now} />
                    </span>
                  )}
                  {item.follow_up && tab !== "done" && (
                    <span className="follow-up" data-testid="follow-up">
                      {" "}
                      · follow up <Time iso={item.follow_up} relative now={now} />
                    </span>
                  )}
                </span>
                <span className="age">
                  <Time
                    iso={tab === "done" ? item.updated_at : item.created_at}
                    relative
                    now={now}
                  />
                </span>
              </button>
            </li>
          ))}
        </ul>
        <div className="detail-pane">
          {current && tab !== "done" ? (
            <ItemDetail
              key={current.id}
              item={current}
              username={username}
              now={now}
              onDone={(text) => {
                setNotice(text);
                setSelected(null);
              }}
              onUnsure={resync}
            />
          ) : current ? (
            <article className="detail">
              <h2>{current.task_label}</h2>
              <p className="muted">
                case #{current.case} · completed <Time iso={current.updated_at} relative />
              </p>
              <pre>{JSON.stringify(current.output, null, 2)}</pre>
            </article>
          ) : (
            <p className="muted">Select a work item.</p>
          )}
        </div>
      </div>
    </div>
  );
}
