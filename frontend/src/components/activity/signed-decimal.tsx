import type { ComponentProps } from "react";

import { decimalSign, formatSignedDecimal } from "@/lib/format";
import { cn } from "@/lib/utils";

const SIGN_CLASS = {
  [-1]: "text-red-600 dark:text-red-400",
  0: "text-muted-foreground",
  1: "text-emerald-600 dark:text-emerald-400",
} as const;

/** A PnL figure exactly as the engine sent it, grouped, signed and coloured by sign. */
export function SignedDecimal({
  value,
  className,
  ...props
}: { value: string } & Omit<ComponentProps<"span">, "children">) {
  return (
    <span className={cn("tabular-nums", SIGN_CLASS[decimalSign(value)], className)} {...props}>
      {formatSignedDecimal(value)}
    </span>
  );
}
