import { Badge } from "@/components/ui/badge";
import type { OrderSide } from "@/generated/types";
import { cn } from "@/lib/utils";

const SIDE_CLASS: Record<OrderSide, string> = {
  buy: "border-transparent bg-emerald-500/15 text-emerald-700 dark:text-emerald-400",
  sell: "border-transparent bg-red-500/15 text-red-700 dark:text-red-400",
};

export function SideBadge({ side }: { side: OrderSide }) {
  return (
    <Badge variant="outline" data-side={side} className={cn("uppercase", SIDE_CLASS[side])}>
      {side}
    </Badge>
  );
}

/** Paper (simulated) or live execution. */
export function PaperBadge({ paper }: { paper: boolean }) {
  return paper ? (
    <Badge variant="outline" data-paper="true" className="border-dashed">
      Paper
    </Badge>
  ) : (
    <Badge variant="secondary" data-paper="false">
      Live
    </Badge>
  );
}
