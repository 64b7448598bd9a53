/**
 * Warnings about the usage behind the editor's numbers, which `mora recommend` says on stderr: a kubelet/cAdvisor scrape
 * target that stopped (health's stale cAdvisor check, SourceHealth.stale: the history up to then is read) and a
 * Prometheus read split in parts after a timeout (ClusterDataSourceOptions.onPrometheusNote). The editor said the first
 * only in the status bar item's tooltip and the second nowhere. Editor-free: what the cluster tree's context row says
 * (short, in its description; in full in its tooltip), the status item's tooltip, and which warnings are new (to be said
 * once in the output channel, a stopped target also as a notification). One instance per data source built: a Refresh
 * builds the source anew, so what still stands is said again then; a periodic refresh or a re-render does not. A target
 * that recovers (a health answer without it) and stops again is said again: once per stop.
 */
import type { SourceHealth } from '../data/datasource';

export interface SourceWarning {
  kind: 'stale' | 'split';
  /** The context whose data it concerns; undefined: the current context's (the one health checks, the one URL serves). */
  context?: string;
  /** The line `mora recommend` writes after `mora: warning: ` (stale) or `mora: ` (split). */
  text: string;
}

/** The short form, for a tree row's description: `usage data 20m00s old`, `Prometheus timed out: read in parts`. */
export function warningBrief(w: SourceWarning): string {
  if (w.kind === 'split') return 'Prometheus timed out: read in parts';
  const age = /newest(?: sample)? is (about )?(\S+) old/.exec(w.text);
  return age ? `usage data ${age[1] ?? ''}${age[2]} old` : 'usage data stale';
}

/** A warning's identity across health checks: the same stopped target is `20m00s old`, then `25m00s old`. */
function key(w: SourceWarning): string {
  return `${w.kind}\u0000${w.context ?? ''}\u0000${w.text.replace(/(?:about )?\S+ old\b/g, '… old')}`;
}

/** `cAdvisor (context "prod"): …` (health checked several contexts) → prod; else the current context's. */
function staleContext(line: string): string | undefined {
  return /^[^:(]+ \(context "([^"]+)"\):/.exec(line)?.[1];
}

export class SourceWarnings {
  private stale: SourceWarning[] = [];
  private readonly notes: SourceWarning[] = [];
  private readonly announced = new Set<string>();

  /**
   * A health answer: its stale checks replace the last answer's (a target scraped again is no longer said, and when it
   * stops again that stop is new: announced again). Returns whether what is shown changed. A failed or cancelled check
   * changes nothing: it says nothing about staleness.
   */
  health(h: SourceHealth): boolean {
    if (!h.ok || h.cancelled) return false;
    const next = (h.stale ?? []).map((text): SourceWarning => ({ kind: 'stale', context: staleContext(text), text }));
    const standing = new Set(next.map(key));
    for (const w of this.stale) if (!standing.has(key(w))) this.announced.delete(key(w));
    const changed = next.length !== this.stale.length || next.some((w, i) => w.text !== this.stale[i].text);
    this.stale = next;
    return changed;
  }

  /** A Prometheus note (a read split after a timeout); each said once. Returns whether it is new. */
  note(text: string, context?: string): boolean {
    const w: SourceWarning = { kind: 'split', context, text };
    if (this.notes.some((n) => key(n) === key(w))) return false;
    this.notes.push(w);
    return true;
  }

  /** Every warning standing: the stopped targets, then the split reads. */
  all(): SourceWarning[] {
    return [...this.stale, ...this.notes];
  }

  /**
   * The warnings not yet announced by this instance, now marked announced (a target's new age is not new; a target
   * that stopped again after a health answer without it is).
   */
  fresh(): SourceWarning[] {
    const out = this.all().filter((w) => !this.announced.has(key(w)));
    for (const w of out) this.announced.add(key(w));
    return out;
  }

  /**
   * What the tree's row of `context` says: its warnings in short (description, `⚠ usage data 20m00s old`), and in
   * full (tooltip, one Markdown paragraph each). `current`: the kubeconfig's current context, whose the warnings naming
   * no context are. Undefined when none concerns it.
   */
  forContext(context: string, current: boolean): { description: string; tooltip: string } | undefined {
    const mine = this.all().filter((w) => (w.context === undefined ? current : w.context === context));
    if (!mine.length) return undefined;
    return {
      description: `⚠ ${[...new Set(mine.map(warningBrief))].join(' · ')}`,
      tooltip: mine.map((w) => `⚠ ${w.text}`).join('\n\n'),
    };
  }
}

/**
 * How a new warning is said: its line in the output channel (as `mora recommend` writes it, without `mora: `), and for a
 * stopped target — the numbers miss the latest usage — a notification (not modal), once per source built.
 */
export function announcement(w: SourceWarning): { log: string; notify?: string } {
  return w.kind === 'stale' ? { log: `warning: ${w.text}`, notify: `MOrA: ${w.text}` } : { log: w.text };
}

/**
 * The status item's tooltip: the source's health line, then each warning it does not already hold (a stopped target's
 * check is part of health's message; a split read is not).
 */
export function statusTooltip(base: string, warnings: readonly SourceWarning[]): string {
  // A stale line is `cAdvisor: <the check's message>`; health's message holds the check's message alone.
  const more = warnings.filter((w) => !base.includes(w.kind === 'stale' ? w.text.replace(/^[^:]+: /, '') : w.text)).map((w) => `⚠ ${w.text}`);
  return more.length ? `${base}\n\n${more.join('\n\n')}` : base;
}
