import type { ReactNode } from "react";

import { BotStateBadge } from "@/components/activity/bot-state-badge";
import { SignedDecimal } from "@/components/activity/signed-decimal";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import type { BotSummary } from "@/lib/activity";
import { formatDateTime, formatTime } from "@/lib/format";

function Figure({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex items-baseline justify-between gap-4">
      <dt className="text-muted-foreground shrink-0 text-xs">{label}</dt>
      <dd className="min-w-0 text-right text-sm break-all tabular-nums">{children}</dd>
    </div>
  );
}

/** One bot: latest state and PnL; the data-* attributes are end-to-end test hooks. */
export function BotCard({ bot }: { bot: BotSummary }) {
  const { pnl } = bot;
  const where = [bot.exchange, bot.engineId].filter((part) => part !== null).join(" · ");
  const updatedTs = Math.max(pnl?.ts ?? 0, bot.stateTs ?? 0);

  return (
    <Card data-testid="bot-card" data-bot-id={bot.botId} data-state={bot.state} className="gap-4">
      <CardHeader>
        <CardTitle className="truncate font-mono" title={bot.botId}>
          {bot.botId}
        </CardTitle>
        {where !== "" && <CardDescription>{where}</CardDescription>}
        <CardAction>
          <BotStateBadge state={bot.state} />
        </CardAction>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        {pnl === null ? (
          <p className="text-muted-foreground text-sm">No PnL yet.</p>
        ) : (
          <>
            <div className="flex flex-col gap-0.5">
              <span className="text-muted-foreground text-xs">Total PnL</span>
              <div className="flex flex-wrap items-baseline gap-x-1.5">
                <SignedDecimal
                  data-testid="bot-pnl-total"
                  data-value={pnl.total}
                  value={pnl.total}
                  className="min-w-0 text-2xl font-semibold break-all"
                />
                {pnl.currency !== null && (
                  <span className="text-muted-foreground text-sm">{pnl.currency}</span>
                )}
              </div>
            </div>
            <dl className="flex flex-col gap-1">
              <Figure label="Realized">
                <SignedDecimal value={pnl.realized} />
              </Figure>
              <Figure label="Unrealized">
                <SignedDecimal value={pnl.unrealized} />
              </Figure>
              <Figure label="Trades">{pnl.tradeCount ?? "—"}</Figure>
            </dl>
          </>
        )}
        {bot.stateTs !== null && (
          <p className="text-muted-foreground text-xs break-words">
            {bot.previous !== null && `${bot.previous.replace("_", " ")} → `}
            {bot.state.replace("_", " ")}
            {bot.reason && `: ${bot.reason}`}
          </p>
        )}
        {updatedTs > 0 && (
          <p className="text-muted-foreground text-xs">
            Updated{" "}
            <time
              dateTime={new Date(updatedTs).toISOString()}
              title={formatDateTime(updatedTs)}
              className="tabular-nums"
            >
              {formatTime(updatedTs)}
            </time>
          </p>
        )}
      </CardContent>
    </Card>
  );
}
