import type { EventEnvelope, EventType } from "@/generated/types";
import { eventKey } from "@/lib/events";

const NONE: readonly EventEnvelope[] = Object.freeze([]);

/**
 * The events of a few types received over the socket, newest first, each once
 * (by engineId:seq) and capped per type. Lists are immutable: a type's list is a
 * new array only when an event of that type arrives (useSyncExternalStore-friendly).
 */
export interface LiveEventStore {
  /** Keep the event if its type is tracked; returns whether it was added. */
  push(event: EventEnvelope): boolean;
  /** The kept events of a type, newest first (arrival order). */
  get(type: EventType): readonly EventEnvelope[];
  subscribe(listener: () => void): () => void;
}

export function createLiveEventStore(caps: Partial<Record<EventType, number>>): LiveEventStore {
  const lists = new Map<EventType, readonly EventEnvelope[]>();
  const keys = new Map<EventType, Set<string>>();
  const listeners = new Set<() => void>();

  return {
    push(event) {
      const cap = caps[event.type];
      if (cap === undefined || cap < 1) return false;
      let seen = keys.get(event.type);
      if (seen === undefined) {
        seen = new Set();
        keys.set(event.type, seen);
      }
      const key = eventKey(event);
      if (seen.has(key)) return false;
      const next = [event, ...(lists.get(event.type) ?? NONE)];
      seen.add(key);
      for (const dropped of next.splice(cap)) seen.delete(eventKey(dropped));
      lists.set(event.type, next);
      listeners.forEach((notify) => notify());
      return true;
    },
    get(type) {
      return lists.get(type) ?? NONE;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
