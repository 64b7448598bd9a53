// A private network namespace joined to this one by a veth pair, for tests that need a non-loopback address on this
// machine (the API server's Endpoints/EndpointSlice validation refuses 127.0.0.0/8: "may not be in the loopback
// range"). Needs root (CAP_NET_ADMIN). Both ends carry 10.250.x.y/30 addresses; the link goes nowhere else, so traffic
// stays on this machine. Removed by remove() (and on process exit).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface NetNamespace {
  /** `ip netns` name: run a program inside with `ip netns exec NAME …`. */
  name: string;
  /** This (the root) namespace's end of the link. */
  hostAddress: string;
  /** The address inside the namespace (what a "pod IP" can be). */
  address: string;
  remove(): void;
}

const created = new Set<NetNamespace>();
process.once('exit', () => { for (const n of created) n.remove(); });

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });

/** Whether this process may create network namespaces (root with CAP_NET_ADMIN and the `ip` tool). */
export function canCreateNetns(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    ip('netns', 'list');
    return undefined;
  } catch (e) {
    return `ip netns: ${(e as Error).message.split('\n')[0]}`;
  }
}

export function createNetns(): NetNamespace {
  const id = randomBytes(3).toString('hex');
  const name = `mora-${id}`;
  const host = `mv${id}h`;
  const peer = `mv${id}n`;
  const b = randomBytes(2);
  const base = `10.250.${b[0]}.${(b[1] & 0x3f) * 4}`.split('.').map(Number);
  const hostAddress = `${base[0]}.${base[1]}.${base[2]}.${base[3] + 1}`;
  const address = `${base[0]}.${base[1]}.${base[2]}.${base[3] + 2}`;
  let removed = false;
  const ns: NetNamespace = {
    name, hostAddress, address,
    remove() {
      if (removed) return;
      removed = true;
      created.delete(ns);
      try { ip('link', 'del', host); } catch { /* gone with the namespace already */ }
      try { ip('netns', 'del', name); } catch { /* never created */ }
    },
  };
  created.add(ns);
  try {
    ip('netns', 'add', name);
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
    ip('link', 'set', peer, 'netns', name);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', host);
    ip('link', 'set', host, 'up');
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${address}/30`, 'dev', peer);
    ip('netns', 'exec', name, 'ip', 'link', 'set', peer, 'up');
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  } catch (e) {
    ns.remove();
    throw e;
  }
  return ns;
}
