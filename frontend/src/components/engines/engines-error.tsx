import { RefreshCw, TriangleAlert } from "lucide-react";

import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";

export function EnginesError({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <Card data-testid="engines-error" role="alert">
      <CardContent className="flex flex-col items-center gap-2 py-10 text-center">
        <TriangleAlert className="text-destructive size-8" aria-hidden />
        <p className="font-medium">Cannot load engines</p>
        <p className="text-muted-foreground max-w-md text-sm">{message}</p>
        <Button variant="outline" size="sm" className="mt-2" onClick={onRetry}>
          <RefreshCw aria-hidden />
          Retry
        </Button>
      </CardContent>
    </Card>
  );
}
