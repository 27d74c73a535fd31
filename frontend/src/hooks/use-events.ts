"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";

import type { EventEnvelope, EventType } from "@/generated/types";
import { useApi } from "@/hooks/use-api";
import { useLiveEvents } from "@/hooks/use-live-events";
import { isEventEnvelope, mergeEvents } from "@/lib/events";

/** Every GET /api/events query starts with this key: invalidate it to reload them all. */
export const eventsQueryKeyRoot = ["events"] as const;

export function eventsQueryKey(type: EventType, limit: number) {
  return [...eventsQueryKeyRoot, { type, limit }] as const;
}

/**
 * The latest persisted events of one type from GET /api/events. Loaded once, no
 * polling: the socket's live events are merged on top (useEventFeed), and a seq
 * gap or a reconnect invalidates it (useEngineEventSync).
 */
export function useEventPage(type: EventType, limit: number) {
  const api = useApi();
  return useQuery({
    queryKey: eventsQueryKey(type, limit),
    queryFn: async ({ signal }) => {
      const page = await api.listEvents({ type, limit }, signal);
      return { ...page, items: page.items.filter(isEventEnvelope) };
    },
    staleTime: Infinity,
  });
}

export interface EventFeed {
  /** Newest first, each event once; undefined until the first page has loaded. */
  events: EventEnvelope[] | undefined;
  error: Error | null;
  isPending: boolean;
  refetch: () => void;
}

/**
 * One event type as a live feed: the fetched page with the socket's events of that
 * type merged in, deduplicated by engineId:seq (an event can be both in the page
 * and live), newest first, at most `cap` long.
 */
export function useEventFeed(type: EventType, { limit, cap }: { limit: number; cap: number }): EventFeed {
  const { data, error, isPending, refetch } = useEventPage(type, limit);
  const live = useLiveEvents(type);
  const events = useMemo(
    () => (data === undefined ? undefined : mergeEvents([live, data.items], cap)),
    [live, data, cap],
  );
  return { events, error, isPending, refetch: () => void refetch() };
}
