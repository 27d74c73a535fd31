import { RefreshCw, TriangleAlert, type LucideIcon } from "lucide-react";
import type { ReactNode } from "react";

import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";

/** A section's "nothing yet" card. */
export function ActivityEmpty({
  testId,
  icon: Icon,
  title,
  children,
}: {
  testId: string;
  icon: LucideIcon;
  title: string;
  children: ReactNode;
}) {
  return (
    <Card data-testid={testId}>
      <CardContent className="flex flex-col items-center gap-2 py-10 text-center">
        <Icon className="text-muted-foreground size-8" aria-hidden />
        <p className="font-medium">{title}</p>
        <p className="text-muted-foreground max-w-sm text-sm">{children}</p>
      </CardContent>
    </Card>
  );
}

/** A section whose first load failed, with a retry. */
export function ActivityError({
  testId,
  title,
  message,
  onRetry,
}: {
  testId: string;
  title: string;
  message: string;
  onRetry: () => void;
}) {
  return (
    <Card data-testid={testId} role="alert">
      <CardContent className="flex flex-col items-center gap-2 py-10 text-center">
        <TriangleAlert className="text-destructive size-8" aria-hidden />
        <p className="font-medium">{title}</p>
        <p className="text-muted-foreground max-w-md text-sm">{message}</p>
        <Button variant="outline" size="sm" className="mt-2" onClick={onRetry}>
          <RefreshCw aria-hidden />
          Retry
        </Button>
      </CardContent>
    </Card>
  );
}

/** A titled block of the Activity page. */
export function ActivitySection({
  id,
  title,
  meta,
  children,
}: {
  id: string;
  title: string;
  meta?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={id} className="flex flex-col gap-3">
      <div className="flex items-baseline gap-2">
        <h2 id={id} className="text-base font-medium">
          {title}
        </h2>
        {meta !== undefined && <span className="text-muted-foreground text-sm">{meta}</span>}
      </div>
      {children}
    </section>
  );
}
