import { Box } from 'ink';
import React, { useMemo, useReducer, useRef } from 'react';
import type { AppMeta, FleetActions } from './actions.js';
import { BackendTable } from './components/backend-table.js';
import { DetailPane } from './components/detail-pane.js';
import { EventLog } from './components/event-log.js';
import { Footer } from './components/footer.js';
import { Header } from './components/header.js';
import { HelpOverlay, helpScrollMax } from './components/help-overlay.js';
import { ScreenContext } from './screen-context.js';
import { Line } from './components/line.js';
import { eventScrollMax, eventsShown } from './events.js';
import { stepInterval } from './format.js';
import { useFleetSnapshot, type Pace, type SnapshotSource } from './hooks/use-fleet.js';
import { useKeys } from './hooks/use-keys.js';
import { useTerminalSize, type TerminalSize } from './hooks/use-terminal-size.js';
import type { KeyEvent } from './keys.js';
import { resolveKey, type Action } from './keymap.js';
import { layoutColumns, sameColumns } from './layout.js';
import { gpuPanelLines } from './gpu-panel.js';
import { bannerSegment, bodyHeights } from './lines.js';
import { initialView, scrollOffset, selectedIndex, viewReducer, visibleRows, type ViewEvent, type ViewState } from './state/view-state.js';
import type { Theme } from './theme.js';

export interface AppProps {
  store: SnapshotSource;
  actions: FleetActions;
  meta: AppMeta;
  theme: Theme;
  /** Fixed size (tests); otherwise the terminal's, following resizes. */
  size?: TerminalSize;
  /** A one-line notice shown above the footer (e.g. a state-file warning). */
  notice?: string;
  /** Follow the fleet at most once per `pace.ms` (keys still render at once); every publish when absent. */
  pace?: Pace;
}

/** Table rows the GPU panel must leave; on a smaller terminal it is hidden. */
const MIN_TABLE_ROWS = 6;

