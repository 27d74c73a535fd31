import { EnginesSummarySkeleton, EnginesTableSkeleton } from "@/components/engines/engines-skeleton";

export default function EnginesLoading() {
  return (
    <>
      <EnginesSummarySkeleton />
      <EnginesTableSkeleton />
    </>
  );
}
