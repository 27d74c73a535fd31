"use client";

import { EngineRow } from "@/components/engines/engine-row";
import { EnginesEmpty } from "@/components/engines/engines-empty";
import { EnginesError } from "@/components/engines/engines-error";
import { EnginesTableSkeleton } from "@/components/engines/engines-skeleton";
import { Card } from "@/components/ui/card";
import { Table, TableBody, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useEngines } from "@/hooks/use-engines";

/** The registered engines, live from heartbeats. */
export function EnginesTable() {
  const { data, error, isPending, refetch } = useEngines();

  if (isPending) return <EnginesTableSkeleton />;
  if (data === undefined) {
    return <EnginesError message={error?.message ?? "Unknown error"} onRetry={() => void refetch()} />;
  }
  if (data.items.length === 0) return <EnginesEmpty />;

  const engines = [...data.items].sort((a, b) => a.engineId.localeCompare(b.engineId));
  return (
    <div className="flex flex-col gap-2">
      {error !== null && (
        <p role="status" className="text-sm text-amber-700 dark:text-amber-400">
          Could not refresh the list ({error.message}); showing live heartbeats.
        </p>
      )}
      <Card className="py-0">
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Engine</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Exchanges</TableHead>
              <TableHead className="text-right">Bots</TableHead>
              <TableHead>Host</TableHead>
              <TableHead className="text-right">CPU / memory</TableHead>
              <TableHead>Uptime</TableHead>
              <TableHead className="text-right">Heartbeat</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {engines.map((engine) => (
              <EngineRow key={engine.engineId} engine={engine} />
            ))}
          </TableBody>
        </Table>
      </Card>
    </div>
  );
}
