/**
 * Drive the built binary in a real terminal: a private tmux server per Tmux instance
 * (its own socket in its own temp dir, no user config), one detached session running one command.
 *
 * The pane runs `sh run.sh`, which starts the command (writing its pid to a file first), then prints
 * `EXIT=<code>` and `TTY: icanon echo` (the terminal modes left behind) and stays alive (`exec sleep 600`),
 * so the exit code and the restored screen can be read.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import stringWidth from 'string-width';
import { CLI, ROOT } from './run-cli.js';

const run = promisify(execFile);

export { CLI, ROOT };

export interface StartOptions {
  /** Terminal size (used by withTerminal; a Tmux gets its size when constructed). */
  cols?: number;
  rows?: number;
  /** Arguments for `node dist/cli.js`. */
  args: string[];
  /**
   * The program's whole environment is built here (`env -i`): CI, FORCE_COLOR, NO_COLOR, LC_ALL, TMUX… of
   * the test runner never leak in. Defaults: PATH, HOME/XDG_* in a fresh temp dir, LANG=C.UTF-8,
   * TERM=xterm-256color. A value of `undefined` removes a default.
   */
  env?: Record<string, string | undefined>;
  /** Shell text after the command, e.g. `| cat`. */
  suffix?: string;
  /**
   * Run the command as an interactive shell would: as a job in its own process group in the foreground
   * (`set -m`), so a Ctrl-C the terminal turns into SIGINT reaches the program only; and the shell
   * outlives a job that SIGINT ended (`trap : INT`; a script shell would end itself too), so it still
   * prints `EXIT=130`.
   */
  jobControl?: boolean;
}

export interface Screen {
  /** The pane's lines (trailing blank lines kept: the pane is `rows` lines tall). */
  lines: string[];
  text: string;
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const SESSION = 'e2e';

export class Tmux {
  readonly socket: string;
  /** A temp dir of this terminal: HOME, XDG_* and the pid file live here. */
  readonly dir: string;
  readonly cols: number;
  readonly rows: number;
  /** The environment the program was started with. */
  env: Record<string, string> = {};
  private readonly conf: string;
  private started = false;

  constructor(name: string, options: { cols?: number; rows?: number } = {}) {
    this.cols = options.cols ?? 100;
    this.rows = options.rows ?? 30;
    this.dir = mkdtempSync(join(tmpdir(), `nexus-top-e2e-${name}-`));
    // A private server on a socket of its own (`-S`, like `-L NAME` but inside our temp dir, so it goes with it):
    // nothing collides with other tests or a developer's tmux, and no socket file is left in /tmp/tmux-UID.
    this.socket = join(this.dir, 'tmux.sock');
    this.conf = join(this.dir, 'tmux.conf');
    // No status line: the pane is exactly cols × rows. Nothing from the user's ~/.tmux.conf.
    writeFileSync(this.conf, 'set -g status off\nset -g history-limit 0\n');
  }

  /** HOME, XDG_STATE_HOME, XDG_CONFIG_HOME of this terminal's runs. */
  get sandboxEnv(): Record<string, string> {
    return { HOME: join(this.dir, 'home'), XDG_STATE_HOME: join(this.dir, 'state'), XDG_CONFIG_HOME: join(this.dir, 'config') };
  }

  get pidFile(): string {
    return join(this.dir, 'pid');
  }

