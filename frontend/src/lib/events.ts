import type { EngineInfo, EventEnvelope, EventType } from "@/generated/types";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Check the fields the dashboard relies on; the relay sends EventEnvelope objects. */
export function isEventEnvelope(value: unknown): value is EventEnvelope {
  return (
    isRecord(value) &&
    typeof value.type === "string" &&
    typeof value.engineId === "string" &&
    typeof value.seq === "number" &&
    typeof value.ts === "number" &&
    isRecord(value.payload)
  );
}

function isEngineInfo(value: unknown): value is EngineInfo {
  return (
    isRecord(value) &&
    typeof value.engineId === "string" &&
    typeof value.status === "string" &&
    Array.isArray(value.exchanges) &&
    typeof value.lastHeartbeat === "number" &&
    typeof value.startedAt === "number"
  );
}

const HEARTBEAT: EventType = "engine.heartbeat";

/** The EngineInfo an `engine.heartbeat` event carries, or null for any other event. */
export function heartbeatInfo(event: EventEnvelope): EngineInfo | null {
  return event.type === HEARTBEAT && isEngineInfo(event.payload) ? event.payload : null;
}

/**
 * How an event's seq relates to the last one seen from the same engine:
 * first (none seen yet), next (+1), gap (messages were lost), duplicate (seen
 * already), reset (went backwards: the engine restarted).
 */
export type SeqVerdict = "first" | "next" | "gap" | "duplicate" | "reset";

export function classifySeq(lastSeq: number | undefined, seq: number): SeqVerdict {
  if (lastSeq === undefined) return "first";
  if (seq === lastSeq + 1) return "next";
  if (seq > lastSeq) return "gap";
  if (seq === lastSeq) return "duplicate";
  return "reset";
}
