/**
 * Which backend a GPU process serves (pure; the reading of /proc is the shell's). A GPU process belongs to
 * the backend whose URL is on this host and whose port the process, or one of its ancestors, listens on:
 * vLLM's workers and `VLLM::EngineCore` are children of the process that holds the socket.
 */

/** A socket in LISTEN state from /proc/net/tcp or tcp6. */
export interface Listener {
  port: number;
  inode: number;
}

const LISTEN = '0A';

/** /proc/net/tcp and /proc/net/tcp6 (the same columns): the listening sockets, with their inode. */
export function parseListeners(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
    if (f.length < 10 || !/^\d+:$/.test(f[0]!) || f[3] !== LISTEN) continue;
    const port = Number.parseInt(f[1]!.split(':')[1] ?? '', 16);
    const inode = Number(f[9]);
    if (Number.isInteger(port) && port > 0 && port < 65536 && Number.isInteger(inode) && inode > 0) out.push({ port, inode });
  }
  return out;
}

/** The parent PID from /proc/PID/status (`PPid:\t1234`); null when absent. */
export function parsePpid(status: string): number | null {
  const m = /^PPid:\s*(\d+)\s*$/m.exec(status);
  return m ? Number(m[1]) : null;
}

/** The inode of a socket from an fd link's target (`socket:[12345]`); null for anything else. */
export function socketInode(linkTarget: string): number | null {
  const m = /^socket:\[(\d+)\]$/.exec(linkTarget);
  return m ? Number(m[1]) : null;
}

/** What the shell can read of a process; null for what it cannot (another user's process, gone). */
export interface ProcessLookup {
  /** Socket inodes among the process's open files. */
  sockets(pid: number): readonly number[] | null;
  parent(pid: number): number | null;
  /** The process's name (/proc/PID/comm), to say "docker-proxy" when that is who listens. */
  name(pid: number): string | null;
  /**
   * The process holding a listening socket (by inode), for the backends' ports: null when no readable
   * process holds it. Absent where it was not looked for.
   */
  socketOwner?(inode: number): number | null;
}

export type Owner =
  | { backend: string; via: number }
  | { backend: null; why: string };

/** How far up the parent chain to look: a backend's workers are its children or grandchildren. */
const MAX_ANCESTORS = 16;

/**
 * The backend `pid` serves: the first process from it up through its ancestors that holds a listening
 * socket on a backend's port. `backendsByPort` holds the backends whose URL is on this host.
 */
export function ownerOf(pid: number, listenerPorts: ReadonlyMap<number, number>, backendsByPort: ReadonlyMap<number, string>, proc: ProcessLookup): Owner {
  let unreadable = false;
  const seen = new Set<number>();
  for (let p: number | null = pid, depth = 0; p !== null && p > 1 && depth < MAX_ANCESTORS && !seen.has(p); depth++) {
    seen.add(p);
    const inodes = proc.sockets(p);
    if (inodes === null) unreadable = true;
    for (const inode of inodes ?? []) {
      const port = listenerPorts.get(inode);
      const backend = port === undefined ? undefined : backendsByPort.get(port);
      if (backend !== undefined) return { backend, via: p };
    }
    p = proc.parent(p);
  }
  if (backendsByPort.size === 0) return { backend: null, why: 'no configured backend runs on this host' };
  const held = portHolders(listenerPorts, backendsByPort, proc);
  // A container's port: docker-proxy listens on the host, the GPU process runs under containerd; nothing ties them.
  const proxied = held.find((h) => h.holder === 'docker-proxy');
  if (proxied) return { backend: null, why: `${proxied.backend}’s port ${proxied.port} is held by docker-proxy: a container’s processes cannot be tied to it` };
  if (unreadable) return { backend: null, why: 'its process could not be read (another user’s, or gone)' };
  const hidden = held.find((h) => h.holder === null);
  if (hidden) return { backend: null, why: `it listens on no configured backend’s port (${hidden.backend}’s port ${hidden.port} is held by no process that could be read)` };
  return { backend: null, why: 'it listens on no configured backend’s port' };
}

/** Who listens on each backend's port, by name (null: no readable process), where the lookup says. */
function portHolders(listenerPorts: ReadonlyMap<number, number>, backendsByPort: ReadonlyMap<number, string>, proc: ProcessLookup): { backend: string; port: number; holder: string | null }[] {
  if (proc.socketOwner === undefined) return [];
  const out: { backend: string; port: number; holder: string | null }[] = [];
  for (const [inode, port] of listenerPorts) {
    const backend = backendsByPort.get(port);
    if (backend === undefined) continue;
    const pid = proc.socketOwner(inode);
    out.push({ backend, port, holder: pid === null ? null : proc.name(pid) });
  }
  return out;
}

/** The port of a backend's URL when its host is this machine (`local` holds this machine's addresses); null otherwise. */
export function localPort(url: string, local: ReadonlySet<string>): number | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!(host === 'localhost' || host === '127.0.0.1' || host === '::1' || host.startsWith('127.') || local.has(host))) return null;
  if (u.port !== '') return Number(u.port);
  return u.protocol === 'https:' ? 443 : u.protocol === 'http:' ? 80 : null;
}

/** The backends on this host by port (the first named wins a port two backends share). */
export function backendsByLocalPort(backends: readonly { name: string; url: string }[], local: ReadonlySet<string>): Map<number, string> {
  const byPort = new Map<number, string>();
  for (const b of backends) {
    const port = localPort(b.url, local);
    if (port !== null && !byPort.has(port)) byPort.set(port, b.name);
  }
  return byPort;
}
