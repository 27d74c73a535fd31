"use client";

import { Badge } from "@/components/ui/badge";
import { useSocket, type SocketStatus } from "@/hooks/use-socket";
import { cn } from "@/lib/utils";

const DOT: Record<SocketStatus, string> = {
  connecting: "bg-muted-foreground",
  connected: "bg-emerald-500",
  reconnecting: "bg-amber-500 animate-pulse",
  offline: "bg-red-500",
};

/** The live connection's state, shown in the header. */
export function SocketStatusIndicator() {
  const { status } = useSocket();
  return (
    <Badge variant="outline" className="gap-1.5" title="Live updates (Socket.IO)">
      <span aria-hidden className={cn("size-2 rounded-full", DOT[status])} />
      <span data-testid="socket-status" data-state={status} aria-live="polite">
        {status}
      </span>
    </Badge>
  );
}
