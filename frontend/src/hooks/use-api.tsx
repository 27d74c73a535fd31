"use client";

import { createContext, useContext, useMemo, type ReactNode } from "react";

import { createApiClient, type ApiClient } from "@/lib/api";

const ApiContext = createContext<ApiClient | null>(null);

/** Provide the API client for the base URL the server read from TRADING_API_URL. */
export function ApiProvider({ baseUrl, children }: { baseUrl: string; children: ReactNode }) {
  const client = useMemo(() => createApiClient(baseUrl), [baseUrl]);
  return <ApiContext.Provider value={client}>{children}</ApiContext.Provider>;
}

export function useApi(): ApiClient {
  const client = useContext(ApiContext);
  if (client === null) throw new Error("useApi must be used within an ApiProvider");
  return client;
}
