"use client";

import { ArrowLeftRight } from "lucide-react";
import { useMemo } from "react";

import { ActivityEmpty, ActivityError, ActivitySection } from "@/components/activity/activity-states";
import { FillsTableSkeleton } from "@/components/activity/activity-skeleton";
import { FillRow } from "@/components/activity/fill-row";
import { Card } from "@/components/ui/card";
import { Table, TableBody, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useEventFeed } from "@/hooks/use-events";
import { FILL_EVENT, FILLS_PAGE_LIMIT, FILLS_SHOWN, fillRows } from "@/lib/activity";

/** The latest fills, newest first: one GET /api/events page, then live from the socket. */
export function FillsTable() {
  const { events, error, isPending, refetch } = useEventFeed(FILL_EVENT, {
    limit: FILLS_PAGE_LIMIT,
    cap: FILLS_SHOWN,
  });
  const rows = useMemo(() => (events === undefined ? [] : fillRows(events)), [events]);

  let body;
  if (isPending) {
    body = <FillsTableSkeleton />;
  } else if (events === undefined) {
    body = (
      <ActivityError
        testId="fills-error"
        title="Cannot load fills"
        message={error?.message ?? "Unknown error"}
        onRetry={refetch}
      />
    );
  } else {
    body = (
      <>
        {error !== null && (
          <p role="status" className="text-sm text-amber-700 dark:text-amber-400">
            Could not refresh the fills ({error.message}); showing live fills.
          </p>
        )}
        <div data-testid="fills-table" data-count={rows.length}>
          {rows.length === 0 ? (
            <ActivityEmpty testId="fills-empty" icon={ArrowLeftRight} title="No fills yet">
              Executions appear here as the bots trade, live.
            </ActivityEmpty>
          ) : (
            <Card className="py-0">
              <Table>
                <TableHeader>
                  <TableRow>
                    <TableHead>Time</TableHead>
                    <TableHead>Bot</TableHead>
                    <TableHead>Exchange</TableHead>
                    <TableHead>Instrument</TableHead>
                    <TableHead>Side</TableHead>
                    <TableHead className="text-right">Price</TableHead>
                    <TableHead className="text-right">Size</TableHead>
                    <TableHead className="text-right">Fee</TableHead>
                    <TableHead className="text-right">Realized PnL</TableHead>
                    <TableHead>Mode</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {rows.map((row) => (
                    <FillRow key={row.key} row={row} />
                  ))}
                </TableBody>
              </Table>
            </Card>
          )}
        </div>
      </>
    );
  }

  return (
    <ActivitySection
      id="fills-heading"
      title="Fills"
      meta={rows.length > 0 ? `${rows.length} most recent, newest first` : undefined}
    >
      {body}
    </ActivitySection>
  );
}
