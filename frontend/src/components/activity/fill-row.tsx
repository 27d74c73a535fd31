import { PaperBadge, SideBadge } from "@/components/activity/fill-badges";
import { SignedDecimal } from "@/components/activity/signed-decimal";
import { Badge } from "@/components/ui/badge";
import { TableCell, TableRow } from "@/components/ui/table";
import type { FillRow as FillRowData } from "@/lib/activity";
import { formatDateTime, formatDecimal, formatTime } from "@/lib/format";

function Unit({ children }: { children: string | null | undefined }) {
  if (!children) return null;
  return <span className="text-muted-foreground text-xs"> {children}</span>;
}

/** One fill of the fills table; the data-* attributes are end-to-end test hooks. */
export function FillRow({ row }: { row: FillRowData }) {
  const { fill } = row;
  return (
    <TableRow data-testid="fill-row" data-fill-id={fill.id} data-bot-id={fill.botId ?? ""}>
      <TableCell>
        <time
          dateTime={new Date(fill.ts).toISOString()}
          title={formatDateTime(fill.ts)}
          className="text-muted-foreground tabular-nums"
        >
          {formatTime(fill.ts)}
        </time>
      </TableCell>
      <TableCell className="font-mono">
        {fill.botId ?? <span className="text-muted-foreground">—</span>}
      </TableCell>
      <TableCell>
        <Badge variant="outline">{fill.exchange}</Badge>
      </TableCell>
      <TableCell>
        <span className="font-mono">{fill.instrument}</span>
        {fill.outcome && <span className="text-muted-foreground uppercase"> · {fill.outcome}</span>}
      </TableCell>
      <TableCell>
        <SideBadge side={fill.side} />
      </TableCell>
      <TableCell className="text-right tabular-nums">{formatDecimal(fill.price)}</TableCell>
      <TableCell className="text-right tabular-nums">{formatDecimal(fill.size)}</TableCell>
      <TableCell className="text-right tabular-nums" title={fill.liquidity ?? undefined}>
        {formatDecimal(fill.fee)}
        <Unit>{fill.feeCurrency}</Unit>
      </TableCell>
      <TableCell className="text-right">
        {fill.realizedPnl ? (
          <>
            <SignedDecimal value={fill.realizedPnl} />
            <Unit>{fill.currency}</Unit>
          </>
        ) : (
          <span className="text-muted-foreground">—</span>
        )}
      </TableCell>
      <TableCell>
        <PaperBadge paper={fill.paper} />
      </TableCell>
    </TableRow>
  );
}
