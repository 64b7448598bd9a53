/**
 * `npm run bench:prophet -- --data <datasets dir> [--r auto|live|stored] [--series <substring>] [--all] [--runs 21]`
 *
 * Parity: for every CPU and memory series (NAB realAWSCloudwatch CPU, Bitbrains CPU MHz and memory bytes) hold out the last
 * 288 points (one day at 5 min), fit MOrA's Prophet on the rest, forecast the held-out day, and compare with R prophet 1.0
 * (same configuration): MAE of each against the actuals, MAE between them, 90% band coverage. R runs live in this process's
 * invocation when `Rscript` with prophet is installed; otherwise the stored R results under <data>/reference are used (the
 * output says which).
 * Speed: fit + predict 288 steps with the band on a 4,032-point series, MOrA median of --runs against R's fit and predict
 * (timed inside R, excluding R start-up), with the ratio.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clean, series, type Series } from '../../src/core/series';
import { parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { fitProphet } from '../../src/ml/prophet';

const HOLDOUT = 288;

interface Args { data: string; r: 'auto' | 'live' | 'stored'; filter: string; all: boolean; runs: number }

function parseArgs(argv: string[]): Args {
  const a: Args = { data: '', r: 'auto', filter: '', all: false, runs: 21 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--data') a.data = argv[++i];
    else if (k === '--r') a.r = argv[++i] as Args['r'];
    else if (k === '--series') a.filter = argv[++i];
    else if (k === '--all') a.all = true;
    else if (k === '--runs') a.runs = Number(argv[++i]);
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.data) throw new Error('usage: npm run bench:prophet -- --data <datasets dir> [--r auto|live|stored] [--series <substring>] [--all] [--runs n]');
  // Accept the timestamp_value folder itself as well as the datasets root.
  if (!existsSync(join(a.data, 'timestamp_value')) && existsSync(join(a.data, '..', 'timestamp_value'))) a.data = join(a.data, '..');
  if (!existsSync(join(a.data, 'timestamp_value'))) throw new Error(`--data ${a.data}: no timestamp_value/ folder (expected the shared datasets directory)`);
  return a;
}

/** CPU and memory series (the scope); --all adds NAB's disk, network and request-count series. */
function inScope(name: string, all: boolean): boolean {
  if (all) return true;
  return /cpu|_mem_/.test(name) || name === 'nab_grok_asg_anomaly';
}

interface RResult { yhat: number[]; lower: number[]; upper: number[]; fitS: number; predictS: number; objective: number | null }

function loadSeries(data: string, name: string): Series {
  return clean(parseTimeseriesCsv(readFileSync(join(data, 'timestamp_value', `${name}.csv`), 'utf8'), name).series).series;
}

function split(s: Series): { train: Series; test: Series } {
  const n = s.t.length - HOLDOUT;
  return { train: series(s.t.subarray(0, n), s.v.subarray(0, n)), test: series(s.t.subarray(n), s.v.subarray(n)) };
}