export function App({ store: live, actions, meta, theme, size, notice, pace }: AppProps) {
  const { snapshot, source: store, keyPressed } = useFleetSnapshot(live, pace);
  const terminal = useTerminalSize();
  const { columns: width, rows: height } = size ?? terminal;
  const screen = useMemo(() => ({ width, theme }), [width, theme]);
  // Several keys can arrive in one read (fast typing, a paste, a chunk from tmux or SSH): the view state
  // lives in a ref that each key updates at once, so the next key acts on it; the reducer only triggers
  // the re-render (React batches those of one read into one).
  const viewRef = useRef<ViewState>(initialView);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const dispatch = (event: ViewEvent): void => {
    const next = viewReducer(viewRef.current, event);
    if (next !== viewRef.current) {
      viewRef.current = next;
      rerender();
    }
  };
  const view = viewRef.current;
  const rows = useMemo(() => visibleRows(snapshot.backends, view.sort, view.filter), [snapshot.backends, view.sort, view.filter]);
  const laid = useMemo(() => layoutColumns(width, snapshot.backends, theme), [width, snapshot.backends, theme]);
  // The same layout as before stays the same object, so rows drawn for it are not worked out again.
  const columnsRef = useRef(laid);
  if (columnsRef.current !== laid && !sameColumns(columnsRef.current, laid)) columnsRef.current = laid;
  const columns = columnsRef.current;

  // The frame stays at least one row shorter than the terminal (bodyHeights), or Ink would clear it on every update.
  const banner = bannerSegment(snapshot.configProblem, notice, width, theme);
  // The router's line in the header (when one is configured) takes a row from the body.
  const routerRows = snapshot.router ? 1 : 0;
  const gpuLines = view.gpuPanel && snapshot.gpu ? gpuPanelLines(snapshot.gpu, snapshot.at, width, theme) : [];
  // The panel only where the table keeps MIN_TABLE_ROWS rows beside it: the backends come first.
  const panel = gpuLines.length > 0 && bodyHeights(height - routerRows - gpuLines.length, banner !== undefined).tableHeight >= MIN_TABLE_ROWS ? gpuLines : [];
  const { bodyHeight, tableHeight } = bodyHeights(height - routerRows - panel.length, banner !== undefined);
  const index = selectedIndex(rows, view.selected);
  const selected = rows[index];
  const offsetRef = useRef(0);
  const offset = scrollOffset(offsetRef.current, index, tableHeight, rows.length);
  offsetRef.current = offset;

  const act = (action: Action): void => {
    // Read everything from the latest state, not from this render's closure.
    const current = viewRef.current;
    const rows = visibleRows(store.getSnapshot().backends, current.sort, current.filter);
    const name = rows[selectedIndex(rows, current.selected)]?.name;
    const snapshot = store.getSnapshot();
    if (current.mode.kind === 'help' || current.mode.kind === 'events') {
      // In the help and the event log, movement keys scroll it.
      // A page: the help's lines, or the log's lines less one, so that a line of context stays in view.
      const page = current.mode.kind === 'help' ? bodyHeight - 1 : Math.max(1, bodyHeight - 3);
      const by = { up: -1, down: 1, 'page-up': -page, 'page-down': page, top: -Infinity, bottom: Infinity }[action as string];
      if (by !== undefined && current.mode.kind === 'help') return dispatch({ type: 'help-scroll', by, max: helpScrollMax(theme, bodyHeight, meta.gpuNote) });
      if (by !== undefined && current.mode.kind === 'events') {
        const count = eventsShown(snapshot.events, current.mode.only).length;
        return dispatch({ type: 'events-scroll', by, max: eventScrollMax(count, bodyHeight) });
      }
    }
    switch (action) {
      case 'up':
        return dispatch({ type: 'move', by: -1, rows });
      case 'down':
        return dispatch({ type: 'move', by: 1, rows });
      case 'top':
        return dispatch({ type: 'move-to', index: 0, rows });
      case 'bottom':
        return dispatch({ type: 'move-to', index: rows.length - 1, rows });
      case 'page-up':
        return dispatch({ type: 'move', by: -tableHeight, rows });
      case 'page-down':
        return dispatch({ type: 'move', by: tableHeight, rows });
      case 'check':
        if (name) actions.checkNow(name);
        return;
      case 'check-all':
        return actions.checkNow();
      case 'drain':
        if (name) actions.toggleDrain(name);
        return;
      case 'interval-up':
        return actions.setIntervalMs(stepInterval(snapshot.intervalMs, 1));
      case 'interval-down':
        return actions.setIntervalMs(stepInterval(snapshot.intervalMs, -1));
      case 'pause':
        // In a replay the recording's own pause state is the one `p` toggles.
        return actions.setPaused(!(snapshot.replay ? snapshot.replay.paused : snapshot.paused));
      case 'sort':
        return dispatch({ type: 'cycle-sort' });
      case 'filter':
        return dispatch({ type: 'filter-edit', draft: current.filter });
      case 'clear-filter':
        return dispatch({ type: 'filter-clear' });
      case 'apply-filter':
        return dispatch({ type: 'filter-apply' });
      case 'detail':
        if (name) dispatch({ type: 'open', mode: { kind: 'detail' } });
        return;
      case 'close':
        return dispatch({ type: 'close' });
      case 'help': {
        const m = current.mode;
        return dispatch({ type: 'open', mode: { kind: 'help', back: m.kind === 'detail' || m.kind === 'events' ? m : { kind: 'table' }, offset: 0 } });
      }
      case 'events':
        return dispatch({ type: 'open', mode: { kind: 'events', back: current.mode.kind === 'detail' ? 'detail' : 'table', only: null, offset: 0 } });
      case 'events-only':
        return dispatch({ type: 'events-only', name: name ?? null });
      case 'gpu-panel':
        return dispatch({ type: 'toggle-gpu-panel' });
      case 'quit':
        return actions.quit();
    }
  };

  /** One key (or paste) as if it had come alone; false once it quit (nothing after it acts). */
  const press = (event: KeyEvent): boolean => {
    const mode = viewRef.current.mode;
    if (event.kind === 'paste') {
      // Pasted text is never a command: it goes into the filter (the table opens it, as `/` would).
      if (mode.kind === 'filter') dispatch({ type: 'filter-edit', draft: mode.draft + event.text });
      else if (mode.kind === 'table') dispatch({ type: 'filter-edit', draft: viewRef.current.filter + event.text });
      return true;
    }
    const action = resolveKey(mode.kind, event.name);
    if (action) {
      act(action);
      return action !== 'quit';
    }
    if (mode.kind === 'filter') {
      const draft = mode.draft;
      if (event.name === 'backspace' || event.name === 'delete') dispatch({ type: 'filter-edit', draft: Array.from(draft).slice(0, -1).join('') });
      // Printable text only (keys.ts): an escape sequence or a control character never ends up in the filter.
      else if (event.text) dispatch({ type: 'filter-edit', draft: draft + event.text });
    }
    return true;
  };

  useKeys((events) => {
    // A key shows the fleet as it is now, not as it was at the last paced update.
    keyPressed();
    for (const event of events) if (!press(event)) break;
  });

  const mode = view.mode.kind;
  let body: React.ReactNode;
  if (view.mode.kind === 'help') body = <HelpOverlay theme={theme} height={bodyHeight} width={width} offset={view.mode.offset} {...(meta.gpuNote ? { gpuNote: meta.gpuNote } : {})} />;
  else if (view.mode.kind === 'events') body = <EventLog events={snapshot.events} only={view.mode.only} offset={view.mode.offset} height={bodyHeight} theme={theme} />;
  else if (mode === 'detail' && selected) body = <DetailPane backend={selected} now={snapshot.at} theme={theme} height={bodyHeight} gpu={snapshot.gpu} router={snapshot.router} {...(meta.gpuNote ? { gpuNote: meta.gpuNote } : {})} />;
  else body = <BackendTable rows={rows} columns={columns} selectedIndex={index} offset={offset} height={tableHeight} now={snapshot.at} theme={theme} />;

  return (
    <ScreenContext.Provider value={screen}>
    <Box flexDirection="column" width={width}>
      <Header snapshot={snapshot} meta={meta} theme={theme} sort={view.sort} filter={view.filter} />
      {panel.map((segments, i) => (
        <Line key={`gpu${i}`} segments={segments} />
      ))}
      {/* Clipped in height only: every line is already cut to the width (Line), and a horizontal clip would
          make Ink slice every line of the body again on every frame. */}
      <Box flexDirection="column" height={bodyHeight} overflowY="hidden">
        {body}
      </Box>
      {banner ? <Line segments={[banner]} /> : null}
      <Footer mode={mode} draft={view.mode.kind === 'filter' ? view.mode.draft : ''} theme={theme} />
    </Box>
    </ScreenContext.Provider>
  );
}
