/** What a key does. The table below binds keys to these and also renders the footer and the help. */
export type Action =
  | 'up'
  | 'down'
  | 'top'
  | 'bottom'
  | 'page-up'
  | 'page-down'
  | 'check'
  | 'check-all'
  | 'drain'
  | 'interval-up'
  | 'interval-down'
  | 'pause'
  | 'sort'
  | 'filter'
  | 'clear-filter'
  | 'apply-filter'
  | 'detail'
  | 'close'
  | 'help'
  | 'events'
  | 'events-only'
  | 'gpu-panel'
  | 'quit';

export type ModeKind = 'table' | 'detail' | 'events' | 'help' | 'filter';

export interface Binding {
  /** Key names as keys.ts produces them: a character, or `up`, `down`, `pageup`, `pagedown`, `return`, `escape`, `ctrl+c`. */
  keys: readonly string[];
  action: Action;
  /** How the help overlay describes it. */
  help: string;
  /** Short label for the footer; bindings without one appear only in the help. */
  hint?: string;
}

const quit: Binding[] = [
  { keys: ['q'], action: 'quit', help: 'quit', hint: 'quit' },
  { keys: ['ctrl+c'], action: 'quit', help: 'quit' },
];

export const KEYMAP: Record<ModeKind, readonly Binding[]> = {
  table: [
    { keys: ['up', 'k'], action: 'up', help: 'select the row above', hint: 'move' },
    { keys: ['down', 'j'], action: 'down', help: 'select the row below' },
    { keys: ['g'], action: 'top', help: 'select the first row' },
    { keys: ['G'], action: 'bottom', help: 'select the last row' },
    { keys: ['pageup'], action: 'page-up', help: 'one page up' },
    { keys: ['pagedown'], action: 'page-down', help: 'one page down' },
    { keys: ['return'], action: 'detail', help: 'details of the selected backend', hint: 'details' },
    { keys: ['r'], action: 'check', help: 'check the selected backend now', hint: 'check' },
    { keys: ['R'], action: 'check-all', help: 'check every backend now' },
    { keys: ['d'], action: 'drain', help: 'drain / undrain the selected backend', hint: 'drain' },
    { keys: ['e'], action: 'events', help: 'event log (newest first)', hint: 'events' },
    { keys: ['+'], action: 'interval-up', help: 'probe less often (longer interval)', hint: 'interval' },
    { keys: ['-'], action: 'interval-down', help: 'probe more often (shorter interval)' },
    { keys: ['p'], action: 'pause', help: 'pause / resume probing', hint: 'pause' },
    { keys: ['s'], action: 'sort', help: 'sort: name/status/latency/change/load', hint: 'sort' },
    { keys: ['/'], action: 'filter', help: 'filter by name, type or status', hint: 'filter' },
    { keys: ['escape'], action: 'clear-filter', help: 'clear the filter' },
    { keys: ['?'], action: 'help', help: 'all keys', hint: 'help' },
    ...quit,
    // Last: the keys a person needs first stay on an 80x24 help screen.
    { keys: ['u'], action: 'gpu-panel', help: 'GPU panel on/off' },
  ],
  detail: [
    { keys: ['escape', 'return'], action: 'close', help: 'back to the table', hint: 'back' },
    { keys: ['r'], action: 'check', help: 'check this backend now', hint: 'check' },
    { keys: ['d'], action: 'drain', help: 'drain / undrain this backend', hint: 'drain' },
    { keys: ['e'], action: 'events', help: 'event log', hint: 'events' },
    { keys: ['up', 'k'], action: 'up', help: 'previous backend', hint: 'prev/next' },
    { keys: ['down', 'j'], action: 'down', help: 'next backend' },
    { keys: ['?'], action: 'help', help: 'all keys', hint: 'help' },
    ...quit,
  ],
  events: [
    { keys: ['escape', 'e'], action: 'close', help: 'close the event log', hint: 'back' },
    { keys: ['f'], action: 'events-only', help: 'only the selected backend / all', hint: 'only selected' },
    { keys: ['up', 'k'], action: 'up', help: 'scroll to newer events', hint: 'scroll' },
    { keys: ['down', 'j'], action: 'down', help: 'scroll to older events' },
    { keys: ['pageup'], action: 'page-up', help: 'one page newer' },
    { keys: ['pagedown'], action: 'page-down', help: 'one page older' },
    { keys: ['?'], action: 'help', help: 'all keys', hint: 'help' },
    ...quit,
  ],
  help: [
    { keys: ['escape', '?', 'q', 'return'], action: 'close', help: 'close the help', hint: 'close' },
    { keys: ['up', 'k'], action: 'up', help: 'scroll up', hint: 'scroll' },
    { keys: ['down', 'j'], action: 'down', help: 'scroll down' },
    { keys: ['pageup'], action: 'page-up', help: 'one page up' },
    { keys: ['pagedown'], action: 'page-down', help: 'one page down' },
    { keys: ['ctrl+c'], action: 'quit', help: 'quit' },
  ],
  filter: [
    { keys: ['return'], action: 'apply-filter', help: 'keep the filter', hint: 'apply' },
    { keys: ['escape'], action: 'clear-filter', help: 'clear the filter', hint: 'clear' },
    { keys: ['ctrl+c'], action: 'quit', help: 'quit' },
  ],
};

/** The action bound to a key in a mode, if any. */
export function resolveKey(mode: ModeKind, key: string): Action | undefined {
  return KEYMAP[mode].find((b) => b.keys.includes(key))?.action;
}

/** How a key name is shown to a person. */
export function keyLabel(key: string, unicode: boolean): string {
  const names: Record<string, [string, string]> = {
    up: ['↑', 'Up'],
    down: ['↓', 'Down'],
    pageup: ['PgUp', 'PgUp'],
    pagedown: ['PgDn', 'PgDn'],
    return: ['Enter', 'Enter'],
    escape: ['Esc', 'Esc'],
    'ctrl+c': ['Ctrl-C', 'Ctrl-C'],
  };
  const n = names[key];
  return n ? n[unicode ? 0 : 1] : key;
}
