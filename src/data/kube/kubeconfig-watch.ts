/**
 * Notices kubeconfig changes (`kubectl config use-context`, a new login writing ~/.kube/config, a file created where
 * KUBECONFIG points) so the extension can rebuild its Kubernetes client. Watches the folder of each file kubectl would
 * read — not the file, as tools replace it by renaming a new one over it and a file's watch ends there — and reports
 * a burst of events once, after `debounceMs` of quiet. Plain fs (no client-node, no editor).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kubeconfigList } from './kubeconfig';

/** The files kubectl would read: mora.kubeconfig / --kubeconfig, else every KUBECONFIG entry (also those not there yet), else ~/.kube/config. */
export function kubeconfigWatchFiles(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env, home = env.HOME ?? os.homedir()): string[] {
  if (explicit?.trim()) return kubeconfigList(explicit, home).map((f) => path.resolve(f));
  if (env.KUBECONFIG?.trim()) return kubeconfigList(env.KUBECONFIG, home).map((f) => path.resolve(f));
  return [path.join(home, '.kube', 'config')];
}

export interface KubeconfigWatchOptions {
  files: string[];
  onChange: () => void;
  /** Quiet time before onChange. Default 500 ms (a login writes the file several times). */
  debounceMs?: number;
  /** A folder that cannot be watched (missing, permission): said once per folder. */
  onWatchError?: (dir: string, e: Error) => void;
}

export class KubeconfigWatcher {
  private readonly watchers: fs.FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(private readonly options: KubeconfigWatchOptions) {
    const byDir = new Map<string, Set<string>>();
    for (const f of options.files) {
      const dir = path.dirname(f);
      const names = byDir.get(dir) ?? new Set<string>();
      names.add(path.basename(f));
      byDir.set(dir, names);
    }
    for (const [dir, names] of byDir) {
      try {
        const w = fs.watch(dir, { persistent: false }, (_event, name) => {
          // Some platforms give no name: then any change in the folder counts.
          if (name === null || names.has(name.toString())) this.changed();
        });
        w.on('error', (e) => options.onWatchError?.(dir, e));
        this.watchers.push(w);
      } catch (e) {
        options.onWatchError?.(dir, e as Error);
      }
    }
  }

  /** How many folders are watched. */
  get watching(): number {
    return this.watchers.length;
  }

  private changed(): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.disposed) this.options.onChange();
    }, this.options.debounceMs ?? 500);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
  }
}
