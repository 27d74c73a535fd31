import { ENGINE_TTL_MS, HEARTBEAT_INTERVAL_MS } from "@/generated/constants";
import type { EngineInfo } from "@/generated/types";
import type { Page } from "@/lib/api";

/** fresh: on time; late: more than two heartbeats missed; stale: past the registry TTL. */
export type HeartbeatFreshness = "fresh" | "late" | "stale";

export function heartbeatFreshness(ageMs: number): HeartbeatFreshness {
  if (ageMs > ENGINE_TTL_MS) return "stale";
  if (ageMs > HEARTBEAT_INTERVAL_MS * 2) return "late";
  return "fresh";
}

/**
 * Put a heartbeat's EngineInfo into the engines list: replace the engine's row, or
 * append it when the list does not have it yet. A heartbeat older than the row
 * (a late event after a refetch) is ignored. Returns the same object when nothing changes.
 */
export function upsertEngine(page: Page<EngineInfo>, info: EngineInfo): Page<EngineInfo> {
  const index = page.items.findIndex((engine) => engine.engineId === info.engineId);
  if (index === -1) return { ...page, items: [...page.items, info] };
  const current = page.items[index];
  if (current !== undefined && current.lastHeartbeat > info.lastHeartbeat) return page;
  const items = page.items.slice();
  items[index] = info;
  return { ...page, items };
}
