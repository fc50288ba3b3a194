/**
 * What /proc says about the processes holding GPU memory (I/O; the reasoning is src/gpu/owner.ts): the
 * listening sockets of this host, and for each process and its ancestors its sockets and parent. Works
 * without root: what cannot be read (another user's process, one gone meanwhile) is simply unknown.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { parseListeners, parsePpid, socketInode, type ProcessLookup } from '../gpu/owner.js';

const MAX_ANCESTORS = 16;
/** A process with more open files than this is read in part: its listening socket is among the first. */
const MAX_FDS = 20_000;

async function text(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** inode → port of every socket listening on this host, IPv4 and IPv6. */
export async function listenerPorts(root = '/proc'): Promise<Map<number, number>> {
  const ports = new Map<number, number>();
  for (const file of ['net/tcp', 'net/tcp6']) {
    const body = await text(`${root}/${file}`);
    if (body !== null) for (const l of parseListeners(body)) ports.set(l.inode, l.port);
  }
  return ports;
}

async function socketsOf(pid: number, root: string): Promise<number[] | null> {
  let fds: string[];
  try {
    fds = await readdir(`${root}/${pid}/fd`);
  } catch {
    return null;
  }
  const inodes: number[] = [];
  await Promise.all(
    fds.slice(0, MAX_FDS).map(async (fd) => {
      try {
        const inode = socketInode(await readlink(`${root}/${pid}/fd/${fd}`));
        if (inode !== null) inodes.push(inode);
      } catch {
        // closed meanwhile
      }
    }),
  );
  return inodes;
}

/**
 * Read what the mapping needs for `pids` and their ancestors, then answer from memory: the pure
 * mapping asks synchronously, and the probe loop never waits on a slow /proc.
 */
export interface ReadProcessesOptions {
  /**
   * Listening sockets (the backends' ports) whose holder to find: among the processes read first, then
   * through every readable process of /proc.
   */
  listeners?: readonly number[];
  /** inode → holder found by an earlier reading: a socket keeps its holder, so /proc is scanned once per socket. */
  holders?: Map<number, number | null>;
}

/** A box has more processes than this only in a test of ours that went wrong: the scan stops there. */
const MAX_SCAN = 8_192;

/** The holders of `inodes` among all of /proc's processes (null: none readable holds it). */
async function scanHolders(inodes: readonly number[], root: string): Promise<Map<number, number | null>> {
  const found = new Map<number, number | null>(inodes.map((i) => [i, null]));
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return found;
  }
  const pids = entries.filter((e) => /^\d+$/.test(e)).slice(0, MAX_SCAN).map(Number);
  // A few at a time: a box's thousand processes would otherwise open thousands of fd dirs at once.
  for (let i = 0; i < pids.length && [...found.values()].includes(null); i += 32) {
    await Promise.all(
      pids.slice(i, i + 32).map(async (pid) => {
        for (const inode of (await socketsOf(pid, root)) ?? []) if (found.get(inode) === null) found.set(inode, pid);
      }),
    );
  }
  return found;
}

export async function readProcesses(pids: readonly number[], root = '/proc', options: ReadProcessesOptions = {}): Promise<ProcessLookup> {
  const sockets = new Map<number, number[] | null>();
  const parents = new Map<number, number | null>();
  const names = new Map<number, string | null>();
  const visit = async (start: number): Promise<void> => {
    for (let p: number | null = start, depth = 0; p !== null && p > 1 && depth < MAX_ANCESTORS && !parents.has(p); depth++) {
      const status = await text(`${root}/${p}/status`);
      const parent = status === null ? null : parsePpid(status);
      parents.set(p, parent);
      const comm = await text(`${root}/${p}/comm`);
      names.set(p, comm === null ? null : comm.trim());
      sockets.set(p, await socketsOf(p, root));
      p = parent;
    }
  };
  await Promise.all(pids.map(visit));
  const lookup: ProcessLookup = {
    sockets: (pid) => sockets.get(pid) ?? null,
    parent: (pid) => parents.get(pid) ?? null,
    name: (pid) => names.get(pid) ?? null,
  };
  const { listeners } = options;
  if (listeners === undefined) return lookup;
  const holders = options.holders ?? new Map<number, number | null>();
  for (const [pid, inodes] of sockets) for (const inode of inodes ?? []) if (listeners.includes(inode)) holders.set(inode, pid);
  const unknown = listeners.filter((i) => !holders.has(i));
  if (unknown.length > 0) for (const [inode, pid] of await scanHolders(unknown, root)) holders.set(inode, pid);
  // Sockets closed since are forgotten.
  for (const inode of [...holders.keys()]) if (!listeners.includes(inode)) holders.delete(inode);
  for (const pid of new Set(listeners.map((i) => holders.get(i)))) {
    if (typeof pid === 'number' && !names.has(pid)) {
      const comm = await text(`${root}/${pid}/comm`);
      names.set(pid, comm === null ? null : comm.trim());
    }
  }
  return { ...lookup, socketOwner: (inode) => holders.get(inode) ?? null };
}

/** This machine's own addresses, for backends whose URL names the host by an address of its own. */
export function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address.toLowerCase());
  return out;
}
