import type { ReactNode } from "react";
import { NavLink, Navigate, Outlet, useLocation, useNavigate } from "react-router-dom";

import { useAuth } from "./auth";
import { navItems } from "./nav";

/** Pages behind the login: the top navigation, then the page. */
export function Layout() {
  const { me, loading, logout } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  if (loading) return <p className="loading">Loading…</p>;
  if (!me) return <Navigate to={`/login/?next=${encodeURIComponent(location.pathname)}`} replace />;
  return (
    <>
      <header className="topnav">
        <span className="brand">Workflow</span>
        <nav>
          {navItems(me).map((item) => (
            <NavLink key={item.to} to={item.to}>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <span className="spacer" />
        <span className="who" data-testid="who">
          {me.username}
        </span>
        {me.is_staff && <a href="/admin/">Admin</a>}
        <a href="/api/docs/">API</a>
        <button
          type="button"
          onClick={async () => {
            await logout();
            void navigate("/login/");
          }}
        >
          Log out
        </button>
      </header>
      <main>
        <Outlet />
      </main>
    </>
  );
}

/** A page for staff only. */
export function StaffOnly({ children }: { children: ReactNode }) {
  const { me } = useAuth();
  if (!me?.is_staff) return <p role="alert">This page is for staff.</p>;
  return <>{children}</>;
}
