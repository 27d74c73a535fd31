import { Activity, Server, type LucideIcon } from "lucide-react";

export interface NavItem {
  title: string;
  href: string;
  icon: LucideIcon;
}

/** The dashboard's navigation, as data: the sidebar and the header title read it. */
export const dashboardConfig = {
  name: "Trading",
  mainNav: [
    { title: "Engines", href: "/engines", icon: Server },
    { title: "Activity", href: "/activity", icon: Activity },
  ] satisfies NavItem[],
};

/** The nav item whose section contains the pathname, if any. */
export function navItemFor(pathname: string): NavItem | undefined {
  return dashboardConfig.mainNav.find(
    (item) => pathname === item.href || pathname.startsWith(`${item.href}/`),
  );
}
