import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { CaseActions, ItemActions, NO_ACTIONS } from "./CaseActions";
import type { AllowedActions, CasePage, CaseWorkItem } from "./types";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

function stubFetch(...answers: Response[]) {
  const calls: Array<{ method: string; url: string; body: unknown }> = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const text = await request.text();
      calls.push({
        method: request.method,
        url: new URL(request.url).pathname,
        body: text ? JSON.parse(text) : undefined,
      });
      return answers.shift() ?? json(200, {});
    }),
  );
  return calls;
}

const casePage = (state: string, actions: Partial<AllowedActions> = {}): CasePage => ({
  id: 7,
  definition: "doubling",
  version: 1,
  state,
  incident: false,
  reason: "",
  started_by: "admin",
  created_at: "",
  updated_at: "",
  ended_at: null,
  data: { amount: 1 },
  marking: {},
  tasks: {},
  net: { tasks: [] },
  work_items: [],
  parent: null,
  children: [],
  history: [],
  history_truncated: false,
  business_key: null,
  actions: { ...NO_ACTIONS, ...actions },
});

// what the server allows in each state (dashboard.selectors.allowed_actions)
const RUNNING: Partial<AllowedActions> = { cancel: true, suspend: true, edit_data: true };
const SUSPENDED: Partial<AllowedActions> = { cancel: true, resume: true, edit_data: true };

const failedItem: CaseWorkItem = {
  id: "0c9b1a52-6f0e-4d4e-9a43-1f2e3d4c5b6a",
  task: "compute",
  generation: 1,
  kind: "automatic",
  state: "failed",
  input: { amount: "lots" },
  output: null,
  assignee: null,
  role: null,
  offered_user: null,
  completed_by: null,
  attempt: 1,
  iteration: 1,
  error: { type: "ActivityInputError", message: "bad" },
  priority: 0,
  due_at: null,
  created_at: "",
  updated_at: "",
};

