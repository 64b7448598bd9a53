/**
 * `mora backtest --input <csv|dir> --kind cpu|memory [--strategies mora,vpa,krr,autopilot] [--out recs.csv] [--format table|json]
 *    [--cpu-risk 0.01,0.05 | --memory-risk 0.01] [--frontier [--html report.html]]`
 * Rolling daily replay of sizing strategies over `timestamp,value` series (docs/ENGINE.md has the scoring definition).
 * Writes one row per series, day and strategy (`series,day_start,strategy,value`) and prints the summary.
 * A risk list replays MOrA once per target (`mora@cpu-risk=0.05`); `--frontier` replays it over a grid of targets next to
 * every baseline and prints the risk–waste points, MOrA's curve, the dominance at each baseline's point, the per-day
 * oracle's frontier, the calibration error per target and the confidence table (docs/BENCHMARKS.md § Risk–waste frontier).
 */
import type { Command } from 'commander';
import { realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { series as makeSeries, type Series } from '../../core/series';
import { runBacktest, type BacktestResult } from '../../rightsizing/backtest/run';
import { CALIBRATION_UNJUDGED, DEFAULT_GRID, DOMINANCE_RATIO, fewerDaysText, FRONTIER_BASELINES, paretoCurve, runFrontier, type Dominance, type FrontierOptions, type FrontierResult, type StrategyPoint } from '../../rightsizing/backtest/frontier';
import { oracleWasteAt, sampleFrontier } from '../../rightsizing/backtest/oracle';
import { formatRisk, parseStrategySpec, RISK_STRATEGIES, STRATEGY_NAMES, strategyLabel, type StrategyName, type StrategySpec } from '../../rightsizing/backtest/strategies';
import type { ResourceKind } from '../../rightsizing/baselines/strategy';
import { DEFAULT_RISK, RISK_RANGE } from '../../rightsizing/engine/policy';
import { PartialResult, UserError } from '../errors';
import { toCsv } from '../format/csv';
import { frontierHtml } from '../format/frontier-html';
import { forTerminal } from '../format/terminal';
import { fixed, percent, renderTable } from '../format/table';
import { checkUserFile, writeUserFile } from '../format/write';
import { csvLayout, fewNames, groupUnreadable, loadSeriesInput, outputOverInput, readStdin, type LayoutFlags, type LoadReport, type UnreadableFile } from './backtest-input';
import { unitNotes } from './backtest-units';
import { finerUnitHint, unitReadAsSeconds } from '../../data/timeseries-csv';
import { checkReportPath } from './report-path';
import { DEFAULT_WARMUP_DAYS, shortWarmupDays, wholeDays } from '../../rightsizing/backtest/warmup';

const DEFAULT_STRATEGIES = 'mora,vpa,krr,autopilot';

export interface BacktestCliOptions extends LayoutFlags {
  input: string;
  kind: string;
  strategies?: string;
  out?: string;
  cpuRisk?: string;
  memoryRisk?: string;
  frontier?: boolean;
  /** workload (default) or fleet: the risk target as the mean over all series (mora-fleet). */
  riskScope?: string;
  html?: string;
  format: string;
  /** Undefined: not given, 7 days, and a series too short for that gets a shorter one (backtest/warmup.ts). */
  warmupDays?: string;
  scale: string;
  quiet?: boolean;
  /** -f json: add elapsedMs (and oracleMs with --frontier); left out by default so two runs print the same bytes. */
  timings?: boolean;
}

export function register(program: Command): void {
  program
    .command('backtest')
    .description('Replay sizing strategies day by day over timestamp,value series and score waste, shortfall, exceedance and days never above the value (OOM-free days for memory)')
    .requiredOption('-i, --input <path>', '- (standard input) or a timestamp,value CSV (also .csv.gz; many series in one file: see --series-column, --wide), a Prometheus JSON export, or a directory of them (series name = path below it)')
    .requiredOption('-k, --kind <kind>', 'cpu (value = CPU request, cores) or memory (value = memory limit, bytes)')
    .option('-s, --strategies <names>', `comma-separated: ${STRATEGY_NAMES.join(', ')}, or mora@cpu-risk=0.05 (default ${DEFAULT_STRATEGIES}; with --frontier: ${FRONTIER_BASELINES.join(',')})`)
    .option('-o, --out <csv>', 'write the per-day values: series,day_start,strategy,value')
    .option('--cpu-risk <shares>', `--kind cpu: MOrA's target share of samples above the request, a comma list (one replay each, e.g. 0.01,0.05,0.1; ${RISK_RANGE.min}..${RISK_RANGE.max}), named mora@cpu-risk=0.05; a target also in --strategies is replayed once, named as --strategies spells it`)
    .option('--memory-risk <shares>', `--kind memory: MOrA's target share of OOM days, a comma list (one replay each, e.g. 0.005,0.01; ${RISK_RANGE.min}..${RISK_RANGE.max}), named mora@memory-risk=0.01; a target also in --strategies is replayed once, named as --strategies spells it`)
    .option('--frontier', `replay MOrA over a grid of risk targets (default cpu ${DEFAULT_GRID.cpu.join(',')}; memory ${DEFAULT_GRID.memory.join(',')}; or the risk list and the targets named in --strategies) next to every baseline: points, dominance, oracle frontier, calibration, confidence`)
    .option('--risk-scope <scope>', 'workload (default): MOrA holds every series to the risk target; fleet: the target is the mean over all series (a fleet budget) and each series gets its own, at most 4× the target and 30% (mora-fleet@cpu-risk=0.05); with --frontier, the fleet curve is added; to compare both in one run, name both: --strategies mora,mora-fleet', 'workload')
    .option('--html <file>', 'with --frontier: write a self-contained HTML report (risk–waste chart)')
    .option('-f, --format <format>', 'summary as table or json', 'table')
    .option('--warmup-days <n>', `days observed before scoring starts (default ${DEFAULT_WARMUP_DAYS}; without it, a series of 2 to ${shortTraceMaxDays(DEFAULT_WARMUP_DAYS)} whole days is warmed up on half its whole days, said on stderr)`)
    .option('--scale <factor>', 'multiply input values by this (e.g. 0.001 for MHz or millicores to cores)', '1')
    .option('-q, --quiet', 'no progress or notes on stderr (warnings, skipped series and errors still print)')
    .option('--timings', 'with -f json: add elapsedMs (and oracleMs with --frontier), which differ from run to run')
    .option('--time-column <col>', 'the timestamp column, by header name or number from 1 (default: the column named timestamp, time, date, …)')
    .option('--value-column <col>', 'the value column, by header name or number from 1 (default: the column named value, or the only other one)')
    .option('--series-column <cols>', 'long form (many series in one file): the id column(s), comma-separated, whose values joined with / name each series (container_id; collection_id,instance_index); for a Prometheus JSON export, the labels (pod)')
    .option('--no-header', 'the first line is data, not a header: give columns by number (--time-column 3 --value-column 4 --series-column 1)')
    .option('--wide', 'one series per column (every column but the timestamp), named by its header; detected without the flag when a time column sits beside several numeric columns named alike')
    .option('--time-unit <unit>', 'epoch numbers are s, ms, us or ns (default: guessed per file by magnitude, so a number under 1e11 is seconds); times counted from a trace\'s start read as 1970 dates, which is fine with their unit given: milliseconds from 0 (Alibaba\'s microservices trace) need --time-unit ms, and without it are warned about')
    .option('--step <seconds>', 'the time column holds step numbers (0, 1, 2, …) this many seconds apart; without a time column, the rows are steps this far apart (a file of values only)')
    .addHelpText('after', '\nA directory is read with its subdirectories (series name = path without extension); .csv.gz and .json.gz are read too.\n'
      + 'Public traces, e.g.: Alibaba 2018 container_usage.csv (no header): --no-header --time-column 3 --value-column 4 --series-column 1;\n'
      + '  Google 2019 instance usage: --time-column start_time --value-column average_usage_cpus --series-column collection_id,instance_index --time-unit us;\n'
      + '  Azure vm_cpu_readings (no header): --no-header --time-column 1 --value-column 5 --series-column 2.\n'
      + 'A directory\'s files that cannot be read are named on stderr and in JSON "skipped"; the others are replayed and written, then the exit code is 4 (partial).\n'
      + 'A series with no scored day (too short) is named the same way, and is no failure (exit 0).\n'
      + 'A strategy that gives no value on a scored day (KRR: fewer than 100 points in its window; Autopilot: no sample in its window after a gap) has no row\n'
      + '  for that day: one note per strategy on stderr counts those days and says why (exit 0; JSON noAnswer per series).\n'
      + '-f json is the same bytes for the same input; --timings adds elapsedMs (and oracleMs with --frontier).')
    .action(async (opts: BacktestCliOptions) => {
      // `--input -`: standard input, read whole first (as `manifests scan -` reads it).
      const stdin = opts.input === '-' ? await readStdin() : undefined;
      try {
        process.stdout.write(backtestCommand(opts, stdin));
      } catch (e) {
        // A directory's unreadable files: the others' summary still prints (and --out is written), then exit 4 (partial).
        const output = (e as { output?: unknown }).output;
        if (e instanceof UserError && typeof output === 'string') process.stdout.write(output);
        throw e;
      }
    });
}

export function backtestCommand(opts: BacktestCliOptions, stdin?: Buffer): string {
  const kind = opts.kind.toLowerCase();
  if (kind !== 'cpu' && kind !== 'memory') throw new UserError(`--kind must be cpu or memory, got "${opts.kind}"`);
  const format = opts.format.toLowerCase();
  if (format !== 'table' && format !== 'json') throw new UserError(`--format must be table or json, got "${opts.format}"`);
  const scope = (opts.riskScope ?? 'workload').toLowerCase();
  if (scope !== 'workload' && scope !== 'fleet') throw new UserError(`--risk-scope must be workload or fleet, got "${opts.riskScope}"`);
  // Fleet scope: MOrA's window rule replays as the fleet budget (one replay over all series); the baselines stay as they are.
  const parsed = parseStrategies(opts.strategies ?? (opts.frontier ? FRONTIER_BASELINES.join(',') : DEFAULT_STRATEGIES), kind);
  // `mora` beside a `mora-fleet` the user named stays MOrA per workload, so one run compares the two; renamed, it was the
  // same replay as that mora-fleet under a second name (two identical rows).
  const fleetNamed = parsed.some((s) => s.name === 'mora-fleet');
  const renameMora = scope === 'fleet' && !opts.frontier && !fleetNamed;
  // Its spelt name renamed alike (`mora@cpu-risk=0.050` → `mora-fleet@cpu-risk=0.050`): the rows are the fleet replay's.
  const scoped = renameMora ? parsed.map((s) => (s.name === 'mora'
    ? { ...s, name: 'mora-fleet' as const, ...(s.label !== undefined ? { label: s.label.replace(/^mora@/, 'mora-fleet@') } : {}), spelling: `${s.spelling} with --risk-scope fleet` }
    : s)) : parsed;
  const scopeNotes = scope === 'fleet' && !opts.frontier && fleetNamed && parsed.some((s) => s.name === 'mora')
    ? ['--risk-scope fleet with mora-fleet named in --strategies: mora stays MOrA per workload (every series held to the target), replayed beside mora-fleet (the fleet budget)']
    : [];
  const risks = riskList(opts, kind);
  // One replay per strategy: `mora@cpu-risk=0.05` and `…=0.050`, or `mora` with --cpu-risk 0.05 beside `mora@cpu-risk=0.05`,
  // or `mora` (the default target, 0.05 for cpu) beside it, are the same strategy, and replaying it twice printed two rows
  // and wrote each recs.csv row twice.
  const dedup = uniqueStrategies(opts.frontier ? scoped : withRisks(scoped, risks, kind), kind);
  const specs = dedup.specs;
  // --frontier: checked before anything is read (two curves asked for is a usage error, not one found after the replay).
  const plan = opts.frontier ? frontierPlan(specs, risks, kind, scope === 'fleet') : undefined;
  if (opts.html && !opts.frontier) throw new UserError('--html writes the frontier report; add --frontier');
  // As recommend/demo --report: named .html/.htm (a YAML or CSV given by mistake is refused, not replaced with HTML), in a folder that exists.
  if (opts.html) checkReportPath(opts.html, '--html');
  // The same file for both: recs.csv was written, then replaced by the report (exit 0, the per-day values lost).
  if (opts.html && opts.out && samePath(opts.out, opts.html)) {
    throw new UserError(`--out and --html name the same file (${opts.out}${opts.out === opts.html ? '' : `, ${opts.html}`}): the report would replace the per-day values; give each its own path`);
  }
  // --out the same way, before the replay (which may take minutes): a missing or read-only folder, or a folder given as
  // the file, is exit 2 naming it at once, not after the whole replay.
  if (opts.out) checkUserFile(opts.out);
  // Not given: the default, and shorter for a series it would leave without a scored day (below); given: for every series.
  const warmupGiven = opts.warmupDays !== undefined;
  const warmupDays = warmupGiven ? Number(opts.warmupDays) : DEFAULT_WARMUP_DAYS;
  if (!Number.isInteger(warmupDays) || warmupDays < 0) throw new UserError(`--warmup-days must be a whole number ≥ 0, got "${opts.warmupDays}"`);
  const scale = Number(opts.scale);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new UserError(`--scale must be a positive number, got "${opts.scale}"`);

  // A directory's unreadable files are named (stderr even with -q, the summary, JSON `skipped`); the others still replay.
  const report: LoadReport = { unreadable: [], notes: [] };
  const { unreadable } = report;
  const inputs = loadSeriesInput(opts.input, undefined, report, csvLayout(opts), kind, stdin).map((s) => ({
    name: s.name,
    missing: s.missing ?? 0,
    ...(s.cumulative ? { cumulative: true } : {}),
    ...(s.column !== undefined ? { column: s.column } : {}),
    series: scale === 1 ? s.series : makeSeries(s.series.t, Array.from(s.series.v, (x) => x * scale)),
  })).map((s) => {
    // A 3-day trace handed over expects rows: half its days to warm up on, not the 7 it does not have; and a trace under 14
    // days half too, so a longer trace never scores fewer days than a shorter one (said once, below).
    const short = warmupGiven ? undefined : shortWarmupDays(s.series, { warmupDays });
    return short === undefined ? s : { ...s, warmupDays: short };
  });
  // --out naming a file the input reads (`--input same.csv --out same.csv`, or a folder's web.csv) replaced the data with
  // the results, and a later run skipped it as a backtest output: refused before anything is replayed or written.
  const over = opts.out ? outputOverInput(opts.out, report.sources ?? []) : undefined;
  if (over !== undefined) {
    throw new UserError(`--out ${opts.out} is ${over === opts.input ? 'the input file' : `an input file (${over}, read from --input ${opts.input})`}: writing the results would replace the data; give another --out path`);
  }
  // Values are read in base units (cores, bytes); the baselines' floors and VPA's histogram depend on that (backtest-units.ts).
  report.notes.push(...scopeNotes, ...dedup.notes, ...unitNotes(inputs, kind, specs.map((s) => s.name), scale));
  const progress = !opts.quiet && inputs.length > 1;
  if (!opts.quiet && report.files) process.stderr.write(`backtest: ${filesText(opts.input, report.files, unreadable)}\n`);
  const tty = process.stderr.isTTY === true;
  const options = {
    warmupDays,
    // A terminal gets one updating line; a log gets a line every 10 series.
    onSeries: progress ? (done: number, total: number, name: string) => {
      if (tty) process.stderr.write(`\rbacktest: ${done}/${total} ${forTerminal(name.slice(0, 40)).padEnd(40)}${done === total ? '\n' : ''}`);
      else if (done % 10 === 0 || done === total) process.stderr.write(`backtest: ${done}/${total} series\n`);
    } : undefined,
  };
  let frontier: FrontierResult | undefined;
  let result: BacktestResult;
  if (plan) {
    frontier = runFrontier(inputs, kind, { ...options, ...plan });
    result = frontier.backtest;
  } else {
    result = runBacktest(inputs, kind, specs, options);
  }
  for (const n of report.notes) process.stderr.write(`mora: warning: ${forTerminal(n)}\n`);
  // Notes (a shorter warm-up, days without a value) are silenced by -q; warnings and skipped series print even then.
  const warmNote = opts.quiet ? '' : shortWarmupNote(inputs, warmupDays);
  if (warmNote) process.stderr.write(`mora: note: ${warmNote}\n`);
  // One line per reason: 12 files failing alike gave the same long reason 12 times (JSON `skipped` keeps every file's).
  for (const g of groupUnreadable(unreadable, opts.input)) {
    process.stderr.write(g.entries.length === 1
      ? `mora: skipped file ${forTerminal(g.entries[0].file)}: ${forTerminal(g.entries[0].reason)}\n`
      : `mora: skipped ${g.files.length} files in ${forTerminal(opts.input)} (${forTerminal(fewNames(g.files))}): ${forTerminal(g.reason)}\n`);
  }
  // A series with no scored day is left out of the means: name it, never drop it silently (stderr even with -q).
  const short = skippedSeries(inputs, result, warmupDays, warmupGiven);
  if (result.rows.length === 0) {
    // Histories shorter than an hour (a 22-minute pod-metrics dump) can score no day at any --warmup-days: say that, and what reads them.
    const longest = inputs.reduce((m, i) => Math.max(m, i.series.t.length > 1 ? i.series.t[i.series.t.length - 1] - i.series.t[0] : 0), 0);
    if (inputs.length > 0 && inputs.every((i) => i.series.t.length >= 2) && longest < 3600) {
      const points = inputs.reduce((m, i) => Math.max(m, i.series.t.length), 0);
      throw new UserError(`${opts.input}: no day could be scored: the longest series covers ${Math.round(longest / 60)} min (${points} points); backtest replays whole days `
        + `(a ${warmupDays}-day warm-up, then days with ≥ 12 samples covering ≥ 1 h), so it needs days of history; mora forecast --input reads a history this short`);
    }
    // Say why for the series themselves (no values at all, too short, too sparse), not only the general rule.
    const tooShort = short.some((s) => s.reason.startsWith('too short'));
    const why = short.slice(0, 3).map((s) => `${forTerminal(s.series)}: ${s.reason}`).join('; ') + (short.length > 3 ? `; … (${short.length} series)` : '');
    const needs = warmupGiven ? `more than ${warmupDays} days of samples (${tooShort ? '--warmup-days sets how many; ' : ''}` : `2 whole days of samples or more (a day to size from, then a day to score; ${tooShort ? `a series of 2 to ${shortTraceMaxDays(warmupDays)} whole days is warmed up on half its whole days; ` : ''}`;
    // Milliseconds from a trace's start read as seconds spread days of samples over decades: say that, not only "too sparse".
    const finer = opts.timeUnit === undefined && opts.step === undefined
      ? inputs.map((i) => ({ name: i.name, f: unitReadAsSeconds(i.series.t) })).find((x) => x.f !== undefined) : undefined;
    const unitHint = finer?.f ? `; ${forTerminal(finer.name)}: ${finerUnitHint(finer.f)}` : '';
    throw new UserError(`${opts.input}: no day could be scored (${why}); each series needs ${needs}a scored day needs ≥ 12 samples covering ≥ 1 h)${unitHint}`);
  }
  for (const s of short) process.stderr.write(`mora: skipped series ${forTerminal(s.series)}: ${s.reason}\n`);
  // A strategy without a value on a scored day has no row for it: one note per strategy says how many and why (not with -q).
  if (!opts.quiet) for (const n of noValueNotes(result, opts.out)) process.stderr.write(`mora: note: ${forTerminal(n)}\n`);
  // An unreadable file's series name as it would have been: its path below the directory without .csv/.json[.gz] (ns-a/web).
  const below = (file: string) => relative(opts.input, file).split(/[\\/]/).join('/');
  const skipped: SkippedSeries[] = [...short, ...unreadable.map((u) => ({ series: below(u.file).replace(/\.(csv|json)(\.gz)?$/i, ''), file: u.file, reason: u.reason }))];
  const skippedText = (short.length ? `skipped (no day scored): ${short.map((s) => forTerminal(s.series)).join(', ')}\n` : '')
    + (unreadable.length ? `skipped (unreadable, see stderr): ${unreadable.map((u) => forTerminal(below(u.file))).join(', ')}\n` : '');
  // User-given paths: their folders must exist (exit 2 naming a missing one); both are checked before either is written,
  // again after the replay (checked up front too), which may have taken a while.
  if (opts.out) checkUserFile(opts.out);
  if (opts.html && frontier) checkUserFile(opts.html);
  if (opts.out) {
    writeUserFile(opts.out, toCsv(['series', 'day_start', 'strategy', 'value'], result.rows.map((r) => [r.series, r.dayStart, r.strategy, r.value])));
  }
  let output: string;
  if (frontier) {
    if (opts.html) writeUserFile(opts.html, frontierHtml(frontier, { title: `MOrA risk–waste frontier: ${opts.input} (${kind})` }));
    output = format === 'json' ? JSON.stringify({ ...frontierJson(frontier, skipped, Boolean(opts.timings)), skipped }, null, 2) + '\n' : frontierText(frontier) + idleText(result) + skippedText;
  } else {
    output = format === 'json' ? JSON.stringify({ ...(toJson(result, skipped, Boolean(opts.timings)) as object), skipped }, null, 2) + '\n' : summaryTable(result) + idleText(result) + skippedText;
  }
  if (unreadable.length) {
    // As `recommend --apply-to` does: every readable file is done and written, then the run fails for the others.
    // Partial (exit 4), not a usage error (2): the summary printed and recs.csv written are good for the files read.
    // Files, not series: a file of several series (a pod column) counted once per series.
    const tried = report.files?.read.length ?? unreadable.length + inputs.length;
    const failure = new PartialResult(`${unreadable.length} of ${tried} files could not be read (named above); the others were replayed`);
    failure.output = output;
    throw failure;
  }
  return output;
}

/**
 * The progress line of a directory input: how many files it read (the first names), those it could not read (each named
 * with why on a line below; they were counted as read until 2026-12-01) and which it left aside.
 */
export function filesText(input: string, files: NonNullable<LoadReport['files']>, unreadable: readonly UnreadableFile[] = []): string {
  const few = (l: readonly string[]) => `${l.slice(0, 8).map(forTerminal).join(', ')}${l.length > 8 ? `, … (${l.length - 8} more)` : ''}`;
  const failed = new Set(unreadable.map((u) => relative(input, u.file)));
  const read = files.read.filter((f) => !failed.has(f));
  const bad = files.read.filter((f) => failed.has(f));
  return `${forTerminal(input)}: ${read.length} file${read.length === 1 ? '' : 's'} read${read.length ? ` (${few(read)})` : ''}`
    + (bad.length ? `; ${bad.length} could not be read (${few(bad)}; why below)` : '')
    + (files.ignored.length ? `; ${files.ignored.length} skipped, not .csv/.json/.csv.gz/.json.gz (${few(files.ignored)})` : '')
    + (files.outputs.length ? `; ${files.outputs.length} skipped as backtest --out files (${few(files.outputs)})` : '');
}

/**
 * What --frontier replays: the plain strategies are the baselines; MOrA's curve is `mora` over the grid (the risk list
 * and the targets named in --strategies, else the default grid), or `mora-prophet` when its targets are the ones named
 * (they traced plain mora, written as mora@…, before 2026-12-01); a `mora-fleet@…` target adds the fleet curve, as
 * --risk-scope fleet does. Targets named in --strategies keep their spelling (`mora@cpu-risk=0.050`), as without --frontier.
 */
export function frontierPlan(specs: readonly StrategySpec[], risks: readonly number[] | undefined, kind: ResourceKind, fleetScope: boolean): Pick<FrontierOptions, 'grid' | 'baselines' | 'curveStrategy' | 'withFleet' | 'targetLabels' | 'fleetLabels'> {
  const labelled = specs.filter((s) => s.risk !== undefined);
  const curves = [...new Set(labelled.map((s) => s.name).filter((n) => n !== 'mora-fleet'))];
  if (curves.length > 1) {
    const named = (n: StrategyName) => labelled.filter((s) => s.name === n).map((s) => strategyLabel(s, kind)).join(', ');
    throw new UserError(`--frontier traces one MOrA curve: --strategies has targets of ${curves.map((n) => `${n} (${named(n)})`).join(' and ')}; `
      + 'keep the targets of one, and name the other without a target (a point at its default target), or run --frontier once for each');
  }
  const curveStrategy = curves[0] === 'mora-prophet' ? 'mora-prophet' : 'mora';
  const labels = (name: StrategyName) => new Map(labelled.filter((s) => s.name === name && s.label !== undefined).map((s) => [s.risk!, s.label!]));
  return {
    // Every target asked for: the list's beside those named (the list replaced them: no row for mora@cpu-risk=0.050 with --cpu-risk 0.1).
    grid: risks || labelled.length ? [...(risks ?? []), ...labelled.map((s) => s.risk!)] : [...DEFAULT_GRID[kind]],
    baselines: specs.filter((s) => s.risk === undefined).map((s) => s.name),
    curveStrategy,
    withFleet: fleetScope || labelled.some((s) => s.name === 'mora-fleet'),
    targetLabels: labels(curveStrategy),
    fleetLabels: labels('mora-fleet'),
  };
}

/** A strategy to replay and how the command line named it (`mora@cpu-risk=0.050`, or `mora` with --cpu-risk 0.05). */
interface NamedSpec extends StrategySpec {
  spelling: string;
}

/**
 * `--strategies`: known names, or a MOrA strategy with its target (`mora@cpu-risk=0.05`), in order, repeats kept
 * (uniqueStrategies drops them). A bare number after a target is another target of the same strategy, as a list reads:
 * `mora@cpu-risk=0.01,0.05,0.1` is `mora@cpu-risk=0.01,mora@cpu-risk=0.05,mora@cpu-risk=0.1`.
 */
function parseStrategies(list: string, kind: ResourceKind): NamedSpec[] {
  const labels: string[] = [];
  for (const raw of list.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    const prefix = /^[0-9.]/.test(raw) ? /^([a-z-]+@[a-z]+-risk=)/.exec(labels[labels.length - 1] ?? '')?.[1] : undefined;
    labels.push(prefix ? `${prefix}${raw}` : raw);
  }
  if (labels.length === 0) throw new UserError(`--strategies is empty; choose from ${STRATEGY_NAMES.join(', ')}`);
  return labels.map((l): NamedSpec => {
    const spec = parseStrategySpec(l, kind);
    if (!spec) {
      if (/^[0-9.]/.test(l)) throw new UserError(`"${l}" in --strategies: a risk target follows its strategy, as mora@${kind}-risk=${l} (or --${kind}-risk ${l} for plain mora)`);
      // On a strategy that takes a target: say what is wrong with it (it said "a risk target goes on mora…" to mora@cpu-risk=5%).
      const target = /^([a-z-]+)@(cpu|memory)-risk=(.*)$/.exec(l);
      if (target && isRiskStrategy(target[1])) {
        const [, name, of, raw] = target;
        if (of !== kind) throw new UserError(`"${l}" in --strategies: a ${of} target with --kind ${kind}; give ${name}@${kind}-risk=<share> (e.g. ${name}@${kind}-risk=${DEFAULT_RISK[kind]}), or --kind ${of}`);
        const share = percentShare(raw);
        if (share !== undefined) throw new UserError(`"${l}" in --strategies: a share, not a percentage: ${raw} is ${share} (${name}@${kind}-risk=${share})`);
        throw new UserError(`"${l}" in --strategies: "${raw}" is not a share; write e.g. ${name}@${kind}-risk=${DEFAULT_RISK[kind]}`);
      }
      throw new UserError(l.includes('@')
        ? `"${l}" in --strategies: a risk target goes on ${RISK_STRATEGIES.join(' or ')} as @${kind}-risk=<share> (e.g. mora@${kind}-risk=${DEFAULT_RISK[kind]})`
        : `unknown strategy "${l}" in --strategies; choose from ${STRATEGY_NAMES.join(', ')}`);
    }
    if (spec.risk !== undefined) checkRisk(spec.risk, `"${l}" in --strategies`);
    // A target is written as spelt (`mora@cpu-risk=0.050`, `…=1e-2`): a harness matches the names it passed.
    return { ...spec, ...(spec.risk !== undefined ? { label: l } : {}), spelling: l };
  });
}

/**
 * Each strategy once, by what it replays (`mora@cpu-risk=0.05` whether written 0.05, 0.050 or 5e-2), the first spelling
 * in --strategies kept (else the --cpu-risk one), and its name in the output (as spelt; `mora@cpu-risk=0.05` for a
 * --cpu-risk target named nowhere in --strategies); one note per repeated
 * strategy names the spellings dropped and, when the kept one is no name, the name written. Plain `mora` is not merged with
 * `mora@<default target>` although it replays the same: each name asked for gets its rows in recs.csv (a script listing
 * `mora,mora@cpu-risk=0.01,0.05,0.1` reads all four).
 */
function uniqueStrategies(specs: readonly NamedSpec[], kind: ResourceKind): { specs: StrategySpec[]; notes: string[] } {
  const byLabel = new Map<string, { spec: StrategySpec; kept: string; dropped: string[] }>();
  for (const { spelling, ...spec } of specs) {
    const label = strategyLabel({ name: spec.name, risk: spec.risk }, kind);
    const seen = byLabel.get(label);
    if (!seen) byLabel.set(label, { spec, kept: spelling, dropped: [] });
    // A target spelt in --strategies wins over the same target from --cpu-risk/--memory-risk, wherever either comes: a
    // harness matches the names it listed (`-s mora,mora@cpu-risk=0.050 --cpu-risk 0.05` wrote mora@cpu-risk=0.05 rows).
    // The row set keeps the first one's place in the order.
    else if (seen.spec.label === undefined && spec.label !== undefined) {
      seen.dropped.push(seen.kept);
      seen.spec = spec; seen.kept = spelling;
    } else seen.dropped.push(spelling);
  }
  const notes = [...byLabel].filter(([, e]) => e.dropped.length > 0).map(([label, e]) => {
    const written = strategyLabel(e.spec, kind);
    return `${label} is named ${e.dropped.length + 1} times; replayed once, as "${e.kept}"${written === e.kept ? '' : `, written "${written}"`} (dropped: ${e.dropped.map((d) => `"${d}"`).join(', ')})`;
  });
  return { specs: [...byLabel.values()].map((e) => e.spec), notes };
}

/** Two paths naming one file: the same absolute path, or the same name in the same folder through a link. */
function samePath(a: string, b: string): boolean {
  const real = (p: string): string => {
    const abs = resolve(p);
    try { return join(realpathSync(dirname(abs)), basename(abs)); } catch { return abs; }
  };
  return resolve(a) === resolve(b) || real(a) === real(b);
}

/** `5%` → '0.05' (the share a percentage means), else undefined. */
function percentShare(raw: string): string | undefined {
  const m = /^([0-9]*\.?[0-9]+)\s*%$/.exec(raw.trim());
  return m ? formatRisk(Number(m[1]) / 100) : undefined;
}

const isRiskStrategy = (name: string): boolean => (RISK_STRATEGIES as readonly string[]).includes(name);

function checkRisk(r: number, where: string): void {
  if (!(r >= RISK_RANGE.min && r <= RISK_RANGE.max)) {
    throw new UserError(`${where}: risk targets are shares between ${RISK_RANGE.min} and ${RISK_RANGE.max} (0.05 = 5%), got ${r}`);
  }
}

/** The risk list for this kind (`--cpu-risk` / `--memory-risk`), validated; undefined when none is given. */
function riskList(opts: BacktestCliOptions, kind: ResourceKind): number[] | undefined {
  const other = kind === 'cpu' ? opts.memoryRisk : opts.cpuRisk;
  const flag = kind === 'cpu' ? '--cpu-risk' : '--memory-risk';
  if (other !== undefined) throw new UserError(`${kind === 'cpu' ? '--memory-risk' : '--cpu-risk'} applies to --kind ${kind === 'cpu' ? 'memory' : 'cpu'}; with --kind ${kind} use ${flag}`);
  const raw = kind === 'cpu' ? opts.cpuRisk : opts.memoryRisk;
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((x) => x.trim()).filter(Boolean);
  if (items.length === 0) throw new UserError(`${flag} is empty; give one or more shares, e.g. ${flag} ${DEFAULT_RISK[kind]}`);
  const out = items.map((x) => {
    const r = /^[0-9.eE+-]+$/.test(x) ? Number(x) : NaN;
    const share = percentShare(x);
    if (share !== undefined) throw new UserError(`${flag}: "${x}" is a percentage; give the share: ${share}`);
    if (!Number.isFinite(r)) throw new UserError(`${flag}: "${x}" is not a number; give shares such as 0.01,0.05`);
    checkRisk(r, flag);
    return r;
  });
  return [...new Set(out)];
}

/** With a risk list, each MOrA strategy is replayed once per target; the baselines once. */
function withRisks(specs: readonly NamedSpec[], risks: readonly number[] | undefined, kind: ResourceKind): NamedSpec[] {
  if (!risks) return [...specs];
  if (!specs.some((s) => RISK_STRATEGIES.includes(s.name))) {
    throw new UserError(`--${kind}-risk applies to ${RISK_STRATEGIES.join(' or ')}; add one to --strategies`);
  }
  const out = specs.flatMap((s) => (RISK_STRATEGIES.includes(s.name) && s.risk === undefined
    ? risks.map((risk) => ({ name: s.name, risk, spelling: `${s.spelling} with --${kind}-risk ${formatRisk(risk)}` }))
    : [s]));
  // Only labelled targets (`mora@cpu-risk=0.02 --cpu-risk 0.05`): the list was dropped silently and 0.02 alone replayed.
  // Every target asked for is replayed (README: one MOrA replay per risk target): the list's beside the labelled ones.
  const plain = new Set(specs.filter((s) => RISK_STRATEGIES.includes(s.name) && s.risk === undefined).map((s) => s.name));
  const labelledOnly = [...new Set(specs.filter((s) => RISK_STRATEGIES.includes(s.name) && s.risk !== undefined && !plain.has(s.name)).map((s) => s.name))];
  for (const name of labelledOnly) {
    out.push(...risks.map((risk) => ({ name, risk, spelling: `--${kind}-risk ${formatRisk(risk)}` })));
  }
  return out;
}

export interface SkippedSeries {
  series: string;
  /** Set when the file could not be read at all (the series is its name). */
  file?: string;
  reason: string;
}

/**
 * Series that got no scored day for any strategy (too short for the warm-up, or too sparse), with why. `warmupGiven`
 * false: no --warmup-days, so a series of 2 whole days or more had a shorter warm-up if one scored a day (its own
 * `warmupDays`), and one too short is too short for any.
 */
export function skippedSeries(inputs: ReadonlyArray<{ name: string; series: { t: Float64Array }; missing?: number; warmupDays?: number }>, result: BacktestResult, warmupDays: number, warmupGiven = true): SkippedSeries[] {
  const scored = new Set(result.perSeries.filter((p) => p.summary.days > 0).map((p) => p.series));
  return inputs.filter((i) => !scored.has(i.name)).map((i) => {
    const t = i.series.t;
    if (t.length === 0) {
      return { series: i.name, reason: i.missing ? `no values: all ${i.missing} rows are empty or NaN` : 'no rows after the header' };
    }
    const days = t.length > 1 ? (t[t.length - 1] - t[0]) / 86400 : 0;
    const warmup = i.warmupDays ?? warmupDays;
    const reason = !warmupGiven && wholeDays(i.series as Series) < 2
      ? `too short: ${days.toFixed(1)} days of samples (${t.length} points), needs 2 whole days or more (a day to size from, then a day to score)`
      : days <= warmup
        ? `too short: ${days.toFixed(1)} days of samples (${t.length} points), needs more than the ${warmup}-day warm-up`
        : `no day after the ${warmup}-day warm-up has 12 or more samples covering an hour (${t.length} points over ${days.toFixed(1)} days)`;
    return { series: i.name, reason };
  });
}

/**
 * The most whole days of a series that shortWarmupDays (backtest/warmup.ts) warms up on half of them without
 * --warmup-days: under twice the run's warm-up (13 at the default 7), so a longer trace never scores fewer days.
 */
export const shortTraceMaxDays = (warmupDays: number): number => 2 * warmupDays - 1;

/**
 * The series warmed up for fewer days than the run's `warmupDays` because they are too short for it (no --warmup-days):
 * how many, and their warm-ups; empty when none.
 */
export function shortWarmupNote(inputs: ReadonlyArray<{ name: string; series: Series; warmupDays?: number }>, warmupDays: number): string {
  const short = inputs.filter((i) => i.warmupDays !== undefined && i.warmupDays < warmupDays);
  if (short.length === 0) return '';
  const dayText = (d: number) => `${d} day${d === 1 ? '' : 's'}`;
  if (inputs.length === 1) {
    return `the series (${dayText(wholeDays(short[0].series))} of samples) is too short for the default ${warmupDays}-day warm-up (it needs twice that to score as many days as it warms up on): `
      + `warmed up on ${dayText(short[0].warmupDays!)} (half its whole days), scored on the rest; --warmup-days <n> sets the warm-up`;
  }
  const by = new Map<number, string[]>();
  for (const i of short) by.set(i.warmupDays!, [...(by.get(i.warmupDays!) ?? []), i.name]);
  const groups = [...by].sort((a, b) => a[0] - b[0]).map(([d, names]) => `${dayText(d)}: ${names.length} series (${fewNames(names.map(forTerminal), 3)})`);
  return `${short.length} of ${inputs.length} series are too short for the default ${warmupDays}-day warm-up (under twice that): `
    + `each warmed up on half its whole days (${groups.join('; ')}), scored on the rest; ${short.length < inputs.length ? `the others keep ${warmupDays} days; ` : ''}--warmup-days <n> sets one warm-up for every series`;
}

/**
 * One line per strategy that gave no value on some scored days (KRR before 100 points in its window, Autopilot after a gap,
 * a strategy with nothing to size from): how many of its series-days, on how many series, and why where the strategy says.
 * Those days have no row in recs.csv and are not in its scores; no value is made up for them.
 */
export function noValueNotes(r: BacktestResult, out?: string): string[] {
  return r.strategies.flatMap((name) => {
    const mine = r.perSeries.filter((p) => p.strategy === name);
    const missing = mine.reduce((a, p) => a + p.noAnswer, 0);
    if (missing === 0) return [];
    const total = mine.reduce((a, p) => a + p.noAnswer + p.summary.days, 0);
    const series = mine.filter((p) => p.noAnswer > 0).length;
    const why = new Map<string, number>();
    for (const p of mine) for (const [w, k] of Object.entries(p.noAnswerWhy ?? {})) why.set(w, (why.get(w) ?? 0) + k);
    const reasons = [...why].map(([w, k]) => (why.size > 1 || k < missing ? `${w}: ${k}` : w));
    return [`${name} gave no value on ${missing} of ${total} scored series-days (${series} series${reasons.length ? `; ${reasons.join('; ')}` : ''}): `
      + `no row for them${out ? ` in ${out}` : ''}, nor in its scores`];
  });
}

/**
 * Idle series (no usage on any scored day): their waste ratio is undefined, so they are left out of the means
 * (replay/score.ts); one line names them, and the strategies when not every one (a strategy that answered on fewer days).
 */
export function idleText(r: BacktestResult): string {
  if (r.idle.length === 0) return '';
  const names = r.idle.map((x) => forTerminal(x.series) + (x.strategies.length < r.strategies.length ? ` (for ${x.strategies.map(forTerminal).join(', ')})` : ''));
  return `${r.idle.length} idle series (no usage on any scored day) left out of the means: ${names.join(', ')}\n`;
}

/**
 * The result as data. A series a strategy scored no day of has no ratios: waste and shortfall are null with the reason in
 * `unscored` (a 0 would read as a perfect fit), and it is not in the means (runBacktest leaves it out). An idle
 * series has null waste and shortfall ratios too (`summary.idle`), and `idle` lists them: not in the means either.
 */
function toJson(r: BacktestResult, skipped: readonly SkippedSeries[] = [], timings = false): unknown {
  const why = new Map(skipped.map((s) => [s.series, s.reason]));
  const perSeries = r.perSeries.map(({ days: _d, noAnswerWhy: _w, ...p }) => (p.summary.days > 0 ? p : {
    ...p,
    summary: { ...p.summary, wasteRatio: null, shortfallRatio: null },
    unscored: why.get(p.series) ?? (p.noAnswer > 0
      ? `the strategy gave no value on any of the ${p.noAnswer} scorable days after the warm-up`
      : 'no day after the warm-up has 12 or more samples covering an hour'),
  }));
  return { kind: r.kind, strategies: r.strategies, mean: r.mean, idle: r.idle, perSeries, ...(timings ? { elapsedMs: Math.round(r.elapsedMs) } : {}) };
}

/** A relative error as a signed whole percentage (`+12%`); '—' without one (every series idle: it printed `—%`). */
function relativePercent(x: number): string {
  return Number.isFinite(x) ? `${signed(x * 100, 0)}%` : '—';
}

/** The frontier as data: points, MOrA's curve, dominance, calibration, confidence, the oracle (≤ 101 points) and the summaries. */
export function frontierJson(f: FrontierResult, skipped: readonly SkippedSeries[] = [], timings = false): Record<string, unknown> {
  const maxRisk = Math.max(...f.points.map((p) => p.risk).filter(Number.isFinite), 0) * 1.2;
  return {
    kind: f.kind, grid: f.grid, riskMeasure: f.kind === 'cpu' ? 'exceedance share' : 'OOM-day share (1 − OOM-free days)', wasteMeasure: 'waste ratio',
    dominanceRatio: DOMINANCE_RATIO, idle: f.backtest.idle, points: f.points, curve: f.curve, dominance: f.dominance, calibration: f.calibration, confidence: f.confidence,
    ...(f.fleet ? { fleet: f.fleet } : {}),
    oracle: sampleFrontier(f.oracle, 101, Math.max(maxRisk, 0.01)), dayQuantile: f.dayQuantile,
    backtest: toJson(f.backtest, skipped, timings), ...(timings ? { elapsedMs: Math.round(f.elapsedMs), oracleMs: Math.round(f.oracleMs) } : {}),
  };
}

export function frontierText(f: FrontierResult): string {
  const riskHead = f.kind === 'cpu' ? 'exceedance' : 'OOM days';
  const out: string[] = [];
  out.push(`${f.kind} risk–waste frontier: mean over series (risk = ${f.kind === 'cpu' ? 'share of samples above the request' : 'share of OOM days'}; waste = Σwaste / Σusage)\n`);
  out.push(renderTable([{ header: 'strategy' }, { header: 'target', align: 'right' }, { header: riskHead, align: 'right' }, { header: 'waste', align: 'right' },
    { header: 'oracle waste', align: 'right' }, { header: 'series', align: 'right' }, { header: 'days', align: 'right' }],
  f.points.map((p) => [p.strategy, p.target !== undefined ? percent(p.target, 1) : '', percent(p.risk, 2), fixed(p.waste), fixed(oracleWasteAt(f.oracle, p.risk)), String(p.series), String(p.days)])));
  const fewer = fewerDaysText(f);
  if (fewer) out.push(`${forTerminal(fewer)}\n`);
  out.push(`\ndominance: MOrA's waste at ≤ the baseline's risk (along its curve; grid ratio: at the best grid target, no interpolation) / the baseline's waste; dominates at ≤ ${DOMINANCE_RATIO}\n`);
  out.push(renderTable([{ header: 'baseline' }, { header: riskHead, align: 'right' }, { header: 'waste', align: 'right' }, { header: 'MOrA waste', align: 'right' },
    { header: 'at target', align: 'right' }, { header: 'ratio', align: 'right' }, { header: 'verdict', keep: true }, { header: 'grid ratio', align: 'right' }, { header: 'oracle ×', align: 'right' }],
  f.dominance.map((d) => [d.baseline, percent(d.baselineRisk, 2), fixed(d.baselineWaste), fixed(d.moraWaste), percent(d.moraTarget, 1), fixed(d.ratio, 2),
    verdictText(d, f.curve, 'MOrA'), fixed(d.gridRatio, 2), fixed(d.oracleRatio, 2)])));
  out.push(belowCurveText(f.dominance, f.curve, "MOrA's"));
  if (f.fleet) {
    out.push(`\nfleet risk budget (mora-fleet: the target is the mean over series, each series gets its own): dominance at each baseline's point\n`);
    out.push(renderTable([{ header: 'baseline' }, { header: riskHead, align: 'right' }, { header: 'per-workload ratio', align: 'right' }, { header: 'fleet waste', align: 'right' },
      { header: 'fleet target', align: 'right' }, { header: 'fleet ratio', align: 'right' }, { header: 'verdict', keep: true }],
    f.fleet.dominance.map((d, i) => [d.baseline, percent(d.baselineRisk, 2), fixed(f.dominance[i].ratio, 2), fixed(d.moraWaste), percent(d.moraTarget, 1), fixed(d.ratio, 2),
      verdictText(d, f.fleet!.curve, 'fleet')])));
    out.push(belowCurveText(f.fleet.dominance, f.fleet.curve, "the fleet curve's"));
    const fc = f.fleet.calibration;
    out.push(`fleet mean achieved vs target: ${fc.length && fc.every((c) => c.within === null) ? CALIBRATION_UNJUDGED
      : fc.map((c) => `${percent(c.target, 1)} → ${percent(c.achievedMean, 2)}${c.within === false ? ' (out)' : c.within === null ? ' (cannot be judged)' : ''}`).join(', ')}\n`);
  }
  out.push(`\ncalibration: achieved ${riskHead} share vs target (within ±25% relative, or ±0.5 points under 2%)\n`);
  out.push(renderTable([{ header: 'target', align: 'right' }, { header: 'mean', align: 'right' }, { header: 'rel.err', align: 'right' }, { header: 'pts', align: 'right' },
    { header: 'pooled', align: 'right' }, { header: 'rel.err', align: 'right' }, { header: 'within', keep: true }, { header: 'series within', align: 'right' }],
  f.calibration.map((c) => [percent(c.target, 1), percent(c.achievedMean, 2), relativePercent(c.relativeError), signed(c.pointsError, 2), percent(c.achievedPooled, 2),
    relativePercent(c.relativeErrorPooled), withinText(c.within), percent(c.seriesWithin, 0)])));
  if (f.calibration.some((c) => c.within === null)) out.push(`calibration ${CALIBRATION_UNJUDGED}\n`);
  out.push(`\nconfidence: violation rate of days by the confidence MOrA gave (${f.kind === 'cpu' ? "the day's exceedance share above the target" : 'an OOM day'}); goal: ≥ 0.8 at most half of < 0.5\n`);
  out.push(renderTable([{ header: 'strategy', keep: true }, ...f.confidence[0].buckets.flatMap((b) => [{ header: `${b.label} days`, align: 'right' as const }, { header: 'violated', align: 'right' as const }]),
    { header: 'unrated', align: 'right' }, { header: 'high/low', align: 'right' }, ...(f.kind === 'cpu' ? [{ header: 'excess h/l', align: 'right' as const }] : [])],
  f.confidence.map((t) => [t.strategy, ...t.buckets.flatMap((b) => [String(b.days), percent(b.rate, 1)]), String(t.unrated), fixed(t.ratio, 2), ...(f.kind === 'cpu' ? [fixed(t.excessRatio, 2)] : [])])));
  const o = f.oracle;
  if (o.length) {
    const at = [0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2].filter((r) => r >= o[0].risk);
    out.push(`\noracle (each day known in advance; the least waste any one-value-per-day rule can reach at that mean risk): ${at.map((r) => `${percent(r, 1)} → ${fixed(oracleWasteAt(o, r))}`).join(', ')}\n`);
  }
  if (f.dayQuantile.length) {
    out.push(`each day at its own (1 − target) quantile, known in advance (a uniform per-day percentile, not the limit): ${f.dayQuantile.map((p) => `${percent(p.risk, 1)} → ${fixed(p.waste)}`).join(', ')}\n`);
  }
  return out.join('');
}

/**
 * A baseline's dominance verdict; without a ratio, why: no point on the curve at all (every series idle), none for the
 * baseline, the baseline below the curve's lowest achieved risk (it said 'no MOrA point' beside a curve of 12 points:
 * NAB's Autopilot at 1.98%, MOrA's 0.5% target at 2.00%), or a baseline that wastes nothing.
 */
export function verdictText(d: Dominance, curve: readonly StrategyPoint[], who: 'MOrA' | 'fleet'): string {
  if (d.dominates) return 'dominates';
  if (Number.isFinite(d.ratio)) return 'not dominated';
  const lowest = paretoCurve(curve)[0];
  if (!lowest) return `no ${who === 'MOrA' ? 'MOrA' : 'fleet'} point`;
  if (!Number.isFinite(d.baselineRisk)) return 'no baseline point';
  if (d.baselineRisk < lowest.risk) return 'below curve';
  if (!(d.baselineWaste > 0)) return 'the baseline wastes nothing';
  return 'no ratio';
}

/** One line naming the baselines whose risk is under the curve's lowest achieved risk (verdict 'below curve'), or ''. */
function belowCurveText(dom: readonly Dominance[], curve: readonly StrategyPoint[], whose: string): string {
  const lowest = paretoCurve(curve)[0];
  const below = lowest ? dom.filter((d) => !Number.isFinite(d.ratio) && d.baselineRisk < lowest.risk) : [];
  if (!lowest || below.length === 0) return '';
  return `below curve: ${below.map((d) => `${forTerminal(d.baseline)} at ${percent(d.baselineRisk, 2)}`).join(', ')} under ${whose} lowest achieved risk, `
    + `${percent(lowest.risk, 2)}${lowest.target !== undefined ? ` (target ${percent(lowest.target, 1)})` : ''}: no ratio there\n`;
}

/** 'yes', 'no', or '—' when it cannot be judged (no series with usage: a 'no' was a verdict on nothing). */
export function withinText(within: boolean | null): string {
  return within === null ? '—' : within ? 'yes' : 'no';
}

function signed(x: number, digits: number): string {
  return Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${fixed(x, digits)}` : '—';
}

/**
 * The last column is the share of days with no sample above the value (replay/score.ts oomFreeShare). For memory the value
 * is the limit, so those are OOM-free days; for CPU it is the request, and a day above it is throttling at most, not an OOM.
 */
export function dayColumn(kind: string): string {
  return kind === 'cpu' ? 'days never above' : 'OOM-free days';
}

export function summaryTable(r: BacktestResult): string {
  const vpa = r.mean.find((m) => m.strategy === 'vpa')?.summary;
  const rows = r.mean.map((m) => {
    const s = m.summary;
    return [m.strategy, String(m.series), String(s.days), percent(s.relativeSlack), fixed(s.wasteRatio), vpa && vpa.wasteRatio > 0 ? fixed(s.wasteRatio / vpa.wasteRatio, 2) : '—',
      fixed(s.shortfallRatio, 4), percent(s.exceedanceShare, 2), percent(s.oomFreeShare)];
  });
  const head = `${r.kind} backtest: mean over series (waste and shortfall relative to usage; ${r.kind === 'cpu'
    ? 'value = CPU request; days never above: days with no sample above the request'
    : 'value = memory limit; OOM-free days: days with no sample above the limit'})\n`;
  return head + renderTable([
    { header: 'strategy' }, { header: 'series', align: 'right' }, { header: 'days', align: 'right' }, { header: 'rel.slack', align: 'right' },
    { header: 'waste', align: 'right' }, { header: '×vpa', align: 'right' }, { header: 'shortfall', align: 'right' },
    { header: 'exceed', align: 'right' }, { header: dayColumn(r.kind), align: 'right' },
  ], rows);
}
