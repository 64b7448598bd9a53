/**
 * The JMeter load driver: runs a cell's `.jmx` in non-GUI mode (`jmeter -n -t plan.jmx -l results.jtl -J…`) at the
 * cell's rate and for its time, given as JMeter properties, then reads the JTL into the same statistics the built-in
 * generator reports (jtl.ts) — so a JMeter cell is stored exactly like an autocannon one.
 *
 * Properties the .jmx can read with ${__P(name)}:
 *   host, port, protocol, path   — from the cell's target URL (path includes the query)
 *   timeoutMs                    — connect and response timeout of a request
 *   rate, ratePerMinute          — the cell's asked rate in requests/s, and the same per minute (the unit of JMeter's
 *                                  Constant Throughput Timer); duration (s), threads, loops (cap per thread)
 *   rate.i, ratePerMinute.i, duration.i, threads.i, loops.i, segments
 *                                — the same per stretch of constant rate, for scenarios whose rate changes (step, ramp,
 *                                  spike): a plan with one thread group per stretch, run one after the other
 *                                  (jmx-template.ts writes one)
 * A .jmx that reads only the unindexed properties runs constant cells; MOrA refuses to run it for a changing rate.
 *
 * The measured window starts `warmup` seconds after JMeter's first request (the JVM takes seconds to start, so the
 * cell's clock starts when the load does) and ends with the schedule, or after the last request started when JMeter
 * ended earlier; only requests started inside it count, as with the built-in driver. The template's warm-up request
 * (a setUp group, jmx-template.ts JMX_WARMUP_LABEL) is not counted. A run whose every request fell in the warm-up
 * (its first request so late that its groups' time ran out) is an error saying so.
 *
 * A .jmx without that warm-up request (hand-written) starts its thread groups' clock seconds before its first request
 * (the JVM setting up its HTTP client), and the groups stop at that clock's end. MOrA asks such a .jmx for
 * JMETER_START_ALLOWANCE_SECONDS more at the first rate (more warm-up) and places the measured window at the end of
 * JMeter's schedule (JMeter's "Running test" time + the warm-up and the allowance), never sooner than the asked warm-up
 * after the first request: a start up to that late loses neither warm-up nor measured time.
 *
 * Cancel (AbortSignal) kills JMeter's process group (the `jmeter` script and its java): SIGTERM, then SIGKILL.
 *
 * The properties go to JMeter in a properties file readable only by the user (`-q mora.properties`, mode 0600), not
 * as -J arguments: the target's path and query may carry a token, and a command line is visible to every user (ps).
 * The file is deleted after the cell, and the cell's JMeter log and JTL are rewritten with the target URL's
 * credentials (query values, userinfo) replaced by ***.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactCredentialText, replaceSecrets } from '../../core/redact';
import type { LoadRunner, LoadStats } from './load';
import { checkJmxHosts } from './jmx-hosts';
import { JTL_PROPERTIES, jtlStats, parseJtl } from './jtl';
import { JMETER_INSTALL_HINT, JMETER_LAUNCHER_BSH, findJmeterLaunch, launcherCommand, resolveJmeterBinary } from './jmeter-install';
import { JMX_WARMUP_LABEL } from './jmx-template';
import { JMETER_START_ALLOWANCE_SECONDS, jmxStartAllowanceSeconds } from './plan-file';
import type { CellLoadDriver, CellLoadRequest, CellLoadResult, PlanCell, RateSegment } from './plan-file';

export interface JmeterOptions {
  /** The jmeter binary (setting mora.experiments.jmeterPath); default MORA_JMETER, then `jmeter` on PATH. */
  jmeterPath?: string;
  /** More JMeter properties (they win over MOrA's). */
  properties?: Record<string, string>;
  /** JVM arguments for the launcher (Debian's JMeter, see jmeter-install.ts); default JAVA_ARGS split on spaces. */
  jvmArgs?: string[];
  /** Seconds a request may take. Default 10. */
  timeoutSeconds?: number;
  /** Seconds JMeter may take beyond the schedule (JVM start, last requests) before it is killed. Default 120. */
  graceSeconds?: number;
  env?: NodeJS.ProcessEnv;
}

