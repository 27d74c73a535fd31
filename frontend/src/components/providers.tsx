"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";

import { ApiProvider } from "@/hooks/use-api";
import { useEngineEventSync } from "@/hooks/use-engine-events";
import { LiveEventsProvider } from "@/hooks/use-live-events";
import { SocketProvider } from "@/hooks/use-socket";

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // Live data arrives over the socket; no refetch just because the tab got focus.
        refetchOnWindowFocus: false,
        // One retry, so a dead API shows its error state within seconds.
        retry: 1,
      },
    },
  });
}

function EngineEventSync() {
  useEngineEventSync();
  return null;
}

/** Client-side context for the whole app: API client, query cache, the one socket, live events. */
export function Providers({ apiUrl, children }: { apiUrl: string; children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  return (
    <ApiProvider baseUrl={apiUrl}>
      <QueryClientProvider client={queryClient}>
        <SocketProvider url={apiUrl}>
          <LiveEventsProvider>
            <EngineEventSync />
            {children}
          </LiveEventsProvider>
        </SocketProvider>
      </QueryClientProvider>
    </ApiProvider>
  );
}