  /** tmux with this server's socket and no config but ours; the client itself gets a sane environment. */
  async tmux(...args: string[]): Promise<string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !['TMUX', 'TMUX_PANE', 'LC_ALL', 'LC_CTYPE'].includes(k)) env[k] = v;
    // The server starts with the first client's environment: a UTF-8 locale and a terminal type, whatever the runner has.
    env.TERM ??= 'xterm-256color';
    env.LANG = 'C.UTF-8';
    const { stdout } = await run('tmux', ['-u', '-S', this.socket, '-f', this.conf, ...args], { env, encoding: 'utf8', timeout: 10_000 });
    return stdout;
  }

  /** Start `node dist/cli.js ARGS` in a new detached session. */
  async start(options: StartOptions): Promise<void> {
    if (this.started) throw new Error('tmux: already started');
    this.started = true;
    for (const d of Object.values(this.sandboxEnv)) mkdirSync(d, { recursive: true });
    const merged: Record<string, string | undefined> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      ...this.sandboxEnv,
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
      ...options.env,
    };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(merged)) if (v !== undefined) env[k] = v;
    this.env = env;
    const argv = [process.execPath, CLI, ...options.args];
    const script = join(this.dir, 'run.sh');
    writeFileSync(
      script,
      [
        ...(options.jobControl ? ['set -m', 'trap : INT'] : []),
        // The inner sh writes its own pid, then becomes node: the pid file holds node's pid.
        `sh -c 'echo $$ > "$0"; exec "$@"' ${shQuote(this.pidFile)} ${argv.map(shQuote).join(' ')}${options.suffix ? ` ${options.suffix}` : ''}`,
        'code=$?',
        'echo "EXIT=$code"',
        // The terminal modes the program left behind (a usable shell has icanon and echo back on).
        `echo "TTY: $(stty -a 2>/dev/null | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' ')"`,
        'exec sleep 600',
        '',
      ].join('\n'),
    );
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    await this.tmux(
      'new-session', '-d', '-s', SESSION, '-x', String(this.cols), '-y', String(this.rows), '-c', this.dir,
      '--', '/usr/bin/env', '-i', ...envArgs, '/bin/sh', script,
    );
  }

  /** The pane as a person sees it; `escapes` keeps colours and attributes (`capture-pane -e`). */
  async capture(options: { escapes?: boolean } = {}): Promise<Screen> {
    const text = await this.tmux('capture-pane', '-p', ...(options.escapes ? ['-e'] : []), '-t', SESSION);
    const lines = text.replace(/\n$/, '').split('\n');
    return { lines, text: lines.join('\n') };
  }

  /** Named keys (`Enter`, `Escape`, `C-c`, `Up`…) or single characters. */
  async keys(...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', SESSION, ...keys);
  }

  /** Literal text, sent as typed (tmux sends it as one chunk). */
  async type(text: string): Promise<void> {
    await this.tmux('send-keys', '-t', SESSION, '-l', text);
  }

  /**
   * Paste `text` as a terminal would (`paste-buffer -p`): wrapped in the bracketed-paste markers
   * (`ESC[200~` … `ESC[201~`) if, and only if, the program in the pane turned bracketed paste mode on.
   */
  async paste(text: string): Promise<void> {
    await this.tmux('set-buffer', '-b', 'e2e', '--', text);
    await this.tmux('paste-buffer', '-p', '-d', '-b', 'e2e', '-t', SESSION);
  }

  /**
   * Whether the terminal is in bracketed paste mode, seen from the outside: once the program has ended
   * (the pane's shell sleeps, in line mode with echo), a paste echoes with its markers (`^[[200~`) only if
   * that mode was left on. Pastes a word and waits for its echo.
   */
  async pasteEchoesMarkers(timeoutMs = 10_000): Promise<boolean> {
    const word = 'pasteprobe';
    await this.paste(word);
    const s = await this.waitForText(word, timeoutMs);
    return s.text.includes('[200~');
  }

  /** `display -p FORMAT`, e.g. `#{cursor_flag} #{alternate_on} #{pane_title}`. */
  async display(format: string): Promise<string> {
    return (await this.tmux('display', '-p', '-t', SESSION, format)).replace(/\n$/, '');
  }

  /** Cursor visible, alternate screen on, pane title. */
  async paneState(): Promise<{ cursorVisible: boolean; alternateOn: boolean; title: string }> {
    const [cursor, alt, ...title] = (await this.display('#{cursor_flag} #{alternate_on} #{pane_title}')).split(' ');
    return { cursorVisible: cursor === '1', alternateOn: alt === '1', title: title.join(' ') };
  }

  /**
   * Poll the pane every ~50 ms until `predicate` holds; returns that screen. On timeout, throws with
   * `what` and the last screen in the message.
   */
  async waitForScreen(predicate: (screen: Screen) => boolean, timeoutMs = 10_000, what = 'the expected screen', options: { escapes?: boolean } = {}): Promise<Screen> {
    const deadline = Date.now() + timeoutMs;
    let last: Screen | undefined;
    let error: unknown;
    for (;;) {
      try {
        last = await this.capture(options);
        if (predicate(last)) return last;
      } catch (err) {
        error = err;
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const shown = last ? last.lines.map((l) => `|${l}`).join('\n') : `(no screen: ${String(error)})`;
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last screen (${this.cols}x${this.rows}):\n${shown}`);
  }

  /** Wait until the text appears anywhere on the screen. */
  waitForText(text: string | RegExp, timeoutMs = 10_000): Promise<Screen> {
    const test = (s: Screen): boolean => (typeof text === 'string' ? s.text.includes(text) : text.test(s.text));
    return this.waitForScreen(test, timeoutMs, JSON.stringify(String(text)));
  }

  /** The program's pid (node itself), once it has started. */
  async pid(timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (existsSync(this.pidFile)) {
        const pid = Number.parseInt(readFileSync(this.pidFile, 'utf8').trim(), 10);
        if (Number.isInteger(pid) && pid > 0) return pid;
      }
      if (Date.now() > deadline) throw new Error(`no pid in ${this.pidFile} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Wait for the program to exit and the shell to print `EXIT=<code>`; returns the code. */
  async waitForExit(timeoutMs = 10_000): Promise<{ code: number; tty: string[]; screen: Screen }> {
    const screen = await this.waitForScreen((s) => /^EXIT=\d+\n(.*\n)*TTY:/m.test(s.text), timeoutMs, 'EXIT=<code> after the program ended');
    const tty = (/^TTY:(.*)$/m.exec(screen.text)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
    return { code: Number(/^EXIT=(\d+)$/m.exec(screen.text)![1]), tty, screen };
  }

  /** Kill the tmux server (and, should it survive, the program); remove the temp dir. Safe to call twice. */
  async kill(): Promise<void> {
    let pid: number | undefined;
    try {
      if (existsSync(this.pidFile)) pid = Number.parseInt(readFileSync(this.pidFile, 'utf8').trim(), 10) || undefined;
    } catch {
      // no pid
    }
    try {
      await this.tmux('kill-server');
    } catch {
      // not running (never started, or already killed)
    }
    if (pid !== undefined && alive(pid)) {
      // The pty's hang-up makes it shut down, but that can take a second or two (probes in flight): don't wait for it.
      const deadline = Date.now() + 300;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (alive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const live = new Set<Tmux>();

/**
 * Start `node dist/cli.js` in a fresh terminal, run `fn`, and kill the terminal whatever happens.
 * `name` only makes the socket and temp dir recognisable.
 */
export async function withTerminal<T>(
  name: string,
  options: StartOptions & { cols?: number; rows?: number },
  fn: (t: Tmux) => Promise<T>,
): Promise<T> {
  const t = new Tmux(name, { ...(options.cols ? { cols: options.cols } : {}), ...(options.rows ? { rows: options.rows } : {}) });
  live.add(t);
  try {
    await t.start(options);
    return await fn(t);
  } finally {
    live.delete(t);
    await t.kill();
  }
}

/** For afterAll: kill every terminal still running (a test that timed out mid-way). */
export async function killAllTerminals(): Promise<void> {
  const all = [...live];
  live.clear();
  await Promise.all(all.map((t) => t.kill()));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Columns a captured line (no escapes) takes on the screen. */
export function displayWidth(line: string): number {
  return stringWidth(line);
}
