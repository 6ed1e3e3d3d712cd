import { createBrowserRouter, Navigate, RouterProvider } from "react-router-dom";

import { LoginPage } from "./features/auth/LoginPage";
import { DashboardPage } from "./features/dashboard/DashboardPage";
import { DesignerPage } from "./features/designer/DesignerPage";
import { InboxPage } from "./features/inbox/InboxPage";
import { AuthProvider } from "./shell/auth";
import { Layout, StaffOnly } from "./shell/Layout";

// Client routes; Django serves index.html for each (config/urls.py, keep the two in step).
// Feature pages own everything below their prefix ("/designer/*" and so on).
export const routes = [
  { path: "/login/", element: <LoginPage /> },
  {
    element: <Layout />,
    children: [
      { path: "/inbox/*", element: <InboxPage /> },
      {
        path: "/designer/*",
        element: (
          <StaffOnly>
            <DesignerPage />
          </StaffOnly>
        ),
      },
      {
        path: "/dashboard/*",
        element: (
          <StaffOnly>
            <DashboardPage />
          </StaffOnly>
        ),
      },
      { path: "*", element: <Navigate to="/inbox/" replace /> },
    ],
  },
];

const router = createBrowserRouter(routes);

export function App() {
  return (
    <AuthProvider>
      <RouterProvider router={router} />
    </AuthProvider>
  );
}
