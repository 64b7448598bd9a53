/**
 * `mora recommend --source cluster --apply-cluster [--dry-run] [--yes]`: patches each recommended workload on the live
 * cluster, safely. For every workload a server-side dry run of the exact patch first; its unified diff (live →
 * after the patch) on stdout; a refusal (validation, an admission policy, LimitRange/ResourceQuota for the new pods)
 * as one line on stderr, and that workload is left alone; a GitOps/Helm owner as a warning on stderr. With --dry-run
 * nothing more happens. Otherwise MOrA asks once (on a terminal) or needs --yes (not on a terminal), then patches
 * each workload as its diff showed it: a workload someone else changed meanwhile (in what its diff showed) is left
 * alone and named, to be run again.
 *
 * Exit: 0 when every workload was patched (or would be), 2 when some were refused, denied or changed since the
 * preview (named above), 3 when the API server could not be reached, 130 when the prompt was interrupted (Ctrl-C).
 */
import type { Recommendation } from '../../core/recommendation';
import { APPLIER_ROLE, applyApproved, clusterChange, planApply, withRoleHint, type ApplyPlan, type PlanClient } from '../../data/kube/apply-plan';
import { ChangedSincePreview } from '../../data/kube/client';
import { KubeError } from '../../data/kube/errors';
import { EXIT_INTERRUPTED, EXIT_UNREACHABLE, EXIT_USAGE, UserError } from '../errors';
import { forTerminal, forTerminalText } from '../format/terminal';
import type { Workload } from '../../core/workload';
import { qualifiedName } from '../../pipeline/workload-selector';

export interface ApplyToClusterOptions {
  dryRun: boolean;
  yes: boolean;
  replicas: boolean;
  quiet: boolean;
}

export interface ApplyIo {
  out(text: string): void;
  err(line: string): void;
  /** Asks a yes/no question (on a terminal); resolves true for yes. */
  confirm(question: string): Promise<boolean>;
}

/** Raised after every workload was tried, when some could not be patched. */
export class ApplyToClusterFailure extends UserError {
  output = '';
}

/** The refusal to write without --yes when no one can answer a prompt; checked before any work. */
export function checkApplyClusterFlags(o: { applyCluster?: boolean; applyTo?: string; dryRun?: boolean; yes?: boolean; allContexts?: boolean; context?: string; source: string }, stdinIsTty: boolean): void {
  if (o.dryRun && !o.applyCluster && o.applyTo === undefined) throw new UserError('--dry-run goes with --apply-cluster or --apply-to (it shows the diff the write would make, and writes nothing)');
  if (o.yes && !o.applyCluster) throw new UserError('--yes goes with --apply-cluster');
  if (o.allContexts && !o.applyCluster) throw new UserError('--all-contexts goes with --apply-cluster (reading already covers every context of the kubeconfig)');
  if (o.allContexts && o.context !== undefined) throw new UserError('give either --context or --all-contexts, not both');
  if (!o.applyCluster) return;
  if (o.source !== 'cluster') throw new UserError('--apply-cluster needs --source cluster (the demo has no cluster to write to; --apply-to <path> writes manifests)');
  if (!o.dryRun && !o.yes && !stdinIsTty) {
    throw new UserError('--apply-cluster would write to the cluster, and stdin is not a terminal to confirm on: add --yes to apply without a prompt, or --dry-run to only see the diff');
  }
}

/**
 * A write with `-w`: the selector must name one workload in each context, or the write is refused before any metric is
 * read, listing the matches as they can be written to select one (`-w shop/Deployment/web`).
 */
export function checkOneWorkloadPerContext(selector: string, workloads: readonly Pick<Workload, 'context' | 'namespace' | 'kind' | 'name'>[]): void {
  const byContext = new Map<string, string[]>();
  for (const w of workloads) byContext.set(w.context, [...(byContext.get(w.context) ?? []), qualifiedName(w)]);
  const several = [...byContext].filter(([, names]) => names.length > 1);
  if (!several.length) return;
  const list = several.map(([ctx, names]) => `${names.join(', ')}${byContext.size > 1 || several.length > 1 ? ` (context ${ctx})` : ''}`).join('; ');
  throw new UserError(`--apply-cluster: -w "${selector}" matches ${several.reduce((n, [, names]) => n + names.length, 0)} workloads: ${list} — nothing was changed; name the one to patch, e.g. -w ${several[0][1][0]}`);
}

/**
 * The contexts `--apply-cluster` writes to: the current one, as kubectl would, unless the user names them (`--context
 * a,b`) or asks for all (`--all-contexts`); `contexts` undefined when the user's own choice stands as it is. `note`:
 * the line saying which contexts a default left out.
 */
