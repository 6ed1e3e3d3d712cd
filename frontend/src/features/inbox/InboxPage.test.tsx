import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { RJSFSchema } from "@rjsf/utils";

import type { WorkItem } from "../../api/client";
import { routes } from "../../App";
import { AuthProvider } from "../../shell/auth";

class FakeWebSocket {
  static last: FakeWebSocket | null = null;
  onopen: ((ev: Event) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  constructor(public url: string) {
    FakeWebSocket.last = this;
  }
  /** what the page sent the server */
  sent: unknown[] = [];
  close() {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  /** the server sends the page a message */
  serve(message: object) {
    act(() => {
      this.onmessage?.({ data: JSON.stringify(message) } as MessageEvent);
    });
  }
}

// The schema types a task's form loosely (an object without known keys); it is a JSON Schema.
const taskForm = (schema: RJSFSchema): WorkItem["form"] => schema as WorkItem["form"];

function item(id: string, extra: Partial<WorkItem> = {}): WorkItem {
  return {
    id,
    case: Number(id.replace(/\D/g, "")) || 1,
    task: "review",
    generation: 1,
    kind: "manual",
    state: "initialized",
    input: {},
    output: null,
    assignee: null,
    role: "clerks",
    attempt: 1,
    error: null,
    created_at: new Date(Date.now() - 3600_000).toISOString(),
    updated_at: new Date().toISOString(),
    offered_user: null,
    priority: 1,
    due_at: null,
    follow_up: null,
    iteration: 1,
    definition: "invoice-approval",
    task_label: "Review invoice",
    task_description: "",
    case_state: "running",
    form: taskForm({
      type: "object",
      properties: { approved: { type: "boolean", title: "Approve" } },
    }),
    ...extra,
  };
}

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

beforeEach(() => {
  FakeWebSocket.last = null;
  vi.stubGlobal("WebSocket", FakeWebSocket);
  vi.stubGlobal(
    "fetch",
    vi.fn((request: Request) => {
      const url = new URL(request.url);
      if (url.pathname === "/api/me/")
        return Promise.resolve(
          json({ id: 2, username: "alice", groups: ["clerks"], is_staff: false }),
        );
      if (url.pathname.startsWith("/api/cases/"))
        return Promise.resolve(json({ id: 1, state: "running", data: { vendor: "ACME" } }));
      if (url.pathname === "/api/work-items/")
        return Promise.resolve(json({ count: 0, next: null, previous: null, results: [] }));
      return Promise.resolve(json({}, 404));
    }),
  );
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

async function openInbox() {
  render(
    <AuthProvider>
      <RouterProvider router={createMemoryRouter(routes, { initialEntries: ["/inbox/"] })} />
    </AuthProvider>,
  );
  await screen.findByRole("heading", { name: /Inbox/ });
  // The page opens its socket in an effect, which can run after the heading is on screen: wait
  // for this page's socket (not a previous test's) before sending it anything.
  const socket = await vi.waitFor(() => {
    if (!FakeWebSocket.last) throw new Error("the inbox has not opened its socket yet");
    return FakeWebSocket.last;
  });
  expect(socket.url).toMatch(/\/ws\/inbox\/$/);
  act(() => socket.onopen?.(new Event("open")));
  await screen.findByText("● live");
  return socket;
}

const listed = () =>
  screen.queryAllByTestId("work-item").map((li) => li.getAttribute("data-item-id"));

describe("the inbox page", () => {
  it("shows the snapshot, then items offered and removed live, with counts", async () => {
    const socket = await openInbox();
    expect(screen.getByTestId("socket-status").textContent).toBe("● live");
    socket.serve({ type: "snapshot", work_items: [item("w1"), item("w2", { assignee: "alice" })] });
    expect(listed()).toEqual(["w1"]); // "Available" is the first tab
    expect(screen.getByTestId("inbox-count").textContent).toBe("2");

    socket.serve({ type: "work_item", event: "offered", work_item: item("w3", { priority: 3 }) });
    expect(listed()).toEqual(["w3", "w1"]); // highest priority first
    socket.serve({
      type: "work_item",
      event: "removed",
      work_item: item("w1", { assignee: "bob" }),
    });
    expect(listed()).toEqual(["w3"]);

    fireEvent.click(screen.getByTestId("tab-mine"));
    expect(listed()).toEqual(["w2"]);
    expect(within(screen.getByTestId("tab-mine")).getByText("1")).toBeTruthy();
  });

  it("closes the open item and says who took it when a colleague claims it", async () => {
    const socket = await openInbox();
    socket.serve({ type: "snapshot", work_items: [item("w1")] });
    fireEvent.click(within(screen.getByTestId("work-item")).getByRole("button"));
    expect(await screen.findByTestId("item-detail")).toBeTruthy();
    expect(await screen.findByText("ACME")).toBeTruthy(); // the case data
    socket.serve({
      type: "work_item",
      event: "removed",
      work_item: item("w1", { assignee: "bob" }),
    });
    expect(screen.queryByTestId("item-detail")).toBeNull();
    expect(screen.getByTestId("notice").textContent).toContain("was taken by bob");
  });

  it("asks for a fresh snapshot when an action got no answer, not when it was refused", async () => {
    const fetchOk = fetch as unknown as (request: Request) => Promise<Response>;
    let claim: () => Promise<Response> = () => Promise.reject(new TypeError("Failed to fetch"));
    vi.stubGlobal(
      "fetch",
      vi.fn((request: Request) =>
        new URL(request.url).pathname.endsWith("/claim/") ? claim() : fetchOk(request),
      ),
    );
    const socket = await openInbox();
    socket.serve({ type: "snapshot", work_items: [item("w1")] });
    fireEvent.click(within(screen.getByTestId("work-item")).getByRole("button"));
    fireEvent.click(await screen.findByRole("button", { name: "Claim" }));
    // the server may have claimed it and its push been lost: the socket asks for the state now
    await vi.waitFor(() => expect(socket.sent).toEqual([{ type: "snapshot" }]));

    claim = () => Promise.resolve(json({ code: "conflict", detail: "already claimed" }, 409));
    fireEvent.click(await screen.findByRole("button", { name: "Claim" }));
    await screen.findByText(/already claimed/);
    expect(socket.sent).toEqual([{ type: "snapshot" }]); // a refusal changed nothing: no new request
  });

  it("delegates a claimed item to the user named", async () => {
    const socket = await openInbox();
    socket.serve({ type: "snapshot", work_items: [item("w1", { assignee: "alice" })] });
    fireEvent.click(screen.getByTestId("tab-mine"));
    fireEvent.click(within(screen.getByTestId("work-item")).getByRole("button"));
    vi.stubGlobal("prompt", () => "carol");
    fireEvent.click(await screen.findByRole("button", { name: "Delegate…" }));
    const calls = () =>
      (fetch as unknown as { mock: { calls: Request[][] } }).mock.calls.map(([r]) => r);
    await vi.waitFor(() =>
      expect(calls().some((r) => r.url.endsWith("/api/work-items/w1/delegate/"))).toBe(true),
    );
    const request = calls().find((r) => r.url.endsWith("/delegate/"))!;
    expect(request.method).toBe("POST");
    expect(await request.clone().json()).toEqual({ user: "carol" });
  });

  it("filters by workflow", async () => {
    const socket = await openInbox();
    socket.serve({
      type: "snapshot",
      work_items: [item("w1"), item("w2", { definition: "order-fulfilment", task_label: "Pack" })],
    });
    fireEvent.change(screen.getByLabelText("Workflow"), { target: { value: "order-fulfilment" } });
    expect(listed()).toEqual(["w2"]);
  });

  it("files items with a follow-up date ahead under later, and moves them live", async () => {
    const ahead = new Date(Date.now() + 2 * 24 * 3600_000 + 60_000).toISOString();
    const socket = await openInbox();
    socket.serve({
      type: "snapshot",
      work_items: [
        item("w1", { assignee: "alice" }),
        item("w2", { assignee: "alice", follow_up: ahead }),
      ],
    });
    fireEvent.click(screen.getByTestId("tab-mine"));
    expect(listed()).toEqual(["w1"]);
    expect(screen.getByTestId("later-hint").textContent).toContain("1 item is filed under later");
    fireEvent.click(screen.getByRole("button", { name: "Show later" }));
    expect(listed()).toEqual(["w2"]);
    expect(within(screen.getByTestId("work-item")).getByTestId("follow-up").textContent).toMatch(
      /follow up in 2 days/,
    );
    // cleared elsewhere: the push moves it back to the default view
    socket.serve({
      type: "work_item",
      event: "updated",
      work_item: item("w2", { assignee: "alice", follow_up: null }),
    });
    expect(listed()).toEqual([]);
    fireEvent.change(screen.getByLabelText("Follow-up"), { target: { value: "due" } });
    expect(listed()).toEqual(["w1", "w2"]);
    expect(screen.queryByTestId("later-hint")).toBeNull();
  });

  it("sets a follow-up date typed in the item, and refuses half a date", async () => {
    const socket = await openInbox();
    socket.serve({ type: "snapshot", work_items: [item("w1", { assignee: "alice" })] });
    fireEvent.click(screen.getByTestId("tab-mine"));
    fireEvent.click(within(screen.getByTestId("work-item")).getByRole("button"));
    const input = await screen.findByLabelText("Follow up on");
    fireEvent.change(screen.getByLabelText("at"), { target: { value: "14:05" } });
    fireEvent.click(screen.getByRole("button", { name: "Set follow-up" }));
    expect(screen.getByTestId("follow-up-error").textContent).toContain("enter a whole date");
    const calls = () =>
      (fetch as unknown as { mock: { calls: Request[][] } }).mock.calls.map(([r]) => r);
    expect(calls().some((r) => r.url.endsWith("/follow-up/"))).toBe(false);

    fireEvent.change(input, { target: { value: "2026-12-09" } });
    fireEvent.click(screen.getByRole("button", { name: "Set follow-up" }));
    await vi.waitFor(() =>
      expect(calls().some((r) => r.url.endsWith("/api/work-items/w1/follow-up/"))).toBe(true),
    );
    const request = calls().find((r) => r.url.endsWith("/follow-up/"))!;
    expect(request.method).toBe("POST");
    expect(await request.clone().json()).toEqual({
      follow_up: new Date(2026, 11, 9, 14, 5).toISOString(),
    });
  });

  it("shows a candidate the date but no way to change it", async () => {
    const socket = await openInbox();
    const ahead = new Date(Date.now() + 3 * 3600_000 + 60_000).toISOString();
    socket.serve({ type: "snapshot", work_items: [item("w1", { follow_up: ahead })] });
    fireEvent.change(screen.getByLabelText("Follow-up"), { target: { value: "all" } });
    fireEvent.click(within(screen.getByTestId("work-item")).getByRole("button"));
    expect((await screen.findByTestId("follow-up-note")).textContent).toContain("in 3 hours");
    expect(screen.queryByLabelText("Follow up on")).toBeNull();
  });
});
