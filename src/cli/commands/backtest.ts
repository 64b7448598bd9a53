/**
 * `mora backtest --input <csv|dir> --kind cpu|memory [--strategies mora,vpa,krr,autopilot] [--out recs.csv] [--format table|json]`
 * Rolling daily replay of sizing strategies over `timestamp,value` series (docs/ENGINE.md has the scoring definition).
 * Writes one row per series, day and strategy (`series,day_start,strategy,value`) and prints the summary.
 */
import type { Command } from 'commander';
import { series as makeSeries } from '../../core/series';
import { runBacktest, type BacktestResult } from '../../rightsizing/backtest/run';
import { isStrategyName, STRATEGY_NAMES, type StrategyName } from '../../rightsizing/backtest/strategies';
import { UserError } from '../errors';
import { toCsv } from '../format/csv';
import { fixed, percent, renderTable } from '../format/table';
import { writeFileAtomic } from '../format/write';
import { loadSeriesInput } from './backtest-input';

export interface BacktestCliOptions {
  input: string;
  kind: string;
  strategies: string;
  out?: string;
  format: string;
  warmupDays: string;
  scale: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('backtest')
    .description('Replay sizing strategies day by day over timestamp,value series and score waste, shortfall and OOM-free days')
    .requiredOption('-i, --input <path>', 'a timestamp,value CSV or a directory of them (series name = file name)')
    .requiredOption('-k, --kind <kind>', 'cpu (value = CPU request, cores) or memory (value = memory limit, bytes)')
    .option('-s, --strategies <names>', `comma-separated: ${STRATEGY_NAMES.join(', ')}`, 'mora,vpa,krr,autopilot')
    .option('-o, --out <csv>', 'write the per-day values: series,day_start,strategy,value')
    .option('-f, --format <format>', 'summary as table or json', 'table')
    .option('--warmup-days <n>', 'days observed before scoring starts', '7')
    .option('--scale <factor>', 'multiply input values by this (e.g. 0.001 for MHz or millicores to cores)', '1')
    .option('-q, --quiet', 'no progress on stderr')
    .addHelpText('after', '\nExit codes: 0 ok, 1 unexpected failure, 2 bad input or usage.')
    .action((opts: BacktestCliOptions) => {
      process.stdout.write(backtestCommand(opts));
    });
}

export function backtestCommand(opts: BacktestCliOptions): string {
  const kind = opts.kind.toLowerCase();
  if (kind !== 'cpu' && kind !== 'memory') throw new UserError(`--kind must be cpu or memory, got "${opts.kind}"`);
  const format = opts.format.toLowerCase();
  if (format !== 'table' && format !== 'json') throw new UserError(`--format must be table or json, got "${opts.format}"`);
  const names = opts.strategies.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (names.length === 0) throw new UserError(`--strategies is empty; choose from ${STRATEGY_NAMES.join(', ')}`);
  for (const n of names) if (!isStrategyName(n)) throw new UserError(`unknown strategy "${n}" in --strategies; choose from ${STRATEGY_NAMES.join(', ')}`);
  const warmupDays = Number(opts.warmupDays);
  if (!Number.isInteger(warmupDays) || warmupDays < 0) throw new UserError(`--warmup-days must be a whole number ≥ 0, got "${opts.warmupDays}"`);
  const scale = Number(opts.scale);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new UserError(`--scale must be a positive number, got "${opts.scale}"`);

  const inputs = loadSeriesInput(opts.input).map((s) => ({
    name: s.name,
    series: scale === 1 ? s.series : makeSeries(s.series.t, Array.from(s.series.v, (x) => x * scale)),
  }));
  const progress = !opts.quiet && inputs.length > 1;
  const tty = process.stderr.isTTY === true;
  const result = runBacktest(inputs, kind, names as StrategyName[], {
    warmupDays,
    // A terminal gets one updating line; a log gets a line every 10 series.
    onSeries: progress ? (done, total, name) => {
      if (tty) process.stderr.write(`\rbacktest: ${done}/${total} ${name.slice(0, 40).padEnd(40)}${done === total ? '\n' : ''}`);
      else if (done % 10 === 0 || done === total) process.stderr.write(`backtest: ${done}/${total} series\n`);
    } : undefined,
  });
  if (result.rows.length === 0) {
    throw new UserError(`${opts.input}: no day could be scored; each series needs more than ${warmupDays} days of samples (≥ 12 samples on a scored day)`);
  }
  // A series with no scored day is left out of the means: name it, never drop it silently (stderr even with -q).
  const skipped = skippedSeries(inputs, result, warmupDays);
  for (const s of skipped) process.stderr.write(`mora: skipped series ${s.series}: ${s.reason}\n`);
  if (opts.out) {
    writeFileAtomic(opts.out, toCsv(['series', 'day_start', 'strategy', 'value'], result.rows.map((r) => [r.series, r.dayStart, r.strategy, r.value])));
  }
  if (format === 'json') return JSON.stringify({ ...(toJson(result) as object), skipped }, null, 2) + '\n';
  const table = summaryTable(result);
  return skipped.length ? `${table}skipped (no day scored): ${skipped.map((s) => s.series).join(', ')}\n` : table;
}

export interface SkippedSeries {
  series: string;
  reason: string;
}

/** Series that got no scored day for any strategy (too short for the warm-up, or too sparse), with why. */
export function skippedSeries(inputs: ReadonlyArray<{ name: string; series: { t: Float64Array } }>, result: BacktestResult, warmupDays: number): SkippedSeries[] {
  const scored = new Set(result.perSeries.filter((p) => p.summary.days > 0).map((p) => p.series));
  return inputs.filter((i) => !scored.has(i.name)).map((i) => {
    const t = i.series.t;
    const days = t.length > 1 ? (t[t.length - 1] - t[0]) / 86400 : 0;
    const reason = days <= warmupDays
      ? `too short: ${days.toFixed(1)} days of samples (${t.length} points), needs more than the ${warmupDays}-day warm-up`
      : `no day after the ${warmupDays}-day warm-up has 12 or more samples (${t.length} points over ${days.toFixed(1)} days)`;
    return { series: i.name, reason };
  });
}

function toJson(r: BacktestResult): unknown {
  return { kind: r.kind, strategies: r.strategies, mean: r.mean, perSeries: r.perSeries, elapsedMs: Math.round(r.elapsedMs) };
}

export function summaryTable(r: BacktestResult): string {
  const vpa = r.mean.find((m) => m.strategy === 'vpa')?.summary;
  const rows = r.mean.map((m) => {
    const s = m.summary;
    return [m.strategy, String(m.series), String(s.days), percent(s.relativeSlack), fixed(s.wasteRatio), vpa && vpa.wasteRatio > 0 ? fixed(s.wasteRatio / vpa.wasteRatio, 2) : '—',
      fixed(s.shortfallRatio, 4), percent(s.exceedanceShare, 2), percent(s.oomFreeShare)];
  });
  const head = `${r.kind} backtest: mean over series (waste and shortfall relative to usage; ${r.kind === 'cpu' ? 'value = CPU request' : 'value = memory limit'})\n`;
  return head + renderTable([
    { header: 'strategy' }, { header: 'series', align: 'right' }, { header: 'days', align: 'right' }, { header: 'rel.slack', align: 'right' },
    { header: 'waste', align: 'right' }, { header: '×vpa', align: 'right' }, { header: 'shortfall', align: 'right' },
    { header: 'exceed', align: 'right' }, { header: 'oom-free days', align: 'right' },
  ], rows);
}
