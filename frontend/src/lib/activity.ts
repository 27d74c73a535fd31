import type { BotState, EventEnvelope, EventType, Fill } from "@/generated/types";
import { eventKey, isBotStatePayload, isFill, isPnlSnapshot } from "@/lib/events";

/** The event types the Activity page shows. */
export const FILL_EVENT: EventType = "fill";
export const BOT_STATE_EVENT: EventType = "bot.state";
export const PNL_SNAPSHOT_EVENT: EventType = "pnl.snapshot";

/** Fills: the initial GET /api/events page size and the most rows the table shows. */
export const FILLS_PAGE_LIMIT = 100;
export const FILLS_SHOWN = 200;
/** bot.state / pnl.snapshot: the initial page size and the most events kept to derive each bot's latest. */
export const BOT_EVENTS_PAGE_LIMIT = 100;
export const BOT_EVENTS_KEPT = 500;

/**
 * How many live events of each type the app keeps from the socket (newest first).
 * At least what a view shows, so live rows and a fetched page always join up.
 */
export const LIVE_EVENT_CAPS: Partial<Record<EventType, number>> = {
  [FILL_EVENT]: FILLS_SHOWN,
  [BOT_STATE_EVENT]: BOT_EVENTS_KEPT,
  [PNL_SNAPSHOT_EVENT]: BOT_EVENTS_KEPT,
};

/** One row of the fills table. */
export interface FillRow {
  /** `${engineId}:${seq}` of the event that carried the fill. */
  key: string;
  engineId: string;
  fill: Fill;
}

/** The fills among events (newest first, as given); malformed payloads are skipped. */
export function fillRows(events: readonly EventEnvelope[]): FillRow[] {
  const rows: FillRow[] = [];
  for (const event of events) {
    if (event.type === FILL_EVENT && isFill(event.payload)) {
      rows.push({ key: eventKey(event), engineId: event.engineId, fill: event.payload });
    }
  }
  return rows;
}

/** A bot's latest PnL figures; `usd` says whether they are the USD ones. */
export interface BotPnl {
  ts: number;
  realized: string;
  unrealized: string;
  total: string;
  /** "USD" for the USD figures, else the snapshot's own currency (if any). */
  currency: string | null;
  tradeCount: number | null;
}

/** What the Bots list shows about one bot. */
export interface BotSummary {
  botId: string;
  engineId: string | null;
  exchange: string | null;
  /** The latest state, or "unknown" when only PnL has been seen. */
  state: BotState | "unknown";
  previous: BotState | null;
  reason: string | null;
  stateTs: number | null;
  pnl: BotPnl | null;
}

function pnlFigures(payload: unknown, ts: number): BotPnl | null {
  if (!isPnlSnapshot(payload)) return null;
  const tradeCount = typeof payload.tradeCount === "number" ? payload.tradeCount : null;
  const { realizedUsd, unrealizedUsd, totalUsd } = payload;
  if (typeof realizedUsd === "string" && typeof unrealizedUsd === "string" && typeof totalUsd === "string") {
    return {
      ts,
      realized: realizedUsd,
      unrealized: unrealizedUsd,
      total: totalUsd,
      currency: "USD",
      tradeCount,
    };
  }
  return {
    ts,
    realized: payload.realized,
    unrealized: payload.unrealized,
    total: payload.total,
    currency: payload.currency ?? null,
    tradeCount,
  };
}

function emptySummary(botId: string): BotSummary {
  return {
    botId,
    engineId: null,
    exchange: null,
    state: "unknown",
    previous: null,
    reason: null,
    stateTs: null,
    pnl: null,
  };
}

/**
 * Each bot's latest state (from `bot.state`) and latest PnL (from `pnl.snapshot`
 * with entityType "bot"). Both lists are newest first, so a bot's first event
 * in each is its latest. Sorted by bot id.
 */
export function botSummaries(
  stateEvents: readonly EventEnvelope[],
  pnlEvents: readonly EventEnvelope[],
): BotSummary[] {
  const bots = new Map<string, BotSummary>();
  const summaryFor = (botId: string) => {
    let summary = bots.get(botId);
    if (summary === undefined) {
      summary = emptySummary(botId);
      bots.set(botId, summary);
    }
    return summary;
  };

  for (const event of stateEvents) {
    if (event.type !== BOT_STATE_EVENT || !isBotStatePayload(event.payload)) continue;
    const summary = summaryFor(event.payload.botId);
    if (summary.stateTs !== null) continue;
    summary.state = event.payload.state;
    summary.previous = event.payload.previous ?? null;
    summary.reason = event.payload.reason ?? null;
    summary.stateTs = event.ts;
    summary.engineId = event.engineId;
    if (event.exchange !== "all") summary.exchange = event.exchange;
  }

  for (const event of pnlEvents) {
    if (event.type !== PNL_SNAPSHOT_EVENT || !isPnlSnapshot(event.payload)) continue;
    if (event.payload.entityType !== "bot") continue;
    const summary = summaryFor(event.payload.entityId);
    if (summary.pnl !== null) continue;
    summary.pnl = pnlFigures(event.payload, event.payload.ts);
    summary.engineId ??= event.engineId;
    const exchange = event.payload.exchange ?? event.exchange;
    if (summary.exchange === null && exchange !== "all") summary.exchange = exchange;
  }

  return [...bots.values()].sort((a, b) => (a.botId < b.botId ? -1 : a.botId > b.botId ? 1 : 0));
}
