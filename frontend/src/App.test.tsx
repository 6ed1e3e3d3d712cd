import { cleanup, render, screen } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";

import { routes } from "./App";
import { AuthProvider } from "./shell/auth";

function renderAt(path: string, me: object | null) {
  vi.stubGlobal(
    "fetch",
    vi.fn(() =>
      Promise.resolve(
        me
          ? new Response(JSON.stringify(me), {
              status: 200,
              headers: { "Content-Type": "application/json" },
            })
          : new Response(JSON.stringify({ code: "not_authenticated", detail: "no" }), {
              status: 401,
              headers: { "Content-Type": "application/json" },
            }),
      ),
    ),
  );
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  render(
    <AuthProvider>
      <RouterProvider router={router} />
    </AuthProvider>,
  );
  return router;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the shell", () => {
  it("sends a visitor who is not logged in to the login page", async () => {
    const router = renderAt("/dashboard/", null);
    expect(await screen.findByRole("button", { name: "Log in" })).toBeTruthy();
    expect(router.state.location.pathname).toBe("/login/");
    expect(router.state.location.search).toBe("?next=%2Fdashboard%2F");
  });

  it("shows an operator the inbox link and refuses them the dashboard", async () => {
    renderAt("/dashboard/", { id: 2, username: "alice", groups: ["clerks"], is_staff: false });
    expect(await screen.findByText("This page is for staff.")).toBeTruthy();
    expect(screen.getByRole("link", { name: "Inbox" })).toBeTruthy();
    expect(screen.queryByRole("link", { name: "Dashboard" })).toBeNull();
  });

  it("shows staff the designer", async () => {
    renderAt("/designer/", { id: 1, username: "admin", groups: [], is_staff: true });
    expect(await screen.findByRole("heading", { name: "Designer" })).toBeTruthy();
    expect(screen.getByTestId("who").textContent).toBe("admin");
  });
});