/** A stretch of constant asked rate as JMeter runs it: whole seconds, and how much of it is warm-up. */
export interface JmeterSegment {
  rate: number;
  seconds: number;
  warmupSeconds: number;
}

/**
 * Consecutive stretches at the same rate become one (a warm-up at the first measured rate is part of it), with whole
 * seconds: JMeter's scheduler takes no fractions.
 */
export function jmeterSegments(schedule: readonly RateSegment[]): JmeterSegment[] {
  const out: JmeterSegment[] = [];
  for (const s of schedule) {
    if (!(s.seconds > 0)) continue;
    const last = out[out.length - 1];
    if (last && last.rate === s.rate) {
      last.seconds += s.seconds;
      if (s.warmup) last.warmupSeconds += s.seconds;
    } else {
      out.push({ rate: s.rate, seconds: s.seconds, warmupSeconds: s.warmup ? s.seconds : 0 });
    }
  }
  for (const g of out) g.seconds = Math.max(1, Math.round(g.seconds));
  return out;
}

/** JMeter threads for a rate: enough for requests of up to ~200 ms, within [2, 200], unless the cell names them. */
export function jmeterThreads(rate: number, connections?: number): number {
  return connections ?? Math.max(2, Math.min(200, Math.ceil(rate / 5)));
}

/** How many rate stretches a .jmx can follow: the highest `rate.i`/`ratePerMinute.i` it reads + 1, 1 for plain `rate`, 0 for none. */
export function jmxSegmentCapacity(jmxText: string): number {
  let max = -1;
  for (const m of jmxText.matchAll(/__P\(\s*(?:rate|ratePerMinute)\.(\d+)\s*[,)]/g)) max = Math.max(max, Number(m[1]));
  if (max >= 0) return max + 1;
  return /__P\(\s*(?:rate|ratePerMinute)\s*[,)]/.test(jmxText) ? 1 : 0;
}

export interface JmeterRunSpec {
  jmx: string;
  jtl: string;
  log: string;
  /** The properties file (`-q`): the run's properties, written by runJmeterCell with mode 0600. */
  propsFile: string;
  url: string;
  segments: JmeterSegment[];
  connections?: number;
  timeoutSeconds?: number;
  properties?: Record<string, string>;
}

/** The JMeter properties of a run (see the module comment). */
export function jmeterProperties(spec: Omit<JmeterRunSpec, 'propsFile'>): Record<string, string> {
  const u = new URL(spec.url);
  const protocol = u.protocol.replace(/:$/, '');
  const props: Record<string, string> = {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port || (protocol === 'https' ? '443' : '80'),
    protocol,
    path: `${u.pathname || '/'}${u.search}`,
    timeoutMs: String(Math.round((spec.timeoutSeconds ?? 10) * 1000)),
    segments: String(spec.segments.length),
  };
  spec.segments.forEach((g, i) => {
    const threads = jmeterThreads(g.rate, spec.connections);
    props[`rate.${i}`] = String(g.rate);
    props[`ratePerMinute.${i}`] = String(g.rate * 60);
    props[`duration.${i}`] = String(g.seconds);
    props[`threads.${i}`] = String(threads);
    props[`loops.${i}`] = String(Math.ceil((g.rate * g.seconds * 1.1) / threads) + 1);
  });
  // The unindexed ones: the whole cell for a single-rate .jmx (only used when the rate does not change).
  const peak = spec.segments.reduce((a, g) => (g.rate > a.rate ? g : a), spec.segments[0]);
  const total = spec.segments.reduce((n, g) => n + g.seconds, 0);
  const threads = jmeterThreads(peak.rate, spec.connections);
  Object.assign(props, {
    rate: String(peak.rate), ratePerMinute: String(peak.rate * 60), duration: String(total), threads: String(threads),
    loops: String(Math.ceil((spec.segments.reduce((n, g) => n + g.rate * g.seconds, 0) * 1.1) / threads) + 1),
  });
  // Results as CSV with the columns jtl.ts reads; no UDP shutdown listener (several JMeters may run at once).
  Object.assign(props, JTL_PROPERTIES, { 'jmeterengine.nongui.port': '0' }, spec.properties);
  return props;
}

/** `-n -t <jmx> -l <jtl> -j <log> -q <propsFile>`: no property on the command line (see the module comment). */
export function jmeterArgs(spec: JmeterRunSpec): string[] {
  return ['-n', '-t', spec.jmx, '-l', spec.jtl, '-j', spec.log, '-q', spec.propsFile];
}