export function applyClusterContexts(o: { context?: readonly string[]; allContexts?: boolean }, current: string, all: readonly string[]): { contexts?: string[]; note?: string } {
  if (o.context || o.allContexts) return {};
  if (!current) throw new UserError('--apply-cluster: the kubeconfig has no current context to write to: name one with --context (several: a,b), or --all-contexts');
  const others = all.filter((c) => c !== current);
  return {
    contexts: [current],
    note: others.length ? `--apply-cluster writes to the current context "${current}" only, not ${others.map((c) => `"${c}"`).join(', ')} — --context <a,b> or --all-contexts for others` : undefined,
  };
}

type Client = PlanClient & { applyResources: PlanClient['applyResources'] };

export async function applyToCluster(kube: Client, recs: readonly Recommendation[], o: ApplyToClusterOptions, io: ApplyIo): Promise<void> {
  const ready: ApplyPlan[] = [];
  let bad = 0;
  let unreachable = false;
  const fail = (what: string, e: unknown) => {
    bad++;
    if (e instanceof KubeError && e.kind === 'unreachable') unreachable = true;
    // ChangedSincePreview names the workload itself.
    io.err(`mora: ${forTerminal(e instanceof ChangedSincePreview ? e.message : `${what}: ${(e as Error).message}`)}`);
  };
  for (const rec of recs) {
    const what = `${rec.workload.kind} ${rec.workload.namespace}/${rec.workload.name}`;
    const change = clusterChange(rec, { replicas: o.replicas });
    if (!change.containers.length && change.replicas === undefined) continue;
    let plan: ApplyPlan;
    try {
      plan = await planApply(kube, rec.workload, change);
    } catch (e) {
      fail(what, e);
      continue;
    }
    if (plan.diff) io.out(forTerminalText(plan.diff));
    for (const n of plan.notes) io.err(`mora: note: ${forTerminal(n)}`);
    if (plan.gitOpsWarning) io.err(`mora: warning: ${forTerminal(plan.gitOpsWarning)}`);
    if (plan.refusals.length) {
      bad++;
      for (const r of plan.refusals) io.err(`mora: ${forTerminal(`${what}: ${r}`)}`);
    } else if (plan.changed) {
      ready.push(plan);
    } else if (!o.quiet) {
      io.err(`${forTerminal(what)}: already at the recommended values, nothing to patch`);
    }
  }
  if (o.dryRun) {
    if (!o.quiet) io.err(`dry run: ${ready.length} workload(s) would be patched${bad ? `, ${bad} would not` : ''}; nothing was changed`);
  } else if (ready.length) {
    const contexts = [...new Set(ready.map((p) => p.ref.context))].join(', ');
    const ok = o.yes || await io.confirm(`Patch ${ready.length} workload(s) in context ${forTerminal(contexts)} as shown above? The pods restart with the new resources. [y/N] `);
    if (!ok) {
      io.err('nothing was changed');
    } else {
      for (const p of ready) {
        const what = `${p.ref.kind} ${p.ref.namespace}/${p.ref.name}`;
        try {
          const r = await applyApproved(kube, p);
          if (!o.quiet) io.err(`patched ${forTerminal(what)} (context ${forTerminal(p.ref.context)}, resourceVersion ${r.resourceVersion}${r.attempts > 1 ? `, after ${r.attempts - 1} conflict(s)` : ''})`);
        } catch (e) {
          fail(what, withRoleHint(e, APPLIER_ROLE));
        }
      }
    }
  }
  if (bad) {
    throw new ApplyToClusterFailure(`--apply-cluster: ${bad} workload(s) ${o.dryRun ? 'would not be patched' : 'were not patched'} (named above)`, unreachable ? EXIT_UNREACHABLE : EXIT_USAGE);
  }
}

/** Ctrl-C at a prompt: a "no", with the exit code of an interrupt. */
export class PromptInterrupted extends UserError {
  constructor() {
    super('interrupted at the prompt: nothing was changed', EXIT_INTERRUPTED);
  }
}

export interface PromptStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Whether to treat the input as a terminal (keys, Ctrl-C); default: whether it is one. */
  terminal?: boolean;
}

/**
 * A yes/no question on the terminal (stderr, so stdout keeps only the diff). Ctrl-C rejects with PromptInterrupted
 * (without a listener readline would only close, the question would never resolve and the process would end with
 * exit 0, as if done); end of input (Ctrl-D) is a "no", like an empty answer.
 */
export async function askOnTerminal(question: string, streams: PromptStreams = { input: process.stdin, output: process.stderr }): Promise<boolean> {
  const readline = require('node:readline') as typeof import('node:readline');
  const rl = readline.createInterface({ input: streams.input, output: streams.output, ...(streams.terminal !== undefined ? { terminal: streams.terminal } : {}) });
  try {
    const answer = await new Promise<string | undefined>((resolve, reject) => {
      rl.on('SIGINT', () => {
        streams.output.write('\n');
        reject(new PromptInterrupted());
      });
      rl.on('close', () => resolve(undefined));
      rl.question(question, resolve);
    });
    return answer !== undefined && /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
