import { readdir, readFile, readlink } from 'node:fs/promises';
import { commandLineOf } from './processes.js';

export interface PortListener {
  /** Undefined when the owner is not visible to this user. */
  pid?: number;
  commandLine?: string;
}

/** Listening sockets on `port` that block a bind to 127.0.0.1: wildcard or IPv4 loopback addresses. */
const listeningInodes = async (port: number): Promise<Set<string>> => {
  const inodes = new Set<string>();
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [address, localPort] = (fields[1] ?? '').split(':');
      if (localPort !== portHex || fields[3] !== '0A' || address === undefined) continue;
      const blocksLoopback =
        /^0+$/.test(address) || // 0.0.0.0 or ::
        (address.length === 8 && address.endsWith('7F')) || // 127.x.x.x, little-endian
        /^0000000000000000FFFF0000[0-9A-F]{6}7F$/.test(address); // ::ffff:127.x.x.x
      if (blocksLoopback && fields[9] !== undefined) inodes.add(fields[9]);
    }
  }
  return inodes;
};

/** Who listens on a TCP port, found through /proc (no lsof or ss needed). */
export const findPortListener = async (port: number): Promise<PortListener | undefined> => {
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const descriptors = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const descriptor of descriptors) {
      const target = await readlink(`/proc/${pid}/fd/${descriptor}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined && inodes.has(inode)) return { pid: Number(pid), commandLine: commandLineOf(Number(pid)) };
    }
  }
  return {};
};

export const describeListener = (port: number, listener: PortListener): string =>
  listener.pid === undefined
    ? `port ${port} is already in use by a process this user cannot see`
    : `port ${port} is already in use by pid ${listener.pid} (${(listener.commandLine ?? '?').slice(0, 200)})`;