/** One Java properties-file escape: backslash, line breaks, a leading space, the separators (in keys) and non-Latin-1. */
function propEscape(text: string, key: boolean): string {
  let out = '';
  for (const [i, ch] of [...text].entries()) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\f') out += '\\f';
    else if ((key || i === 0) && ch === ' ') out += '\\ ';
    else if ('=:#!'.includes(ch)) out += `\\${ch}`;
    else if (c < 0x20 || c > 0x7e) {
      const units = c > 0xffff ? [0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff)] : [c];
      out += units.map((u) => `\\u${u.toString(16).padStart(4, '0')}`).join('');
    } else out += ch;
  }
  return out;
}

/** The run's properties as a Java properties file (what `-q` reads). */
export function jmeterPropertiesText(spec: JmeterRunSpec): string {
  return Object.entries(jmeterProperties(spec)).map(([k, v]) => `${propEscape(k, true)}=${propEscape(v, false)}\n`).join('');
}

/** What of a target URL is a credential: its userinfo and its query values (raw and decoded). */
export function urlSecrets(url: string): string[] {
  const u = new URL(url);
  const out = [u.username, u.password, decodeURIComponent(u.username), decodeURIComponent(u.password)];
  for (const part of u.search.replace(/^\?/, '').split('&')) {
    const raw = part.slice(part.indexOf('=') + 1);
    if (part.includes('=') && raw) out.push(raw);
  }
  for (const v of u.searchParams.values()) out.push(v);
  return out.filter((x) => x.length > 0);
}

/** A JMeter file of the cell rewritten without the target's credentials; nothing when it does not exist. */
function redactFile(file: string, secrets: readonly string[]): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const clean = redactCredentialText(replaceSecrets(text, secrets));
  if (clean !== text) writeFileSync(file, clean);
}

interface ProcessOutcome {
  code: number | null;
  output: string;
  aborted: boolean;
  timedOut: boolean;
}

/** Runs a command in its own process group; abort or the deadline kills the whole group. */
function runGroup(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, signal: AbortSignal | undefined, deadlineMs: number): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    let output = '';
    const keep = (d: Buffer) => { output = (output + d.toString()).slice(-16_000); };
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let aborted = false, timedOut = false;
    let hard: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals) => {
      try { if (child.pid) process.kill(-child.pid, sig); } catch { /* already gone */ }
    };
    const stop = () => {
      killGroup('SIGTERM');
      hard ??= setTimeout(() => killGroup('SIGKILL'), 3000);
    };
    const onAbort = () => { aborted = true; stop(); };
    const deadline = setTimeout(() => { timedOut = true; stop(); }, deadlineMs);
    // JMeter is detached from Node's group: take it down if this process exits first.
    const onExit = () => killGroup('SIGKILL');
    process.once('exit', onExit);
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(deadline);
      if (hard) clearTimeout(hard);
      signal?.removeEventListener('abort', onAbort);
      process.removeListener('exit', onExit);
    };
    child.once('error', (e) => { done(); reject(e); });
    child.once('close', (code) => {
      // java may have left children of its own (it does not, but a wrapper might): make sure the group is gone.
      if (aborted || timedOut) killGroup('SIGKILL');
      done();
      resolve({ code, output, aborted, timedOut });
    });
  });
}

/** Binaries whose JMeter needed the launcher (Debian's 2.13, see jmeter-install.ts); remembered per process. */
const needsLauncher = new Map<string, boolean>();

function lastLines(s: string, n = 12): string {
  return s.trim().split('\n').slice(-n).join('\n');
}

function jmeterVersion(text: string): string {
  const m = /Version (\d+(?:\.\d+){0,2})/.exec(text);
  if (!m) return 'jmeter';
  // Debian's 2.13 reports "2.13.19691222" (a build date): keep the release.
  return `jmeter ${m[1].split('.').filter((p, i) => i < 2 || p.length < 5).join('.')}`;
}

/** For a .jmx without MOrA's warm-up request: what would take the JVM's start out of the timed groups. */
function jmxWarmupHint(jmxText: string): string {
  return jmxText.includes(JMX_WARMUP_LABEL) ? '' : `a setUp Thread Group sending one request named "${JMX_WARMUP_LABEL}" before the timed groups (as MOrA's template has: mora experiment jmx-template) takes that start out of them; `;
}

