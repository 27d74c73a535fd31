"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";

import { SOCKET_ENGINE_EVENT } from "@/generated/constants";
import type { EngineInfo } from "@/generated/types";
import { useLiveEventStore } from "@/hooks/use-live-events";
import { enginesQueryKey } from "@/hooks/use-engines";
import { eventsQueryKeyRoot } from "@/hooks/use-events";
import { useSocket } from "@/hooks/use-socket";
import type { Page } from "@/lib/api";
import { upsertEngine } from "@/lib/engines";
import { classifySeq, heartbeatInfo, isEventEnvelope } from "@/lib/events";

/**
 * Apply engine events from the socket, once for the whole app: heartbeats go into
 * the engines query cache; fills, bot states and PnL snapshots into the live event
 * store (merged with GET /api/events pages by useEventFeed). Pub/Sub is
 * at-most-once, so a seq gap, an engine restart or a reconnect means events were
 * lost: the engines query is then refetched and the events queries invalidated.
 */
export function useEngineEventSync(): void {
  const { socket } = useSocket();
  const queryClient = useQueryClient();
  const liveEvents = useLiveEventStore();

  useEffect(() => {
    if (socket === null) return;
    const lastSeq = new Map<string, number>();
    let hasConnected = socket.connected;
    // cancelRefetch: false joins a refetch already in flight, so a burst of gaps costs one request.
    const refetchEngines = () =>
      void queryClient.invalidateQueries({ queryKey: enginesQueryKey }, { cancelRefetch: false });
    // Only the events queries on screen refetch now; the others are marked stale and reload when shown.
    const refetchEvents = (onlyFailed = false) =>
      void queryClient.invalidateQueries(
        {
          queryKey: eventsQueryKeyRoot,
          predicate: onlyFailed ? (query) => query.state.status === "error" : undefined,
        },
        { cancelRefetch: false },
      );

    const onConnect = () => {
      // After a reconnect events were missed; after a failed first load the API is back.
      const loadFailed = queryClient.getQueryState(enginesQueryKey)?.status === "error";
      if (hasConnected || loadFailed) {
        lastSeq.clear();
        refetchEngines();
      }
      refetchEvents(!hasConnected);
      hasConnected = true;
    };

    const onEvent = (data: unknown) => {
      if (!isEventEnvelope(data)) return;
      const verdict = classifySeq(lastSeq.get(data.engineId), data.seq);
      if (verdict === "duplicate") return;
      lastSeq.set(data.engineId, data.seq);
      if (verdict === "gap" || verdict === "reset") {
        refetchEngines();
        refetchEvents();
      }

      const info = heartbeatInfo(data);
      if (info !== null) {
        // An update before the first fetch has landed is dropped: that fetch brings the engine.
        queryClient.setQueryData<Page<EngineInfo>>(enginesQueryKey, (page) =>
          page === undefined ? undefined : upsertEngine(page, info),
        );
        return;
      }
      // Kept even before (or without) a fetched page: a page loading now may miss it.
      liveEvents.push(data);
    };

    socket.on("connect", onConnect);
    socket.on(SOCKET_ENGINE_EVENT, onEvent);
    return () => {
      socket.off("connect", onConnect);
      socket.off(SOCKET_ENGINE_EVENT, onEvent);
    };
  }, [socket, queryClient, liveEvents]);
}
