import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { createInterface, type Interface } from 'node:readline';
import type { Config } from '../config/types.js';
import type { Engine } from '../engine.js';
import { errorCode } from '../error-code.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Monitor } from '../monitor/monitor.js';
import { createStore } from '../store/store.js';
import type { ReplayState } from '../store/types.js';
import { createLineParser, parseHeader, type RecordedLine, type RecordingHeader } from './format.js';
import { RecordingError } from './recorder.js';

/** An opened recording whose header has been read; the rest is read as it is replayed. */
export interface Recording {
  /** As the user named it. */
  file: string;
  header: RecordingHeader;
  /** The recorded config, `source` = `replay:FILE`. */
  config: Config;
  /** Lines after the header, numbered from 2; `undefined` at the end. Rejects on a read error. */
  next(): Promise<string | undefined>;
  close(): void;
}

function openError(file: string, err: unknown): RecordingError {
  const code = errorCode(err);
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory, not a recording'
          : err instanceof Error
            ? err.message
            : String(err);
  return new RecordingError(`${file}: ${why}`);
}

/**
 * Open a recording and read its header. Streams (readline over a read stream), so a large recording
 * is never held in memory. A missing file or a bad header throws a RecordingError (exit 3).
 */
export async function openRecording(file: string): Promise<Recording> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
  } catch (err) {
    throw openError(file, err);
  }
  const input = handle.createReadStream({ encoding: 'utf8' });
  const rl: Interface = createInterface({ input, crlfDelay: Infinity });
  const lines = rl[Symbol.asyncIterator]();
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    rl.close();
    input.destroy();
  };
  const next = async (): Promise<string | undefined> => {
    if (closed) return undefined;
    const r = await lines.next();
    return r.done ? undefined : r.value;
  };
  let first: string | undefined;
  try {
    first = await next();
  } catch (err) {
    close();
    throw openError(file, err);
  }
  if (first === undefined) {
    close();
    throw new RecordingError(`${file}: empty file, not a nexus-top recording`);
  }
  const header = parseHeader(first);
  if (!header.ok) {
    close();
    throw new RecordingError(`${file}:1: ${header.error}`);
  }
  const config: Config = { ...header.value.config, source: `replay:${file}` };
  return { file, header: header.value, config, next, close };
}

/** How a replay ended. */
export interface ReplayEnd {
  /** Played to the end of the file (or to its first bad line); false when stopped before. */
  ended: boolean;
  /** The last line replayed (the header is line 1). */
  lastLine: number;
  /** `FILE:LINE: what is wrong`, when a bad line stopped it. */
  stoppedAt?: string;
}

export interface ReplayEngine extends Engine {
  /** Virtual now (the time in the recording) with real timers; give it to anything that reads time. */
  clock: Clock;
  /** Resolves when the replay reaches its end, a bad line, or is stopped. */
  done: Promise<ReplayEnd>;
  /** The replay's state now (the snapshot's `replay` is the same, up to the store's batching). */
  replayState(): ReplayState;
}

export interface ReplayOptions {
  /** Recording time per real time: 1 = as recorded, 10 = ten times faster; `max` = no waiting at all. */
  speed: number | 'max';
  /** Real time and timers (tests inject a fake); default the system's. */
  realClock?: Clock;
}

/** At max speed, let the event loop breathe (signals, the screen, stdout) every this many lines. */
const LINES_PER_TURN = 500;

/**
 * Drive a fresh store from a recording instead of the network, on a virtual clock: `now()` is the
 * time in the recording (it runs at `speed` while playing, and never passes the next line before that
 * line is applied), timers are real (the store's batching is real-time). The returned monitor is what
 * the dashboard and the CLI drive:
 *   start()                    begin playing
 *   pause()/resume()           pause and resume the replay (store.setReplay().paused; not the store's
 *                              own `paused`, which replays the recorded operator's pause/resume)
 *   setDrained()/toggleDrain() drain in the replayed store (never saved to the drain-state file)
 *   checkNow(), setIntervalMs() nothing to probe and no schedule to change: no-ops
 *   stop()                     stop reading, close the file
 */
