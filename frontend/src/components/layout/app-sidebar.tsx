"use client";

import { ChartCandlestick } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";

import { dashboardConfig, navItemFor } from "@/config/dashboard";
import { cn } from "@/lib/utils";

/** The dashboard's sidebar: product name and the navigation from config/dashboard.ts. */
export function AppSidebar() {
  const pathname = usePathname();
  const active = navItemFor(pathname);

  return (
    <aside className="bg-sidebar text-sidebar-foreground border-sidebar-border hidden w-60 shrink-0 flex-col border-r md:flex">
      <div className="flex h-14 items-center gap-2 px-4 font-semibold">
        <ChartCandlestick className="size-5" aria-hidden />
        <span>{dashboardConfig.name}</span>
      </div>
      <nav aria-label="Main" className="flex flex-col gap-1 p-2">
        {dashboardConfig.mainNav.map((item) => {
          const isActive = item === active;
          return (
            <Link
              key={item.href}
              href={item.href}
              aria-current={isActive ? "page" : undefined}
              className={cn(
                "hover:bg-sidebar-accent hover:text-sidebar-accent-foreground flex h-8 items-center gap-2 rounded-md px-2 text-sm transition-colors [&>svg]:size-4",
                isActive && "bg-sidebar-accent text-sidebar-accent-foreground font-medium",
              )}
            >
              <item.icon aria-hidden />
              <span>{item.title}</span>
            </Link>
          );
        })}
      </nav>
    </aside>
  );
}
