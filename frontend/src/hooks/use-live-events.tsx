"use client";

import { createContext, useContext, useState, useSyncExternalStore, type ReactNode } from "react";

import type { EventEnvelope, EventType } from "@/generated/types";
import { LIVE_EVENT_CAPS } from "@/lib/activity";
import { createLiveEventStore, type LiveEventStore } from "@/lib/live-events";

const LiveEventsContext = createContext<LiveEventStore | null>(null);

const NONE: readonly EventEnvelope[] = [];

/** Hold the live events (fills, bot states, PnL snapshots) the socket delivers, app-wide. */
export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const [store] = useState(() => createLiveEventStore(LIVE_EVENT_CAPS));
  return <LiveEventsContext.Provider value={store}>{children}</LiveEventsContext.Provider>;
}

export function useLiveEventStore(): LiveEventStore {
  const store = useContext(LiveEventsContext);
  if (store === null) throw new Error("useLiveEventStore must be used within a LiveEventsProvider");
  return store;
}

/** The live events of one type, newest first; re-renders when one arrives. */
export function useLiveEvents(type: EventType): readonly EventEnvelope[] {
  const store = useLiveEventStore();
  return useSyncExternalStore(
    store.subscribe,
    () => store.get(type),
    () => NONE,
  );
}
