import type { Me } from "../api/client";

export interface NavItem {
  to: string;
  label: string;
}

/** The top navigation for a user: the dashboard and the designer are for staff. */
export function navItems(me: Pick<Me, "is_staff"> | null): NavItem[] {
  if (!me) return [];
  const items: NavItem[] = [{ to: "/inbox/", label: "Inbox" }];
  if (me.is_staff) {
    items.push({ to: "/designer/", label: "Designer" }, { to: "/dashboard/", label: "Dashboard" });
  }
  return items;
}

/** Where to go after logging in: back where the user was sent from, if that is an app page. */
export function afterLogin(next: string | null): string {
  if (next && /^\/(inbox|designer|dashboard)\//.test(next)) return next;
  return "/inbox/";
}
