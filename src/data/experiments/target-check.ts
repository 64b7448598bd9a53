/**
 * The target check before an experiment writes, scales or waits for anything: one GET to each target. A target nobody
 * can connect to (connection refused, host not found, no route) has nothing to measure, and without this check the
 * run first waited up to 10 scrape intervals + 5 s (2 min 35 s at the default 15 s) for Prometheus to scrape it, or
 * scaled a workload and put it back, then wrote a `failed` record. Any answer — a 404, a 500, a redirect — and anything
 * slower than `timeoutMs`, or a failure after the connection (a reset, TLS), lets the run go on: its levels say how the
 * target served.
 *
 * The one rule, for all three ways to run (targetCheckedFirst): a target is checked before anything runs unless every
 * cell using it scales a workload first — at 0 ready replicas now, it may answer only once scaled, and the run's scrape
 * wait and level results cover it after scaling. `mora experiment` (the flag form) asks targetUnreachable about
 * --target when the rule says so (--workload with --replicas scales it before every run); `mora experiment run <plan>`
 * and VS Code's Run Load Experiment ask planTargetProblem about the plan's cells still to run, which applies the rule
 * per distinct target. A target skipped so is checked by the run after scaling, before the load (waitForConnection,
 * plan-run.ts): a cell whose target still takes no connection then is failed, not loaded.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { redact } from '../prometheus/errors';
import type { PlanCell } from './plan-file';

/** The connection errors that say no request can reach the target. */
const NO_CONNECTION: Record<string, string> = {
  ECONNREFUSED: 'refused the connection',
  ENOTFOUND: 'has a host that was not found',
  EAI_AGAIN: 'has a host that could not be resolved',
  EHOSTUNREACH: 'has a host with no route to it',
  ENETUNREACH: 'is on an unreachable network',
};

export interface TargetCheckOptions {
  /** How long the GET may take before the target counts as reachable (default 5 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Why no request can reach a target: what the connection did ('refused the connection') and the error code. */
export interface NoConnection {
  what: string;
  code: string;
}

/**
 * Why no request can reach `url` (one sentence naming it, without its credentials, and the error code), or undefined
 * when it answered, took longer than `timeoutMs`, failed in another way, or `signal` cut the check short.
 */
export async function targetUnreachable(url: string, opts: TargetCheckOptions = {}): Promise<string | undefined> {
  const down = await noConnection(url, opts);
  return down && `--target ${redact(url, [])} ${down.what} (${down.code}) — is the service running and listening there?`;
}

/** The GET of the check: the connection error that says no request reaches `url`, or undefined (see targetUnreachable). */
export async function noConnection(url: string, opts: TargetCheckOptions = {}): Promise<NoConnection | undefined> {
  const u = new URL(url);
  const get = u.protocol === 'https:' ? https.get : http.get;
  return await new Promise<NoConnection | undefined>((resolve) => {
    let done = false;
    const finish = (v: NoConnection | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(v);
    };
    const onAbort = () => finish(undefined);
    const req = get(u, { headers: { 'user-agent': 'mora-experiment-check' }, agent: false }, (res) => {
      res.resume();
      finish(undefined);
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const what = e.code !== undefined ? NO_CONNECTION[e.code] : undefined;
      finish(what && e.code ? { what, code: e.code } : undefined);
    });
    const timer = setTimeout(() => finish(undefined), opts.timeoutMs ?? 5000);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) finish(undefined);
  });
}

/** How the check after scaling waits for a target that refuses at first (a just-scaled service may take a moment). */
export interface ConnectionWaitOptions extends TargetCheckOptions {
  /** How long (ms) the target may keep refusing before it counts as down. */
  waitMs: number;
  /** Milliseconds, as Date.now (the wait's deadline); tests pass a virtual clock. */
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Between two GETs (default 1 s). */
  pollMs?: number;
  /** The GET (default noConnection). */
  check?: (url: string, opts: TargetCheckOptions) => Promise<NoConnection | undefined>;
  /** Once, when the first GET found no connection and the wait begins. */
  onWaiting?: (down: NoConnection) => void;
}

/**
 * The check before a scaled cell's load: one GET, and while no connection is possible (refused, unknown host, no
 * route) another every `pollMs` until `waitMs` have passed. The last GET's connection error when the target never took
 * one, else undefined (it answered, timed out, failed otherwise, or `signal` cut the wait short).
 */
export async function waitForConnection(url: string, opts: ConnectionWaitOptions): Promise<NoConnection | undefined> {
  const clock = opts.clock ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const check = opts.check ?? noConnection;
  const deadline = clock() + opts.waitMs;
  for (let first = true; ; first = false) {
    const down = await check(url, opts);
    if (!down || opts.signal?.aborted) return undefined;
    const left = deadline - clock();
    if (left <= 0) return down;
    if (first) opts.onWaiting?.(down);
    await sleep(Math.min(opts.pollMs ?? 1000, left));
    if (opts.signal?.aborted) return undefined;
  }
}

/**
 * Why a cell that scaled its workload does not run: its target took no connection for `seconds` after the workload
 * had its replicas ready. The cell is recorded failed; a rerun tries it again.
 */
/**
 * The progress line of plan-run's `target` event, one sentence for the CLI's stderr and the editor's progress: a
 * just-scaled service's target refused the first GET, so the run waits (up to `seconds`) before sending load — without
 * it the wait looked like a hang (up to 155 s at the default scrape interval).
 */
export function targetWaitText(c: PlanCell, wait: { state: 'start'; seconds: number } | { state: 'ready'; waited: number }): string {
  const target = redact(c.target ?? '', []);
  return wait.state === 'start'
    ? `waiting up to ${wait.seconds} s for the target ${target} of service ${c.service} to accept a connection at ${c.replicas} replica(s)`
    : `the target ${target} accepts connections (after ${wait.waited} s)`;
}