const BOTH = { retry: [failedItem.id], skip: [failedItem.id] };

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("case actions", () => {
  it("offers what the server allows", () => {
    stubFetch();
    render(<CaseActions page={casePage("suspended", SUSPENDED)} onDone={() => {}} />);
    expect(screen.getByRole("button", { name: "Resume" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Suspend" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Send signal" })).toBeNull();
    cleanup();
    render(
      <CaseActions
        page={casePage("running", { ...RUNNING, signals: ["paid"], add_work_item: ["review"] })}
        onDone={() => {}}
      />,
    );
    expect(screen.getByRole("button", { name: "Suspend" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Send signal" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Add work item" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Resume" })).toBeNull();
    cleanup();
    render(<CaseActions page={casePage("completed")} onDone={() => {}} />);
    expect(screen.getByText("No actions: the case is completed.")).toBeTruthy();
  });

  it("runs nothing before the confirmation, and shows a refusal", async () => {
    const calls = stubFetch(
      json(409, { code: "not_allowed", detail: "the case is not running", errors: [] }),
    );
    const onDone = vi.fn();
    render(<CaseActions page={casePage("running", RUNNING)} onDone={onDone} />);
    fireEvent.click(screen.getByRole("button", { name: "Suspend" }));
    expect(screen.getByRole("dialog").textContent).toContain("Suspend case #7?");
    expect(calls).toHaveLength(0);
    fireEvent.click(screen.getByRole("button", { name: "Confirm suspend" }));
    await waitFor(() =>
      expect(screen.getByTestId("action-error").textContent).toBe(
        "the case is not running (not_allowed)",
      ),
    );
    expect(calls).toEqual([{ method: "POST", url: "/api/cases/7/suspend/", body: undefined }]);
    expect(onDone).not.toHaveBeenCalled();
  });

  it("sends the cancel reason, then reports it done", async () => {
    const calls = stubFetch(json(200, {}));
    const onDone = vi.fn();
    render(<CaseActions page={casePage("running", RUNNING)} onDone={onDone} />);
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    fireEvent.change(screen.getByRole("textbox"), { target: { value: "duplicate" } });
    fireEvent.click(screen.getByRole("button", { name: "Confirm cancel" }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(calls[0]).toEqual({
      method: "POST",
      url: "/api/cases/7/cancel/",
      body: { reason: "duplicate" },
    });
    expect(screen.getByTestId("action-notice").textContent).toBe("Cancel: done");
  });
});

describe("complete a multi-instance task (WCP-27)", () => {
  it("says how many instances are withdrawn, for the task chosen, and sends it", async () => {
    const calls = stubFetch(json(200, {}));
    const onDone = vi.fn();
    const page = casePage("running", {
      ...RUNNING,
      complete_task: [
        { task: "review", completed: 1, withdraw: 2 },
        { task: "check", completed: 0, withdraw: 1 },
      ],
    });
    render(<CaseActions page={page} onDone={onDone} />);
    fireEvent.click(screen.getByRole("button", { name: "Complete task" }));
    expect(calls).toHaveLength(0);
    expect(screen.getByTestId("complete-task-effect").textContent).toBe(
      "2 open instances are withdrawn; review ends completed, its output taken from the 1 completed instance, and the case moves on.",
    );
    fireEvent.change(screen.getByRole("combobox"), { target: { value: "check" } });
    expect(screen.getByTestId("complete-task-effect").textContent).toContain(
      "1 open instance is withdrawn; check ends completed",
    );
    fireEvent.click(screen.getByRole("button", { name: "Confirm complete task" }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(calls[0]).toEqual({
      method: "POST",
      url: "/api/cases/7/tasks/check/complete/",
      body: undefined,
    });
  });

  it("is not offered when the server allows it for no task", () => {
    stubFetch();
    render(<CaseActions page={casePage("running", RUNNING)} onDone={() => {}} />);
    expect(screen.queryByRole("button", { name: "Complete task" })).toBeNull();
  });
});

describe("work item actions", () => {
  it("retries with the edited input, and refuses text that is not a JSON object", async () => {
    const calls = stubFetch(json(200, {}));
    const onDone = vi.fn();
    render(<ItemActions item={failedItem} allowed={BOTH} onDone={onDone} />);
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    const input = screen.getByRole("textbox");
    expect((input as HTMLTextAreaElement).value).toContain('"amount": "lots"');
    fireEvent.change(input, { target: { value: "[1, 2]" } });
    fireEvent.click(screen.getByRole("button", { name: "Confirm retry" }));
    expect(screen.getByTestId("action-error").textContent).toBe(
      "Input: must be a JSON object ({…})",
    );
    expect(calls).toHaveLength(0);
    fireEvent.change(input, { target: { value: '{"amount": 21}' } });
    fireEvent.click(screen.getByRole("button", { name: "Confirm retry" }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(calls[0]).toEqual({
      method: "POST",
      url: `/api/work-items/${failedItem.id}/retry/`,
      body: { input: { amount: 21 } },
    });
  });

  it("retries with the same input when it is left as it was", async () => {
    const calls = stubFetch(json(200, {}));
    render(<ItemActions item={failedItem} allowed={BOTH} onDone={() => {}} />);
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    fireEvent.click(screen.getByRole("button", { name: "Confirm retry" }));
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0].body).toEqual({});
  });

  it("offers only what the server allows for this item", () => {
    stubFetch();
    const { container } = render(
      <ItemActions item={failedItem} allowed={{ retry: [], skip: [] }} onDone={() => {}} />,
    );
    expect(container.textContent).toBe("");
    cleanup();
    render(
      <ItemActions
        item={failedItem}
        allowed={{ retry: [], skip: [failedItem.id] }}
        onDone={() => {}}
      />,
    );
    expect(screen.getByRole("button", { name: "Skip" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Retry" })).toBeNull();
  });
});
