import { BotCardsSkeleton, FillsTableSkeleton } from "@/components/activity/activity-skeleton";
import { ActivitySection } from "@/components/activity/activity-states";

export default function ActivityLoading() {
  return (
    <>
      <ActivitySection id="bots-heading" title="Bots">
        <BotCardsSkeleton />
      </ActivitySection>
      <ActivitySection id="fills-heading" title="Fills">
        <FillsTableSkeleton />
      </ActivitySection>
    </>
  );
}
