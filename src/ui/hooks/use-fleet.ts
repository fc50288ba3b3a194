import { useMemo, useSyncExternalStore } from 'react';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { FleetSnapshot } from '../../store/types.js';

export interface SnapshotSource {
  getSnapshot(): FleetSnapshot;
  subscribe(listener: () => void): () => void;
}

/** The fleet as the screen shows it: the store's snapshots, paced (see pacedSource). */
export interface PacedSource extends SnapshotSource {
  /**
   * A key was pressed: show the store's latest snapshot now (with whatever the key changes on screen), and
   * let the next change the store publishes through at once too (what the key asked for: a drain, a check).
   */
  keyPressed(): void;
}

/** How often the screen may follow the fleet; time comes from the clock (injected, so tests run on a fake one). */
export interface Pace {
  clock: Clock;
  ms: number;
}

/**
 * The store's snapshots at most once per `ms`: the first change after a quiet spell is shown at once, the
 * changes that follow within `ms` are gathered into one update at the end of it, so the last state always
 * shows within `ms`. A fleet probed continually (200 backends spread over a second) publishes every few
 * milliseconds; each update is a whole frame for Ink to build (every line tokenized and measured again), so
 * this caps the frames the fleet causes, and what is written to the terminal between them, to a few a second.
 * Keys are not paced: the view state they change re-renders at once (and keyPressed brings the fleet up to date).
 *
 * The store is only read in getSnapshot (where React reads it), so an error there is a render error, as before.
 */
export function pacedSource(store: SnapshotSource, { clock, ms }: Pace): PacedSource {
  let held: FleetSnapshot | undefined;
  /** The store has published since `held` was read. */
  let stale = true;
  let shownAt = -Infinity;
  let expedite = false;
  let timer: TimerHandle | undefined;
  const listeners = new Set<() => void>();
  let unsubscribe: (() => void) | undefined;

  const show = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    shownAt = clock.now();
    stale = true;
    for (const listener of [...listeners]) listener();
  };
  const published = (): void => {
    if (expedite) {
      expedite = false;
      return show();
    }
    if (timer !== undefined) return;
    const wait = shownAt + ms - clock.now();
    if (wait <= 0) show();
    else timer = clock.setTimeout(show, wait);
  };
  return {
    getSnapshot() {
      if (stale || held === undefined) {
        held = store.getSnapshot();
        stale = false;
      }
      return held;
    },
    subscribe(listener) {
      listeners.add(listener);
      if (unsubscribe === undefined) {
        unsubscribe = store.subscribe(published);
        // Whatever the store published before this (since the first render) is read when React checks.
        stale = true;
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size > 0) return;
        unsubscribe?.();
        unsubscribe = undefined;
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = undefined;
      };
    },
    keyPressed() {
      expedite = true;
      show();
    },
  };
}

/** The fleet snapshot; re-renders when the store publishes a new one (batched by the store, paced when `pace` is given). */
export function useFleetSnapshot(store: SnapshotSource, pace?: Pace): { snapshot: FleetSnapshot; source: SnapshotSource; keyPressed: () => void } {
  const clock = pace?.clock;
  const ms = pace?.ms ?? 0;
  const paced = useMemo(() => (clock && ms > 0 ? pacedSource(store, { clock, ms }) : undefined), [store, clock, ms]);
  const source = paced ?? store;
  const snapshot = useSyncExternalStore(source.subscribe, source.getSnapshot);
  return { snapshot, source, keyPressed: paced ? paced.keyPressed : noop };
}

const noop = (): void => {};
