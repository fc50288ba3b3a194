import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface ConfigWatcher {
  close(): void;
}

/**
 * Calls `onChange` when the file at `path` may have changed on disk, at most once per `debounceMs`.
 * The directory is watched, not the file: editors save by writing a new file and renaming it over the
 * old one (and Kubernetes swaps a symlink), which a watch on the old file's inode would never see.
 * Whether the text really changed is the caller's business (reading it is cheap).
 */
export function watchConfigFile(path: string, onChange: () => void, debounceMs = 200): ConfigWatcher {
  const file = resolve(path);
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const fire = (): void => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
    timer.unref();
  };
  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      // Some platforms do not say which file; then any change in the directory is worth a look.
      if (changed === null || changed === name || String(changed) === name) fire();
    });
    // A watch that fails later (directory removed) stops quietly: the running config stays.
    watcher.on('error', () => watcher?.close());
  } catch {
    // No watch possible (no inotify left, a directory gone): SIGHUP still reloads in headless modes.
  }
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
