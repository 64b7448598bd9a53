/**
 * Notices kubeconfig changes (`kubectl config use-context`, a new login writing ~/.kube/config, a file created where
 * KUBECONFIG points) so the extension can rebuild its Kubernetes client. Watches the folder of each file kubectl would
 * read — not the file, as tools replace it by renaming a new one over it and a file's watch ends there — and reports
 * a burst of events once, after `debounceMs` of quiet, and only when the files' contents changed: a rebuild clears
 * every recommendation shown, and tools rewrite the file with the same text (a rename over it, a touch, a folder
 * event). Plain fs (no client-node, no editor).
 */
import { createHash } from 'node:crypto';
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
  /** Events came but the files read the same as before: no onChange. */
  onUnchanged?: () => void;
}

export class KubeconfigWatcher {
  private readonly watchers: fs.FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;
  private fingerprint: string;

  constructor(private readonly options: KubeconfigWatchOptions) {
    this.fingerprint = this.read();
    this.setup();
  }

  /** A digest of what the files hold now (a missing or unreadable file counts as absent). */
  private read(): string {
    const h = createHash('sha256');
    for (const f of this.options.files) {
      let text: string | undefined;
      try { text = fs.readFileSync(f, 'utf8'); } catch { text = undefined; }
      h.update(text === undefined ? '\u0000absent' : `\u0001${text.length}:${text}`);
    }
    return h.digest('hex');
  }

  /**
   * A watch on each file's folder; a folder not there yet (no ~/.kube before the first login) is watched through its
   * nearest existing ancestor, and the watches are set up again when that ancestor changes.
   */
  private setup(): void {
    for (const w of this.watchers.splice(0)) w.close();
    const byDir = new Map<string, Set<string>>();
    const add = (dir: string, name: string) => {
      const names = byDir.get(dir) ?? new Set<string>();
      names.add(name);
      byDir.set(dir, names);
    };
    const pending = new Set<string>();
    for (const f of this.options.files) {
      let dir = path.dirname(f);
      let name = path.basename(f);
      while (!fs.existsSync(dir) && path.dirname(dir) !== dir) {
        name = path.basename(dir);
        dir = path.dirname(dir);
        pending.add(dir);
      }
      add(dir, name);
    }
    for (const [dir, names] of byDir) {
      try {
        const w = fs.watch(dir, { persistent: false }, (_event, name) => {
          // Some platforms give no name: then any change in the folder counts.
          if (name !== null && !names.has(name.toString())) return;
          if (pending.has(dir) && !this.disposed) this.setup();
          this.changed();
        });
        w.on('error', (e) => this.options.onWatchError?.(dir, e));
        this.watchers.push(w);
      } catch (e) {
        this.options.onWatchError?.(dir, e as Error);
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
      if (this.disposed) return;
      const now = this.read();
      if (now === this.fingerprint) {
        this.options.onUnchanged?.();
        return;
      }
      this.fingerprint = now;
      this.options.onChange();
    }, this.options.debounceMs ?? 500);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
  }
}
