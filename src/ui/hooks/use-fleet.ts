import { useSyncExternalStore } from 'react';
import type { FleetSnapshot } from '../../store/types.js';

export interface SnapshotSource {
  getSnapshot(): FleetSnapshot;
  subscribe(listener: () => void): () => void;
}

/** The fleet snapshot; re-renders only when the store publishes a new one (batched). */
export function useFleetSnapshot(store: SnapshotSource): FleetSnapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}
