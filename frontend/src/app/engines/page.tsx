import type { Metadata } from "next";

import { EnginesSummary } from "@/components/engines/engines-summary";
import { EnginesTable } from "@/components/engines/engines-table";

export const metadata: Metadata = { title: "Engines" };

export default function EnginesPage() {
  return (
    <>
      <EnginesSummary />
      <EnginesTable />
    </>
  );
}
