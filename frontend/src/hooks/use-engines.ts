"use client";

import { useQuery } from "@tanstack/react-query";

import { useApi } from "@/hooks/use-api";

export const enginesQueryKey = ["engines"] as const;

/**
 * The registered engines from GET /api/engines. No polling: heartbeats over
 * Socket.IO keep the cache current (useEngineEventSync), and a seq gap or a
 * reconnect invalidates it.
 */
export function useEngines() {
  const api = useApi();
  return useQuery({
    queryKey: enginesQueryKey,
    queryFn: ({ signal }) => api.listEngines(signal),
    staleTime: Infinity,
  });
}