export function scaledTargetMessage(c: PlanCell, down: NoConnection, seconds: number): string {
  const w = c.workload ? `${c.workload.namespace}/${c.workload.kind}/${c.workload.name}` : `service ${c.service}'s workload`;
  return `cell ${c.id}: the target ${redact(c.target ?? '', [])} of service ${c.service} ${down.what} (${down.code}) for ${seconds} s once ${w} was at ${c.replicas} replica(s) — is the service running and listening there? check its "target:" in the plan; the cell is recorded failed (no load was sent) and runs again on the next run`;
}

/** One cell's use of a target (a plan cell, or one replica count of the flag form): is a workload scaled before it loads it? */
export interface TargetUse {
  scalesWorkload: boolean;
}

/**
 * Whether a target gets the GET before anything runs: unless every cell that uses it scales a workload first (there
 * the target may answer only once scaled; the scrape wait and the level results say how it served). A target no cell
 * uses is not checked.
 */
export function targetCheckedFirst(uses: readonly TargetUse[]): boolean {
  return uses.some((u) => !u.scalesWorkload);
}

/** A plan cell scales its service's workload before its load when the service names one (the run scales it to the cell's count). */
export function planCellUse(c: PlanCell): TargetUse {
  return { scalesWorkload: c.workload !== undefined };
}

/** A target of a plan that no request can reach, with the cells (still to run) that would load it. */
export interface PlanTargetFailure {
  /** The target URL without its credentials. */
  target: string;
  what: string;
  code: string;
  /** The services whose `target:` it is, and their cells still to run (ids, in plan order). */
  services: string[];
  cells: string[];
  /** The workloads some of those services scale first (namespace/name): at 0 ready replicas now, the target may answer only once scaled. */
  scaled: string[];
  /** The services that load it without scaling a workload first (why it was checked; never empty). */
  unscaled: string[];
}

/**
 * One GET to each distinct target of `cells` (those in `skip` — already done, not run again — left out) that
 * targetCheckedFirst says to check, i.e. not one whose every cell scales a workload first; all at once: the targets no
 * request can reach, in plan order, each with the cells that would load it; [] when all can be reached (or `signal`
 * cut the check short). A JMeter cell's `target:` is checked too: its host and port are JMeter's.
 */
export async function planTargetFailures(cells: readonly PlanCell[], opts: TargetCheckOptions & { skip?: ReadonlySet<string> } = {}): Promise<PlanTargetFailure[]> {
  const byTarget = new Map<string, PlanCell[]>();
  for (const c of cells) {
    if (!c.target || opts.skip?.has(c.id)) continue;
    const list = byTarget.get(c.target) ?? [];
    list.push(c);
    byTarget.set(c.target, list);
  }
  for (const [target, of] of byTarget) if (!targetCheckedFirst(of.map(planCellUse))) byTarget.delete(target);
  const checked = await Promise.all([...byTarget].map(async ([target, of]) => ({ target, of, down: await noConnection(target, opts) })));
  const failures: PlanTargetFailure[] = [];
  for (const { target, of, down } of checked) {
    if (!down) continue;
    const uniq = (xs: string[]) => [...new Set(xs)];
    failures.push({
      target: redact(target, []), what: down.what, code: down.code,
      services: uniq(of.map((c) => c.service)), cells: of.map((c) => c.id),
      scaled: uniq(of.flatMap((c) => (c.workload ? [`${c.workload.namespace}/${c.workload.name}`] : []))),
      unscaled: uniq(of.filter((c) => !planCellUse(c).scalesWorkload).map((c) => c.service)),
    });
  }
  return failures;
}

/** How many cell ids are named in a failure before "and N more". */
const CELLS_NAMED = 3;

/**
 * The one message for planTargetFailures' answer (undefined for none): each target, its service(s) and cells, what the
 * connection did, and what to check — the service, the plan's `target:` field; when another service sharing the target
 * scales a workload, which services load it unscaled and the way out (scale it up by hand); ending "nothing was
 * scaled, sent or written".
 */
export function planTargetMessage(failures: readonly PlanTargetFailure[]): string | undefined {
  if (!failures.length) return undefined;
  const parts = failures.map((f) => {
    const services = f.services.length === 1 ? `service ${f.services[0]}` : `services ${f.services.join(', ')}`;
    const named = f.cells.slice(0, CELLS_NAMED).join(', ');
    const more = f.cells.length > CELLS_NAMED ? ` and ${f.cells.length - CELLS_NAMED} more` : '';
    // Checked because some service loads it unscaled; if it answers only once a workload the plan scales for another
    // service is up, that is the way out.
    const scaled = f.scaled.length
      ? `; ${f.unscaled.length === 1 ? `service ${f.unscaled[0]} loads` : `services ${f.unscaled.join(', ')} load`} it without scaling a workload first: if it answers only once ${f.scaled.join(' or ')} ${f.scaled.length === 1 ? 'has' : 'have'} a ready replica, scale ${f.scaled.length === 1 ? 'it' : 'them'} up by hand and run again`
      : '';
    return `the target ${f.target} of ${services} (cell${f.cells.length === 1 ? '' : 's'} ${named}${more}) ${f.what} (${f.code}) — is the service running and listening there? check its "target:" in the plan${scaled}`;
  });
  return `${parts.join('; ')}; nothing was scaled, sent or written`;
}

/** planTargetFailures, said as planTargetMessage: the message that must stop the plan run before it starts, or undefined. */
export async function planTargetProblem(cells: readonly PlanCell[], opts: TargetCheckOptions & { skip?: ReadonlySet<string> } = {}): Promise<string | undefined> {
  return planTargetMessage(await planTargetFailures(cells, opts));
}
