import type { Metadata } from "next";

import { BotCards } from "@/components/activity/bot-cards";
import { FillsTable } from "@/components/activity/fills-table";

export const metadata: Metadata = { title: "Activity" };

export default function ActivityPage() {
  return (
    <>
      <BotCards />
      <FillsTable />
    </>
  );
}
