import type {
  BotStatePayload,
  EngineInfo,
  EventEnvelope,
  EventType,
  Fill,
  PnlSnapshot,
} from "@/generated/types";

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

/** An event's identity: seq never repeats within an engine, even across restarts. */
export function eventKey(event: Pick<EventEnvelope, "engineId" | "seq">): string {
  return `${event.engineId}:${event.seq}`;
}

/** Newest first, as GET /api/events orders them: ts, then engineId, then seq, descending. */
export function compareNewestFirst(a: EventEnvelope, b: EventEnvelope): number {
  if (a.ts !== b.ts) return b.ts - a.ts;
  if (a.engineId !== b.engineId) return a.engineId < b.engineId ? 1 : -1;
  return b.seq - a.seq;
}

/**
 * Merge event lists (e.g. live events and a fetched page) into one list, newest
 * first, each event once (by engineId:seq), at most `cap` long.
 */
export function mergeEvents(lists: readonly (readonly EventEnvelope[])[], cap: number): EventEnvelope[] {
  const seen = new Set<string>();
  const merged: EventEnvelope[] = [];
  for (const list of lists) {
    for (const event of list) {
      const key = eventKey(event);
      if (seen.has(key)) continue;
      seen.add(key);
      merged.push(event);
    }
  }
  merged.sort(compareNewestFirst);
  return merged.length > cap ? merged.slice(0, cap) : merged;
}

const isString = (value: unknown): value is string => typeof value === "string";
const isOptionalString = (value: unknown): boolean =>
  value === undefined || value === null || isString(value);

/** The fields of a Fill the dashboard shows (decimals are strings). */
export function isFill(value: unknown): value is Fill {
  return (
    isRecord(value) &&
    isString(value.id) &&
    isString(value.exchange) &&
    isString(value.orderId) &&
    isString(value.instrument) &&
    (value.side === "buy" || value.side === "sell") &&
    isString(value.price) &&
    isString(value.size) &&
    isString(value.fee) &&
    isOptionalString(value.botId) &&
    isOptionalString(value.feeCurrency) &&
    isOptionalString(value.realizedPnl) &&
    isOptionalString(value.currency) &&
    typeof value.paper === "boolean" &&
    typeof value.ts === "number"
  );
}

export function isBotStatePayload(value: unknown): value is BotStatePayload {
  return isRecord(value) && isString(value.botId) && isString(value.state) && isOptionalString(value.reason);
}

/** The PnlSnapshot fields the dashboard reads; the *Usd figures may be missing. */
export type PnlSnapshotFields = Pick<
  PnlSnapshot,
  "entityType" | "entityId" | "ts" | "realized" | "unrealized" | "total"
> &
  Partial<Pick<PnlSnapshot, "exchange" | "currency" | "tradeCount">> & {
    realizedUsd?: string | null;
    unrealizedUsd?: string | null;
    totalUsd?: string | null;
  };

export function isPnlSnapshot(value: unknown): value is PnlSnapshotFields {
  return (
    isRecord(value) &&
    isString(value.entityType) &&
    isString(value.entityId) &&
    isString(value.realized) &&
    isString(value.unrealized) &&
    isString(value.total) &&
    typeof value.ts === "number" &&
    isOptionalString(value.realizedUsd) &&
    isOptionalString(value.unrealizedUsd) &&
    isOptionalString(value.totalUsd)
  );
}
