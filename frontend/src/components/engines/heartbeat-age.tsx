"use client";

import { useNow } from "@/hooks/use-now";
import { heartbeatFreshness, type HeartbeatFreshness } from "@/lib/engines";
import { formatAge } from "@/lib/format";
import { cn } from "@/lib/utils";

const FRESHNESS_CLASS: Record<HeartbeatFreshness, string> = {
  fresh: "text-muted-foreground",
  late: "text-amber-600 dark:text-amber-400",
  stale: "text-red-600 dark:text-red-400 font-medium",
};

/** Time since the engine's last heartbeat, from the local clock; amber when late, red past the TTL. */
export function HeartbeatAge({ lastHeartbeat }: { lastHeartbeat: number }) {
  const now = useNow();
  const ageMs = Math.max(0, now - lastHeartbeat);
  const freshness = heartbeatFreshness(ageMs);

  return (
    <time
      data-testid="heartbeat-age"
      data-freshness={freshness}
      dateTime={new Date(lastHeartbeat).toISOString()}
      title={new Date(lastHeartbeat).toLocaleString()}
      className={cn("tabular-nums", FRESHNESS_CLASS[freshness])}
    >
      {formatAge(ageMs)}
    </time>
  );
}
