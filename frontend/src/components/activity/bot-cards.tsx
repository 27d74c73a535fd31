"use client";

import { Bot } from "lucide-react";
import { useMemo } from "react";

import { ActivityEmpty, ActivityError, ActivitySection } from "@/components/activity/activity-states";
import { BotCardsSkeleton } from "@/components/activity/activity-skeleton";
import { BotCard } from "@/components/activity/bot-card";
import { useEventFeed } from "@/hooks/use-events";
import {
  BOT_EVENTS_KEPT,
  BOT_EVENTS_PAGE_LIMIT,
  BOT_STATE_EVENT,
  PNL_SNAPSHOT_EVENT,
  botSummaries,
} from "@/lib/activity";

const FEED = { limit: BOT_EVENTS_PAGE_LIMIT, cap: BOT_EVENTS_KEPT };

/** Every bot seen in bot.state / pnl.snapshot events: its latest state and PnL, live. */
export function BotCards() {
  const states = useEventFeed(BOT_STATE_EVENT, FEED);
  const pnl = useEventFeed(PNL_SNAPSHOT_EVENT, FEED);
  const bots = useMemo(
    () =>
      states.events === undefined || pnl.events === undefined
        ? undefined
        : botSummaries(states.events, pnl.events),
    [states.events, pnl.events],
  );

  let body;
  // Both loads must land first: a card must not show a state it does not know yet.
  if (states.isPending || pnl.isPending) {
    body = <BotCardsSkeleton />;
  } else if (bots === undefined) {
    const failed = states.events === undefined ? states : pnl;
    body = (
      <ActivityError
        testId="bots-error"
        title="Cannot load bots"
        message={failed.error?.message ?? "Unknown error"}
        onRetry={() => {
          if (states.events === undefined) states.refetch();
          if (pnl.events === undefined) pnl.refetch();
        }}
      />
    );
  } else if (bots.length === 0) {
    body = (
      <ActivityEmpty testId="bots-empty" icon={Bot} title="No bots yet">
        A bot appears here with its first state change or PnL snapshot.
      </ActivityEmpty>
    );
  } else {
    const refreshError = states.error ?? pnl.error;
    body = (
      <>
        {refreshError !== null && (
          <p role="status" className="text-sm text-amber-700 dark:text-amber-400">
            Could not refresh the bots ({refreshError.message}); showing live updates.
          </p>
        )}
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 xl:grid-cols-3">
          {bots.map((bot) => (
            <BotCard key={bot.botId} bot={bot} />
          ))}
        </div>
      </>
    );
  }

  return (
    <ActivitySection
      id="bots-heading"
      title="Bots"
      meta={bots && bots.length > 0 ? `${bots.length}` : undefined}
    >
      {body}
    </ActivitySection>
  );
}
