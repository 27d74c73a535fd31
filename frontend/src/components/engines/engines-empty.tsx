import { ServerOff } from "lucide-react";

import { Card, CardContent } from "@/components/ui/card";

export function EnginesEmpty() {
  return (
    <Card data-testid="engines-empty">
      <CardContent className="flex flex-col items-center gap-2 py-10 text-center">
        <ServerOff className="text-muted-foreground size-8" aria-hidden />
        <p className="font-medium">No engines registered</p>
        <p className="text-muted-foreground max-w-sm text-sm">
          Start one with <code className="font-mono">trading engine</code> or{" "}
          <code className="font-mono">trading up</code>; it appears here with its first heartbeat.
        </p>
      </CardContent>
    </Card>
  );
}