/** In plan-file.ts, whose plan totals (--dry-run, the confirmation) count it too. */
export { JMETER_START_ALLOWANCE_SECONDS };

/** The schedule with `seconds` more warm-up at the first rate (a .jmx without MOrA's warm-up request). */
export function withStartAllowance(segments: readonly JmeterSegment[], seconds: number): JmeterSegment[] {
  return segments.map((g, i) => (i === 0 ? { ...g, seconds: g.seconds + seconds, warmupSeconds: g.warmupSeconds + seconds } : { ...g }));
}

/** How far past its scheduled end a stretch of a cell of several is measured (see runJmeterCell). */
const STRETCH_OVERRUN_MS = 1000;

const EMPTY = { requests: 0, non2xx: 0, errors: 0, timeouts: 0, achievedRate: 0, latencyP50Ms: NaN, latencyP95Ms: NaN, latencyP99Ms: NaN, durationSeconds: 0 };

/**
 * Runs one cell with JMeter (see the module comment). Errors say what to do: JMeter missing, the .jmx missing or not
 * reading MOrA's rate properties, JMeter failing to load the plan, or no samples written.
 */
export async function runJmeterCell(req: CellLoadRequest, opts: JmeterOptions = {}): Promise<CellLoadResult> {
  const jmx = req.jmx ?? req.cell.jmx;
  const url = req.url ?? req.cell.target;
  if (!jmx) throw new Error(`cell ${req.cell.id} names no .jmx: the JMeter driver runs only cells with "jmx"`);
  if (!existsSync(jmx)) throw new Error(`cell ${req.cell.id}: the JMeter test plan ${jmx} does not exist (a relative "jmx" is resolved against the plan file's folder)`);
  if (!url) throw new Error(`cell ${req.cell.id}: a JMeter cell needs "target" too (its host, port and path are passed to the .jmx as properties)`);
  const asked = jmeterSegments(req.cell.schedule);
  if (!asked.length) throw new Error(`cell ${req.cell.id} has an empty schedule`);
  const jmxText = readFileSync(jmx, 'utf8');
  // A hand-written .jmx (no warm-up request): more warm-up for its late first request (see the module comment).
  const allowanceMs = jmxStartAllowanceSeconds(jmxText) * 1000;
  const segments = withStartAllowance(asked, allowanceMs / 1000);
  checkJmxHosts(jmxText, jmx);
  const capacity = jmxSegmentCapacity(jmxText);
  if (capacity === 0) {
    throw new Error(`${jmx} does not read MOrA's rate property: give its Constant Throughput Timer \${__P(ratePerMinute)} (or its own pacing \${__P(rate)}, requests/s), or start from MOrA's template (docs/EXPERIMENTS.md, "JMeter cells")`);
  }
  if (asked.length > capacity) {
    throw new Error(`cell ${req.cell.id} asks for ${asked.length} different rates over time (scenario ${req.cell.scenario}) but ${jmx} follows ${capacity}: it needs one thread group per stretch reading rate.i/ratePerMinute.i, duration.i and threads.i (MOrA's template has them), or use scenario constant`);
  }
  const env = opts.env ?? process.env;
  const binary = resolveJmeterBinary(opts.jmeterPath, env);
  if (req.signal?.aborted) return { ...EMPTY, aborted: true, driver: 'jmeter' };

  const ownDir = req.workDir ? undefined : mkdtempSync(join(tmpdir(), 'mora-jmeter-'));
  const dir = req.workDir ?? ownDir!;
  mkdirSync(dir, { recursive: true }); // JMeter runs in it: a missing cwd would fail the spawn as ENOENT
  const secrets = urlSecrets(url);
  let propsFile: string | undefined;
  let logFiles: string[] = [];
  try {
    const spec: JmeterRunSpec = {
      jmx, url, segments, jtl: join(dir, 'results.jtl'), log: join(dir, 'jmeter.log'), propsFile: join(dir, 'mora.properties'),
      connections: req.cell.connections, timeoutSeconds: opts.timeoutSeconds, properties: opts.properties,
    };
    propsFile = spec.propsFile;
    logFiles = [spec.log, spec.jtl];
    // JMeter appends to an existing JTL and log: a restarted cell starts clean.
    rmSync(spec.jtl, { force: true });
    rmSync(spec.log, { force: true });
    rmSync(spec.propsFile, { force: true });
    // Created 0600 ('wx': never an existing file someone else may read) before anything is written into it.
    writeFileSync(spec.propsFile, jmeterPropertiesText(spec), { mode: 0o600, flag: 'wx' });
    const args = jmeterArgs(spec);
    const total = segments.reduce((n, g) => n + g.seconds, 0);
    const deadlineMs = (total + (opts.graceSeconds ?? 120)) * 1000;
    const jvmArgs = opts.jvmArgs ?? (env.JAVA_ARGS ?? '').split(/\s+/).filter(Boolean);
    const viaLauncher = () => {
      const launch = findJmeterLaunch(binary, env);
      if (!launch) throw new Error(`JMeter at ${binary} cannot load test plans (its XStream forbids JMeter's types) and MOrA found no JMeter home with bin/ApacheJMeter.jar and BeanShell to work around it: install JMeter 3 or later from jmeter.apache.org and set mora.experiments.jmeterPath`);
      const script = join(dir, 'mora-jmeter-launcher.bsh');
      writeFileSync(script, JMETER_LAUNCHER_BSH);
      return launcherCommand(launch, script, args, jvmArgs);
    };
    let run: ProcessOutcome;
    try {
      const first = needsLauncher.get(binary) ? viaLauncher() : { cmd: binary, args };
      run = await runGroup(first.cmd, first.args, dir, env, req.signal, deadlineMs);
      if (!run.aborted && /ForbiddenClassException/.test(run.output) && !needsLauncher.get(binary)) {
        needsLauncher.set(binary, true);
        rmSync(spec.jtl, { force: true });
        rmSync(spec.log, { force: true });
        const second = viaLauncher();
        run = await runGroup(second.cmd, second.args, dir, env, req.signal, deadlineMs);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`JMeter could not be started (${binary}: ${(e as Error).message}): ${JMETER_INSTALL_HINT}`);
      throw e;
    }
    const log = existsSync(spec.log) ? readFileSync(spec.log, 'utf8') : '';
    const driver = jmeterVersion(`${run.output}\n${log}`);
    const text = existsSync(spec.jtl) ? readFileSync(spec.jtl, 'utf8') : '';
    // The template's warm-up request (jmx-template.ts) went out before the timed groups: not part of the cell.
    const samples = parseJtl(text).samples.filter((x) => x.label !== JMX_WARMUP_LABEL);
    if (!samples.length) {
      if (run.aborted) return { ...EMPTY, aborted: true, driver };
      const said = replaceSecrets(`${run.output}\n${log}`, secrets);
      if (/CannotResolveClassException[^\n]*HTTPSampler/.test(said)) throw new Error(`JMeter's HTTP sampler is missing: install it (Debian/Ubuntu: sudo apt-get install jmeter-http)`);
      const loadError = /Error in NonGUIDriver[^\n]*/.exec(said)?.[0];
      if (loadError) throw new Error(`JMeter could not load ${jmx}: ${loadError}`);
      if (run.timedOut) throw new Error(`JMeter did not finish within ${Math.round(deadlineMs / 1000)} s and was stopped; it wrote no samples. Its output:\n${lastLines(said)}`);
      throw new Error(`JMeter ran ${jmx} (exit ${run.code}) but its results ${spec.jtl} are empty: no request was sent — do the .jmx's thread groups read \${__P(threads)} (or threads.i) and \${__P(duration)}? Its output:\n${lastLines(said)}`);
    }
    // The cell's clock starts with the first request (see the module comment).
    const t0 = Math.min(...samples.map((s) => s.timeStamp));
    const testStart = Number(/Running test \((\d{12,})\)/.exec(log)?.[1]);
    const warmupMs = segments.reduce((n, g) => n + g.warmupSeconds, 0) * 1000 - allowanceMs;
    const measuredMs = total * 1000 - warmupMs - allowanceMs;
    // A hand-written .jmx: the window ends with JMeter's schedule (its clock from the test's start), after at least
    // the asked warm-up of load.
    const fromMs = allowanceMs > 0 && Number.isFinite(testStart) && testStart <= t0 ? Math.max(t0 + warmupMs, testStart + allowanceMs + warmupMs) : t0 + warmupMs;
    const lastStart = Math.max(...samples.map((s) => s.timeStamp));
    const lastRate = segments[segments.length - 1].rate;
    // A run that ended early (JMeter's groups count their time from thread start, before the JVM's first request)
    // is measured up to one request interval after its last request, not over time nobody sent anything in.
    const loadEndMs = lastStart + 1000 / lastRate;
    // Several stretches: JMeter starts each thread group when the previous one's threads have ended, a request
    // interval or so past its scheduled end (0.1-0.2 s measured), so the last stretch ends that much later than the
    // cell's clock says. Measured to its end (up to STRETCH_OVERRUN_MS per stretch), not cut at the asked time.
    const scheduleEndMs = fromMs + measuredMs + (segments.length > 1 ? segments.length * STRETCH_OVERRUN_MS : 0);
    const toMs = Math.max(fromMs, Math.min(scheduleEndMs, loadEndMs));
    const st = jtlStats(samples, { fromMs, toMs });
    // Every request in the warm-up, none measured: JMeter's first request came so late (its thread groups' time counts
    // from their start) that the schedule ran out before the measured time. Said as that, not as a target that answers
    // nothing (the runner's reading of a cell without one answered request).
    if (st.requests + st.errors === 0 && !run.aborted) {
      const late = Number.isFinite(testStart) && t0 > testStart ? ` its first request came ${((t0 - testStart) / 1000).toFixed(1)} s after its test started (the JVM and its HTTP client starting on a busy machine), and` : '';
      throw new Error(`cell ${req.cell.id}: JMeter sent ${samples.length} request(s), all in the ${warmupMs / 1000} s warm-up and none in the ${measuredMs / 1000} s measured:${late} its thread groups' time counts from their start, so the load ended ${((lastStart - t0) / 1000).toFixed(1)} s after its first request; ${jmxWarmupHint(jmxText)}the cell is recorded failed and runs again on the next run`);
    }
    return {
      requests: st.requests, non2xx: st.non2xx, errors: st.errors, timeouts: st.timeouts, achievedRate: st.achievedRate,
      latencyP50Ms: st.latencyP50Ms, latencyP95Ms: st.latencyP95Ms, latencyP99Ms: st.latencyP99Ms,
      durationSeconds: st.durationSeconds, aborted: run.aborted, errorCodes: st.errorCodes, driver, loadStartedAt: (fromMs - warmupMs) / 1000,
    };
  } finally {
    if (propsFile) rmSync(propsFile, { force: true });
    for (const f of logFiles) {
      try { redactFile(f, secrets); } catch { rmSync(f, { force: true }); } // a file that cannot be redacted is removed
    }
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
  }
}

