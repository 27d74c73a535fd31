import { EngineStatusBadge } from "@/components/engines/engine-status-badge";
import { HeartbeatAge } from "@/components/engines/heartbeat-age";
import { Badge } from "@/components/ui/badge";
import { TableCell, TableRow } from "@/components/ui/table";
import type { EngineInfo } from "@/generated/types";
import { formatDuration } from "@/lib/format";

/** One engine of the engines table; the data-* attributes are end-to-end test hooks. */
export function EngineRow({ engine }: { engine: EngineInfo }) {
  const uptimeS = engine.uptimeS ?? (engine.lastHeartbeat - engine.startedAt) / 1000;

  return (
    <TableRow
      data-testid="engine-row"
      data-engine-id={engine.engineId}
      data-last-heartbeat={engine.lastHeartbeat}
    >
      <TableCell>
        <div className="font-mono font-medium">{engine.engineId}</div>
        <div className="text-muted-foreground text-xs">v{engine.version}</div>
      </TableCell>
      <TableCell>
        <EngineStatusBadge status={engine.status} />
      </TableCell>
      <TableCell>
        <div className="flex flex-wrap gap-1">
          {engine.exchanges.map((exchange) => (
            <Badge key={exchange} variant="outline">
              {exchange}
            </Badge>
          ))}
        </div>
      </TableCell>
      <TableCell className="text-right tabular-nums">
        {engine.activeBots ?? 0}
        {engine.capacity !== undefined && <span className="text-muted-foreground"> / {engine.capacity}</span>}
      </TableCell>
      <TableCell>
        <div>{engine.host}</div>
        <div className="text-muted-foreground text-xs">pid {engine.pid}</div>
      </TableCell>
      <TableCell className="text-right tabular-nums">
        {engine.cpuPct !== undefined ? `${engine.cpuPct.toFixed(1)} %` : "—"}
        <div className="text-muted-foreground text-xs">
          {engine.memoryMb !== undefined ? `${Math.round(engine.memoryMb)} MB` : "—"}
        </div>
      </TableCell>
      <TableCell className="tabular-nums">{formatDuration(uptimeS)}</TableCell>
      <TableCell className="text-right">
        <HeartbeatAge lastHeartbeat={engine.lastHeartbeat} />
      </TableCell>
    </TableRow>
  );
}
