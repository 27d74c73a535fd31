"use client";

import { EnginesSummarySkeleton } from "@/components/engines/engines-skeleton";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { useEngines } from "@/hooks/use-engines";

function SummaryCard({ label, value }: { label: string; value: string }) {
  return (
    <Card className="gap-3">
      <CardHeader>
        <CardDescription>{label}</CardDescription>
      </CardHeader>
      <CardContent>
        <CardTitle className="text-2xl tabular-nums">{value}</CardTitle>
      </CardContent>
    </Card>
  );
}

/** Headline figures over all engines. */
export function EnginesSummary() {
  const { data, isPending } = useEngines();
  if (isPending) return <EnginesSummarySkeleton />;

  const engines = data?.items ?? [];
  const running = engines.filter((engine) => engine.status === "running").length;
  const bots = engines.reduce((sum, engine) => sum + (engine.activeBots ?? 0), 0);
  const show = (n: number) => (data === undefined ? "—" : String(n));

  return (
    <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
      <SummaryCard label="Engines" value={show(engines.length)} />
      <SummaryCard label="Running" value={show(running)} />
      <SummaryCard label="Active bots" value={show(bots)} />
    </div>
  );
}
