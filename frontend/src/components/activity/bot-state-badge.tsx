import { Badge } from "@/components/ui/badge";
import type { BotState } from "@/generated/types";
import { cn } from "@/lib/utils";

const NEUTRAL = "border-transparent bg-muted text-muted-foreground";

const STATE_CLASS: Record<BotState, string> = {
  idle: NEUTRAL,
  starting: "border-transparent bg-sky-500/15 text-sky-700 dark:text-sky-400",
  running: "border-transparent bg-emerald-500/15 text-emerald-700 dark:text-emerald-400",
  pausing: "border-transparent bg-amber-500/15 text-amber-700 dark:text-amber-400",
  paused: "border-transparent bg-amber-500/15 text-amber-700 dark:text-amber-400",
  stopping: NEUTRAL,
  stopped: NEUTRAL,
  risk_stopped: "border-transparent bg-red-500/15 text-red-700 dark:text-red-400",
  error: "border-transparent bg-red-500/15 text-red-700 dark:text-red-400",
};

export function BotStateBadge({ state }: { state: BotState | "unknown" }) {
  const className = state === "unknown" ? NEUTRAL : (STATE_CLASS[state] ?? NEUTRAL);
  return (
    <Badge variant="outline" data-state={state} className={cn("capitalize", className)}>
      {state.replace("_", " ")}
    </Badge>
  );
}
