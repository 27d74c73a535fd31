"use client";

import { usePathname } from "next/navigation";

import { SocketStatusIndicator } from "@/components/layout/socket-status";
import { navItemFor } from "@/config/dashboard";

/** The top bar: the current section's title and the live connection state. */
export function SiteHeader() {
  const pathname = usePathname();
  const title = navItemFor(pathname)?.title ?? "Dashboard";

  return (
    <header className="bg-background/95 sticky top-0 z-10 flex h-14 shrink-0 items-center gap-2 border-b px-4 backdrop-blur lg:px-6">
      <h1 className="text-base font-medium">{title}</h1>
      <div className="ml-auto flex items-center gap-2">
        <SocketStatusIndicator />
      </div>
    </header>
  );
}