export function createReplayEngine(recording: Recording, options: ReplayOptions): ReplayEngine {
  const { file, header, config } = recording;
  const real: Clock = options.realClock ?? {
    now: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
  const speed = options.speed;

  // The virtual clock: anchored at (anchorV, anchorR); flows at `speed` while playing, up to `limit`.
  let anchorV = header.recordedAt;
  let anchorR = real.now();
  let flowing = false;
  let limit = anchorV;
  const vnow = (): number => (flowing && speed !== 'max' ? Math.min(anchorV + (real.now() - anchorR) * speed, Math.max(limit, anchorV)) : anchorV);
  const reanchor = (v = vnow()): void => {
    anchorV = v;
    anchorR = real.now();
  };
  const clock: Clock = { now: vnow, setTimeout: real.setTimeout, clearTimeout: real.clearTimeout };

  const store = createStore(config, { clock });
  // Drains in force when the recording started: applied before anyone listens, as the live engine does.
  for (const name of header.drained) store.setDrained(name, true);
  let state: ReplayState = { file, speed, paused: false, ended: false };
  const setState = (patch: Partial<ReplayState>): void => {
    state = { ...state, ...patch };
    store.setReplay(state);
  };
  store.setReplay(state);
  store.flush();

  const parse = createLineParser(header);
  let lineNo = 1;
  let lastLine = 1;
  type Item = { line: number; value: RecordedLine & { ts: number } } | { end: true } | { bad: string };
  let pending: Item | null = null;

  let started = false;
  let paused = false;
  let stopped = false;
  let finished = false;
  let looping = false;
  let wake: (() => void) | null = null;
  let waitTimer: TimerHandle | undefined;
  let resolveDone: (end: ReplayEnd) => void = () => {};
  const done = new Promise<ReplayEnd>((resolve) => (resolveDone = resolve));

  const interrupt = (): void => {
    if (waitTimer !== undefined) real.clearTimeout(waitTimer);
    waitTimer = undefined;
    const w = wake;
    wake = null;
    w?.();
  };
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      wake = resolve;
      waitTimer = real.setTimeout(() => {
        waitTimer = undefined;
        wake = null;
        resolve();
      }, ms);
    });
  const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  /** Read lines until one that does something, the end, or a bad one. */
  const readItem = async (): Promise<Item> => {
    for (;;) {
      let text: string | undefined;
      try {
        text = await recording.next();
      } catch (err) {
        return { bad: `${file}:${lineNo + 1}: cannot read: ${err instanceof Error ? err.message : String(err)}` };
      }
      if (text === undefined) return { end: true };
      lineNo += 1;
      const parsed = parse(text);
      if (!parsed.ok) return { bad: `${file}:${lineNo}: ${parsed.error}` };
      if (parsed.value.type === 'skip') {
        lastLine = lineNo;
        continue;
      }
      return { line: lineNo, value: parsed.value };
    }
  };

  const apply = (value: RecordedLine & { ts: number }): void => {
    // The store reads the clock for drains, intervals and pauses: it must say exactly the recorded time.
    reanchor(value.ts);
    limit = value.ts;
    switch (value.type) {
      case 'probe':
        store.recordResult(value.result);
        break;
      case 'drain':
      case 'undrain':
        store.setDrained(value.backend, value.type === 'drain');
        break;
      case 'interval':
        store.setIntervalMs(value.toMs);
        break;
      case 'pause':
      case 'resume':
        store.setPaused(value.type === 'pause');
        break;
      case 'gpu':
        store.setGpu(value.state);
        break;
      case 'router':
        store.setRouter(value.view);
        break;
      case 'load':
        store.setLoad(value.reading);
        break;
    }
  };

  const finish = (end: ReplayEnd): void => {
    if (finished) return;
    finished = true;
    reanchor();
    flowing = false;
    recording.close();
    if (end.ended) setState({ ended: true, paused: false, ...(end.stoppedAt ? { stoppedAt: end.stoppedAt } : {}) });
    store.flush();
    resolveDone(end);
  };

  const loop = async (): Promise<void> => {
    if (looping) return;
    looping = true;
    try {
      let turn = 0;
      while (!stopped && !paused && !finished) {
        if (pending === null) {
          const item = await readItem();
          if (stopped) break;
          pending = item;
          if ('line' in item) {
            reanchor();
            limit = item.value.ts;
          }
          continue;
        }
        const item = pending;
        if ('end' in item) {
          finish({ ended: true, lastLine });
          break;
        }
        if ('bad' in item) {
          finish({ ended: true, lastLine, stoppedAt: item.bad });
          break;
        }
        if (speed !== 'max') {
          const waitMs = (item.value.ts - vnow()) / speed;
          if (waitMs >= 1) {
            await sleep(waitMs);
            continue;
          }
        } else if (++turn >= LINES_PER_TURN) {
          turn = 0;
          await breathe();
          continue;
        }
        pending = null;
        apply(item.value);
        lastLine = item.line;
      }
    } finally {
      looping = false;
    }
  };

  const run = (): void => {
    loop().catch((err: unknown) => finish({ ended: true, lastLine, stoppedAt: `${file}:${lineNo}: ${err instanceof Error ? err.message : String(err)}` }));
  };

  let stopping: Promise<void> | undefined;
  const monitor: Monitor = {
    start() {
      if (started || stopped) return;
      started = true;
      reanchor();
      flowing = !paused;
      if (!paused) run();
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        interrupt();
        finish({ ended: false, lastLine });
        store.flush();
        store.close();
      })();
      return stopping;
    },
    checkNow: () => Promise.resolve(),
    setDrained(name, drained) {
      store.setDrained(name, drained);
    },
    toggleDrain(name) {
      const v = store.current(name);
      if (v) store.setDrained(name, !v.drained);
    },
    setIntervalMs() {
      // The recording decides when probes happened; recorded interval changes are replayed as they were.
    },
    pause() {
      if (paused || finished || stopped) return;
      reanchor();
      flowing = false;
      paused = true;
      interrupt();
      setState({ paused: true });
    },
    // A recording's fleet is fixed: nothing to reload.
    reconfigure() {},
    resume() {
      if (!paused || finished || stopped) return;
      paused = false;
      reanchor();
      flowing = started;
      setState({ paused: false });
      if (started) run();
    },
  };

  return {
    config,
    store,
    monitor,
    clock,
    done,
    replayState: () => state,
    close: () => monitor.stop(),
    // The recording's fleet is what it is: there is no file to reload.
    reload: () => {},
  };
}