function hasRProphet(): boolean {
  const r = spawnSync('Rscript', ['-e', 'suppressMessages(library(prophet)); cat("ok")'], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return r.status === 0 && r.stdout.includes('ok');
}

/** One R process fits every job (csv in → csv + timings out), so R's start-up is paid once and excluded from timings. */
const R_SCRIPT = `
suppressMessages(library(prophet))
args <- commandArgs(trailingOnly = TRUE)
jobs <- read.csv(args[1], stringsAsFactors = FALSE)
for (i in seq_len(nrow(jobs))) {
  d <- read.csv(jobs$train[i]); f <- read.csv(jobs$future[i])
  df <- data.frame(ds = as.POSIXct(d$t, origin = "1970-01-01", tz = "UTC"), y = d$v)
  fut <- data.frame(ds = as.POSIXct(f$t, origin = "1970-01-01", tz = "UTC"))
  set.seed(42)
  t0 <- proc.time()[["elapsed"]]
  m <- suppressMessages(prophet(df, growth = "linear", n.changepoints = 25, changepoint.range = 0.8,
    yearly.seasonality = FALSE, weekly.seasonality = TRUE, daily.seasonality = TRUE,
    seasonality.mode = "additive", changepoint.prior.scale = 0.05, seasonality.prior.scale = 10,
    interval.width = 0.9, uncertainty.samples = 1000))
  t1 <- proc.time()[["elapsed"]]
  p <- predict(m, fut)
  t2 <- proc.time()[["elapsed"]]
  write.csv(data.frame(yhat = p$yhat, lower = p$yhat_lower, upper = p$yhat_upper), jobs$out[i], row.names = FALSE)
  writeLines(sprintf("%.6f,%.6f,%.10g", t1 - t0, t2 - t1, m$stan.fit$value), paste0(jobs$out[i], ".time"))
}
`;

function runRLive(jobs: { name: string; train: Series; future: Float64Array }[]): Map<string, RResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mora-bench-prophet-'));
  try {
    const lines = ['name,train,future,out'];
    for (const j of jobs) {
      const train = join(dir, `${j.name}.train.csv`), future = join(dir, `${j.name}.future.csv`), out = join(dir, `${j.name}.out.csv`);
      writeFileSync(train, 't,v\n' + Array.from(j.train.t, (t, i) => `${t},${j.train.v[i]}`).join('\n') + '\n');
      writeFileSync(future, 't\n' + Array.from(j.future).join('\n') + '\n');
      lines.push(`${j.name},${train},${future},${out}`);
    }
    writeFileSync(join(dir, 'jobs.csv'), lines.join('\n') + '\n');
    writeFileSync(join(dir, 'run.R'), R_SCRIPT);
    execFileSync('Rscript', [join(dir, 'run.R'), join(dir, 'jobs.csv')], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, TZ: 'UTC' } });
    const res = new Map<string, RResult>();
    for (const j of jobs) {
      const out = join(dir, `${j.name}.out.csv`);
      const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
      const [fitS, predictS, objective] = readFileSync(out + '.time', 'utf8').trim().split(',').map(Number);
      res.set(j.name, { yhat: rows.map((r) => r[0]), lower: rows.map((r) => r[1]), upper: rows.map((r) => r[2]), fitS, predictS, objective });
    }
    return res;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function storedR(data: string, name: string, test: Series): RResult | null {
  const dir = join(data, 'reference', 'r_prophet_holt_winters', name);
  if (!existsSync(join(dir, 'forecasts.csv'))) return null;
  const lines = readFileSync(join(dir, 'forecasts.csv'), 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const col = (c: string): number => head.indexOf(c);
  const rows = lines.slice(1).map((l) => l.split(','));
  if (rows.length !== test.t.length || Number(rows[0][col('ts')]) !== test.t[0]) {
    throw new Error(`${name}: stored R forecasts do not cover the same held-out day (${rows.length} rows from ${rows[0][col('ts')]}, expected ${test.t.length} from ${test.t[0]})`);
  }
  const sum = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  const pr = sum.methods.prophet;
  return {
    yhat: rows.map((r) => Number(r[col('prophet')])), lower: rows.map((r) => Number(r[col('prophet_lower')])), upper: rows.map((r) => Number(r[col('prophet_upper')])),
    fitS: pr.timing.fit_s, predictS: pr.timing.predict_s, objective: pr.model.optimizer?.value ?? null,
  };
}

const mae = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let s = 0; for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]); return s / a.length; };
const coverage = (y: ArrayLike<number>, lo: ArrayLike<number>, hi: ArrayLike<number>): number => { let c = 0; for (let i = 0; i < y.length; i++) if (y[i] >= lo[i] && y[i] <= hi[i]) c++; return c / y.length; };
const median = (a: number[]): number => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const pad = (s: string, n: number): string => s.padEnd(n);
const num = (x: number, d = 3): string => (Number.isFinite(x) ? x.toPrecision(d + 1) : 'n/a');

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const names = readdirSync(join(args.data, 'timestamp_value')).filter((f) => f.endsWith('.csv')).map((f) => f.replace(/\.csv$/, ''))
    .filter((n) => inScope(n, args.all) && n.includes(args.filter)).sort();
  const live = args.r === 'live' || (args.r === 'auto' && hasRProphet());
  if (args.r === 'live' && !hasRProphet()) throw new Error('--r live: Rscript with the prophet package is not installed (apt-get install r-cran-prophet)');
  const date = new Date().toISOString();
  console.log(`# bench:prophet ${date} — ${names.length} series, hold-out ${HOLDOUT} points; R reference: ${live ? 'R prophet run live now (Rscript)' : 'stored R prophet 1.0 results (<data>/reference; Rscript+prophet not installed or --r stored)'}`);

  const jobs = names.map((name) => { const s = loadSeries(args.data, name); const { train, test } = split(s); return { name, train, test, future: Float64Array.from(test.t) }; });
  // Speed job: a 4,032-point (14 days at 5 min) series fit on all rows, predicting the next 288 steps.
  const speedName = names.find((n) => loadSeries(args.data, n).t.length === 4032) ?? 'nab_ec2_cpu_utilization_53ea38';
  const speedSeries = loadSeries(args.data, speedName);
  const speedFuture = Float64Array.from({ length: HOLDOUT }, (_, i) => speedSeries.t[speedSeries.t.length - 1] + 300 * (i + 1));

  let rLive: Map<string, RResult> | null = null;
  let rSpeed: RResult | null = null;
  if (live) {
    process.stderr.write(`running R prophet on ${jobs.length + 1} series in one Rscript process (a few seconds each)...\n`);
    const t0 = performance.now();
    rLive = runRLive([...jobs, { name: '__speed__', train: speedSeries, future: speedFuture }]);
    rSpeed = rLive.get('__speed__') ?? null;
    console.log(`(R ran ${jobs.length + 1} fits in ${((performance.now() - t0) / 1000).toFixed(1)} s wall, including one R start-up)`);
  }

  // With R live, also show how far R's own answer moves between two runs (live vs the stored reference): the noise floor of parity.
  const cols = ['series', 'MAE R', 'MAE MOrA', 'MOrA/R', 'MOrA-R/R', 'cov R', 'cov MOrA', 'logpost M-R', ...(rLive ? ['Rlive/Rstored'] : [])];
  console.log('\n' + cols.map((h, i) => pad(h, i === 0 ? 40 : 12)).join(''));
  const ratios: number[] = [];
  const covDiffs: number[] = [];
  for (const j of jobs) {
    const r = rLive ? rLive.get(j.name)! : storedR(args.data, j.name, j.test);
    if (!r) { console.log(`${pad(j.name, 40)}no R reference`); continue; }
    const model = fitProphet(j.train);
    const fc = model.predictAt(j.future);
    const y = j.test.v;
    const maeR = mae(r.yhat, y), maeM = mae(fc.mean, y), maeMR = mae(fc.mean, r.yhat);
    const covR = coverage(y, r.lower, r.upper), covM = coverage(y, fc.lower, fc.upper);
    ratios.push(maeM / maeR);
    covDiffs.push(Math.abs(covM - covR));
    // Both report the log posterior Stan maximises (constants dropped): positive = MOrA found a higher MAP.
    const dObj = r.objective === null ? NaN : -model.info.objective - r.objective;
    const stored = rLive ? storedR(args.data, j.name, j.test) : null;
    const extra = rLive ? [stored ? (maeR / mae(stored.yhat, y)).toFixed(3) : 'n/a'] : [];
    console.log([j.name, num(maeR), num(maeM), (maeM / maeR).toFixed(3), (maeMR / maeR).toFixed(3), covR.toFixed(3), covM.toFixed(3), Number.isFinite(dObj) ? dObj.toFixed(2) : 'n/a', ...extra]
      .map((c, i) => pad(c, i === 0 ? 40 : 12)).join(''));
  }
  const within5 = ratios.filter((x) => x <= 1.05).length;
  const absWithin5 = ratios.filter((x) => Math.abs(x - 1) <= 0.05).length;
  console.log(`\nparity: MOrA MAE <= 1.05 x R on ${within5}/${ratios.length} series (${(100 * within5 / ratios.length).toFixed(0)}%), |ratio-1| <= 5% on ${absWithin5}/${ratios.length}; ` +
    `worst ratio ${Math.max(...ratios).toFixed(3)}, best ${Math.min(...ratios).toFixed(3)}, median ${median(ratios).toFixed(3)}; ` +
    `coverage |MOrA-R| max ${(100 * Math.max(...covDiffs)).toFixed(1)} points, median ${(100 * median(covDiffs)).toFixed(1)}`);

  // Speed.
  const times: number[] = [];
  const fitTimes: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < args.runs + 3; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const m = fitProphet(speedSeries);
    const t1 = performance.now();
    m.predictAt(speedFuture);
    const t2 = performance.now();
    const c = process.cpuUsage(c0);
    if (i >= 3) { times.push(t2 - t0); fitTimes.push(t1 - t0); cpuTimes.push((c.user + c.system) / 1000); } // first runs warm the JIT
  }
  const mora = median(times);
  const load = loadavg()[0];
  console.log(`\nspeed: ${speedName} (${speedSeries.t.length} points), fit + predict ${HOLDOUT} steps with the 90% band (1000 samples); load average ${load.toFixed(1)} on ${cpus().length} cores`);
  console.log(`  MOrA  median of ${args.runs}: ${mora.toFixed(1)} ms wall (fit ${median(fitTimes).toFixed(1)} ms, predict ${(mora - median(fitTimes)).toFixed(1)} ms); min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}; CPU time median ${median(cpuTimes).toFixed(1)} ms`);
  if (rSpeed) {
    const rMs = (rSpeed.fitS + rSpeed.predictS) * 1000;
    console.log(`  R prophet 1.0 (live, same invocation, excl. start-up): fit ${(rSpeed.fitS * 1000).toFixed(0)} ms + predict ${(rSpeed.predictS * 1000).toFixed(0)} ms = ${rMs.toFixed(0)} ms`);
    console.log(`  ratio R / MOrA: ${(rMs / mora).toFixed(0)}x (${mora <= 50 ? 'meets' : 'misses'} the 50 ms target)`);
  } else {
    const r = storedR(args.data, speedName, split(speedSeries).test);
    if (r) {
      const rMs = (r.fitS + r.predictS) * 1000;
      console.log(`  R prophet 1.0 (stored timing, fit on ${speedSeries.t.length - HOLDOUT} points): fit ${(r.fitS * 1000).toFixed(0)} ms + predict ${(r.predictS * 1000).toFixed(0)} ms = ${rMs.toFixed(0)} ms`);
      console.log(`  ratio R / MOrA: ${(rMs / mora).toFixed(0)}x`);
    }
  }
}

main();