/** runJmeterCell as a plan runner's CellLoadDriver. */
export function jmeterDriver(opts: JmeterOptions = {}): CellLoadDriver {
  return (req) => runJmeterCell(req, opts);
}

/** A constant-rate cell for one load level (what `runExperiment`'s LoadRunner asks for). */
function levelCell(jmx: string, url: string, rate: number, durationSeconds: number, connections?: number): PlanCell {
  return {
    id: `jmeter/l${rate}`, index: 0, service: 'jmeter', replicas: 1, level: rate, scenario: 'constant', durationSeconds,
    warmupSeconds: 0, cooldownSeconds: 0, target: url, jmx, slo: {}, resources: 'process', connections,
    schedule: [{ rate, seconds: durationSeconds, warmup: false }], requests: Math.round(rate * durationSeconds),
  };
}

/** JMeter as the single-service experiment's load generator (`runExperiment(..., { load })`). */
export function jmeterLoadRunner(jmx: string, opts: JmeterOptions = {}): LoadRunner {
  return async (level) => {
    const r = await runJmeterCell({ cell: levelCell(jmx, level.url, level.rate, level.durationSeconds, level.connections), signal: level.signal },
      { ...opts, timeoutSeconds: level.timeoutSeconds ?? opts.timeoutSeconds });
    const stats: LoadStats & { latencyP95Ms: number; driver: string } = { ...r };
    return stats;
  };
}
