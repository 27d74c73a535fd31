import { Badge } from "@/components/ui/badge";
import type { EngineStatus } from "@/generated/types";
import { cn } from "@/lib/utils";

const STATUS_CLASS: Record<EngineStatus, string> = {
  starting: "border-transparent bg-sky-500/15 text-sky-700 dark:text-sky-400",
  running: "border-transparent bg-emerald-500/15 text-emerald-700 dark:text-emerald-400",
  halted: "border-transparent bg-red-500/15 text-red-700 dark:text-red-400",
  stopping: "border-transparent bg-amber-500/15 text-amber-700 dark:text-amber-400",
};

export function EngineStatusBadge({ status }: { status: EngineStatus }) {
  return (
    <Badge variant="outline" data-status={status} className={cn("capitalize", STATUS_CLASS[status])}>
      {status}
    </Badge>
  );
}
