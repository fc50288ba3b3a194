import { closeSync, createWriteStream, fstatSync, openSync, type WriteStream } from 'node:fs';
import type { Config } from '../config/types.js';
import type { Engine } from '../engine.js';
import { errorCode } from '../error-code.js';
import type { FleetStore } from '../store/store.js';
import { routerLineJson } from './router-line.js';
import { gpuLineJson, headerJson, loadLineJson, probeJson, recordedEventJson } from './format.js';

/** A problem with a recording file the user named: one line on stderr, exit 3 (like a config error). */
export class RecordingError extends Error {
  override name = 'RecordingError';
}

function describeFsError(err: unknown): string {
  switch (errorCode(err)) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'read-only file system';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Open FILE for a new recording, before anything is probed (so a bad path is a usage error).
 * A recording is one session: a new or empty file is used; an existing non-empty regular file is
 * refused rather than appended to, because two sessions in one file (different configs, the demo
 * fleet on other ports, time jumping back) would not replay as either. Devices and pipes
 * (`--record /dev/stdout`) are written to as they are.
 */
export function openRecordFile(file: string): number {
  try {
    return openSync(file, 'wx');
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw new RecordingError(`--record: ${file}: ${describeFsError(err)}`);
  }
  let fd: number;
  try {
    fd = openSync(file, 'a');
  } catch (err) {
    throw new RecordingError(`--record: ${file}: ${describeFsError(err)}`);
  }
  const stat = fstatSync(fd);
  if (stat.isFile() && stat.size > 0) {
    closeSync(fd);
    throw new RecordingError(`--record: ${file} already exists; a recording is never appended to or overwritten (remove it or name a new file)`);
  }
  return fd;
}

export interface Recorder {
  /** Stop listening, write what is pending, close the file. Idempotent; never rejects. */
  close(): Promise<void>;
}

export interface RecorderOptions {
  /** nexus-top's version, for the header. */
  version: string;
  /** Epoch ms now, for the header's `recorded_at`. */
  now: () => number;
  /** A write error, said once; recording stops, the rest of nexus-top goes on. */
  onError: (message: string) => void;
}

/**
 * Record every probe result the store takes, and the operator's actions, to an open file (see
 * src/record/format.ts). Attach it before the engine starts so nothing is missed; the header is
 * written at once, with the backends drained at that moment.
 */
export function createRecorder(fd: number, file: string, store: FleetStore, config: Config, options: RecorderOptions): Recorder {
  const stream: WriteStream = createWriteStream('', { fd, flags: 'a', autoClose: true });
  let failed = false;
  stream.on('error', (err) => {
    if (failed) return;
    failed = true;
    detach();
    options.onError(`--record: ${file}: ${describeFsError(err)}; recording stopped`);
  });
  const write = (line: object): void => {
    if (!failed) stream.write(`${JSON.stringify(line)}\n`);
  };

  const drained = config.backends.filter((b) => store.current(b.name)?.drained).map((b) => b.name);
  write(headerJson(config, { version: options.version, recordedAt: options.now(), drained }));

  // The last model list written per backend: a list is written only when it changes.
  const lastModels = new Map<string, readonly string[]>();
  const offResult = store.onResult((result) => {
    write(probeJson(result, lastModels.get(result.backend)));
    if (result.outcome === 'ok' && result.models !== null) lastModels.set(result.backend, result.models);
  });
  const offEvent = store.onEvent((event) => {
    const line = recordedEventJson(event);
    if (line) write(line);
  });
  const offGpu = store.onGpu((state) => write(gpuLineJson(state)));
  const offRouter = store.onRouter((view) => {
    const line = view === null ? null : routerLineJson(view);
    if (line) write(line);
  });
  const offLoad = store.onLoad((reading) => write(loadLineJson(reading)));
  const detach = (): void => {
    offResult();
    offEvent();
    offGpu();
    offRouter();
    offLoad();
  };

  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        detach();
        if (stream.destroyed || stream.closed) return resolve();
        stream.once('close', () => resolve());
        stream.end();
      })),
  };
}

/** The engine with a recorder attached: closing it stops the engine first, then closes the file. */
export function withRecorder(engine: Engine, recorder: Recorder): Engine {
  let closing: Promise<void> | undefined;
  return {
    ...engine,
    close: () => (closing ??= engine.close().finally(() => recorder.close())),
  };
}
