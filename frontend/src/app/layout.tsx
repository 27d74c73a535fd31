import type { Metadata } from "next";
import type { ReactNode } from "react";

import { AppSidebar } from "@/components/layout/app-sidebar";
import { SiteHeader } from "@/components/layout/site-header";
import { Providers } from "@/components/providers";

import "./globals.css";

// Read TRADING_API_URL on every request, so one build serves any deployment.
export const dynamic = "force-dynamic";

const DEFAULT_API_URL = "http://127.0.0.1:8000";

export const metadata: Metadata = {
  title: { default: "Trading dashboard", template: "%s · Trading dashboard" },
  description: "Engines, bots, orders and PnL across Polymarket, OKX and Kalshi.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  const apiUrl = (process.env.TRADING_API_URL || DEFAULT_API_URL).replace(/\/+$/, "");

  return (
    <html lang="en">
      <body className="bg-background text-foreground min-h-svh antialiased">
        <Providers apiUrl={apiUrl}>
          <div className="flex min-h-svh">
            <AppSidebar />
            <div className="flex min-w-0 flex-1 flex-col">
              <SiteHeader />
              <main className="flex flex-1 flex-col gap-4 p-4 lg:gap-6 lg:p-6">{children}</main>
            </div>
          </div>
        </Providers>
      </body>
    </html>
  );
}
