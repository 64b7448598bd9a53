// The JMeter driver's pure parts: reading a CSV JTL into load statistics, the properties and arguments a cell becomes,
// the template's property lookups, and finding JMeter (no JMeter runs here: test/integration/jmeter.test.ts does).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { jmxTemplateCommand } from '../../src/cli/commands/experiment-jmx';
import { main } from '../../src/cli/main';
import { JMETER_START_ALLOWANCE_SECONDS, jmeterArgs, jmeterProperties, jmeterPropertiesText, jmeterSegments, jmeterThreads, jmxSegmentCapacity, runJmeterCell } from '../../src/data/experiments/jmeter';
import { jmxHostProblems } from '../../src/data/experiments/jmx-hosts';
import { findJmeterLaunch, launcherCommand, resolveJmeterBinary } from '../../src/data/experiments/jmeter-install';
import { JMX_WARMUP_LABEL, jmxTemplate } from '../../src/data/experiments/jmx-template';
import { jtlStats, parseJtl, percentile, splitCsvLine } from '../../src/data/experiments/jtl';
import { expandPlan, parsePlan, type PlanCell } from '../../src/data/experiments/plan-file';

const HEADER = 'timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,bytes,grpThreads,allThreads,Latency';

function row(ts: number, elapsed: number, code: string, message = 'OK', success = code.startsWith('2')): string {
  return `${ts},${elapsed},GET 0,${code},${message},stretch 0 1-1,text,${success},576,2,2,${elapsed}`;
}

function cell(over: Partial<PlanCell> = {}): PlanCell {
  return {
    id: 'svc/r1/l20', index: 0, service: 'svc', replicas: 1, level: 20, scenario: 'constant', durationSeconds: 5, warmupSeconds: 0,
    cooldownSeconds: 0, target: 'http://127.0.0.1:8080/', slo: { latencyP95Ms: 100 }, resources: 'process',
    schedule: [{ rate: 20, seconds: 5, warmup: false }], requests: 100, ...over,
  };
}

describe('JMeter JTL (CSV results)', () => {
  it('splits quoted fields with delimiters and doubled quotes', () => {
    assert.deepEqual(splitCsvLine('a,"b, c","say ""hi""",,d'), ['a', 'b, c', 'say "hi"', '', 'd']);
    assert.deepEqual(splitCsvLine(''), ['']);
    assert.deepEqual(splitCsvLine('x,'), ['x', '']);
  });

  it('reads samples by header name and skips a line cut short by a kill', () => {
    const text = [HEADER, row(1000, 5, '200'), `1010,7,GET 0,500,"Internal, Server Error",t,text,false,1,1,1,7`, '1020,3,GET'].join('\n');
    const { samples, skippedLines } = parseJtl(text);
    assert.equal(samples.length, 2);
    assert.equal(skippedLines, 1);
    assert.equal(samples[1].responseCode, '500');
    assert.equal(samples[1].responseMessage, 'Internal, Server Error');
    assert.equal(samples[1].success, false);
  });

  it('says why a JTL it cannot read is unreadable (XML, no header)', () => {
    assert.throws(() => parseJtl('<?xml version="1.0"?>\n<testResults/>'), /XML.*CSV/);
    assert.throws(() => parseJtl('1000,5,GET,200,OK,t,text,true\n'), /no timeStamp, elapsed, responseCode, success column/);
    assert.deepEqual(parseJtl('').samples, []);
  });

  it('counts answers, non-2xx, connection errors and timeouts like the built-in generator', () => {
    const lines = [HEADER];
    for (let i = 0; i < 100; i++) lines.push(row(10_000 + i * 50, i + 1, i % 10 === 0 ? '503' : '200')); // 5 s at 20/s
    lines.push(row(15_000, 2000, 'Non HTTP response code: java.net.ConnectException', 'Non HTTP response message: Connection refused', false));
    lines.push(row(15_010, 10000, 'Non HTTP response code: java.net.SocketTimeoutException', 'Non HTTP response message: Read timed out', false));
    const s = jtlStats(parseJtl(lines.join('\n')).samples, { fromMs: 10_000, toMs: 15_050 });
    assert.equal(s.requests, 100);
    assert.equal(s.non2xx, 10);
    assert.equal(s.errors, 2);
    assert.equal(s.timeouts, 1);
    assert.deepEqual(s.errorCodes, { ConnectException: 1, SocketTimeoutException: 1 });
    assert.equal(s.durationSeconds, 5.05);
    assert.ok(Math.abs(s.achievedRate - 100 / 5.05) < 1e-9);
    // Latencies 1…100 ms over answered requests only (the errors' 2 s and 10 s are not latencies).
    assert.equal(s.latencyP50Ms, 50);
    assert.equal(s.latencyP95Ms, 95);
    assert.equal(s.latencyP99Ms, 99);
  });

  it('counts only requests started inside the window', () => {
    const samples = parseJtl([HEADER, row(0, 1, '200'), row(999, 1, '200'), row(1000, 1, '200'), row(1999, 1, '200'), row(2000, 1, '200')].join('\n')).samples;
    const s = jtlStats(samples, { fromMs: 1000, toMs: 2000 });
    assert.equal(s.requests, 2);
    assert.equal(s.achievedRate, 2);
    assert.ok(Number.isNaN(jtlStats([]).latencyP50Ms));
    assert.equal(jtlStats([]).achievedRate, 0);
  });

  it('takes nearest-rank percentiles', () => {
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
    assert.equal(percentile([1, 2, 3, 4], 99), 4);
    assert.equal(percentile([7], 95), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});

describe('JMeter cell properties and arguments', () => {
  it('merges a warm-up into the stretch at its rate and rounds to whole seconds', () => {
    assert.deepEqual(jmeterSegments([{ rate: 5, seconds: 2, warmup: true }, { rate: 5, seconds: 2.4, warmup: false }, { rate: 20, seconds: 1.6, warmup: false }]), [
      { rate: 5, seconds: 4, warmupSeconds: 2 },
      { rate: 20, seconds: 2, warmupSeconds: 0 },
    ]);
    assert.deepEqual(jmeterSegments([{ rate: 5, seconds: 0, warmup: true }]), []);
  });

  it('passes the target, the rate per second and per minute, the duration, threads and a request cap', () => {
    const p = jmeterProperties({
      jmx: 'a.jmx', jtl: 'r.jtl', log: 'j.log', url: 'http://[::1]:8080/api/x?y=1',
      segments: [{ rate: 10, seconds: 3, warmupSeconds: 1 }, { rate: 40, seconds: 2, warmupSeconds: 0 }], timeoutSeconds: 2.5,
    });
    assert.equal(p.host, '::1');
    assert.equal(p.port, '8080');
    assert.equal(p.protocol, 'http');
    assert.equal(p.path, '/api/x?y=1');
    assert.equal(p.timeoutMs, '2500');
    assert.equal(p.segments, '2');
    assert.equal(p['rate.1'], '40');
    assert.equal(p['ratePerMinute.1'], '2400');
    assert.equal(p['duration.0'], '3');
    assert.equal(p['threads.1'], String(jmeterThreads(40)));
    assert.ok(Number(p['loops.1']) * Number(p['threads.1']) >= 80, 'the cap leaves room for the asked requests');
    assert.ok(Number(p['loops.1']) * Number(p['threads.1']) <= 80 * 1.1 + 2 * Number(p['threads.1']), 'and not much more');
    // Unindexed: the peak rate over the whole time, for a single-rate .jmx.
    assert.equal(p.rate, '40');
    assert.equal(p.duration, '5');
    assert.equal(p['jmeter.save.saveservice.output_format'], 'csv');
    assert.equal(p['jmeter.save.saveservice.print_field_names'], 'true');
    assert.equal(p['jmeterengine.nongui.port'], '0');
    assert.equal(jmeterProperties({ jmx: 'a', jtl: 'b', log: 'c', url: 'https://example.org', segments: [{ rate: 1, seconds: 1, warmupSeconds: 0 }] }).port, '443');
  });

  it('runs non-GUI with the plan, the results, the log and a properties file (no -J), and lets the caller override a property', () => {
    const spec = { jmx: 'p.jmx', jtl: 'r.jtl', log: 'j.log', propsFile: 'm.properties', url: 'http://127.0.0.1:1/a b?token=s3cr3t-t0ken&x=:=!', segments: [{ rate: 5, seconds: 2, warmupSeconds: 0 }], connections: 3, properties: { 'threads.0': '7' } };
    assert.deepEqual(jmeterArgs(spec), ['-n', '-t', 'p.jmx', '-l', 'r.jtl', '-j', 'j.log', '-q', 'm.properties']);
    const lines = jmeterPropertiesText(spec).split('\n');
    assert.ok(lines.includes('threads.0=7'));
    assert.ok(lines.includes('threads=3'), 'connections set the threads');
    assert.ok(lines.includes('ratePerMinute=300'));
    assert.ok(lines.includes('path=/a%20b?token\\=s3cr3t-t0ken&x\\=\\:\\=\\!'), lines.join('\n'));
  });

  it('knows how many rate stretches a .jmx follows', () => {
    assert.equal(jmxSegmentCapacity(jmxTemplate()), 5);
    assert.equal(jmxSegmentCapacity(jmxTemplate({ segments: 2 })), 2);
    assert.equal(jmxSegmentCapacity('<stringProp name="throughput">${__P(ratePerMinute,600)}</stringProp>'), 1);
    assert.equal(jmxSegmentCapacity('${__P(rate)}'), 1);
    assert.equal(jmxSegmentCapacity('<stringProp name="throughput">600</stringProp>'), 0);
  });

  it('writes a template whose every property has a default, escaped for XML', () => {
    const x = jmxTemplate({ name: 'a <b>', segments: 1, defaults: { host: 'h', port: 9, path: '/p,q' } });
    assert.match(x, /^<\?xml version="1.0"/);
    assert.match(x, /testname="a &lt;b&gt;"/);
    assert.match(x, /\$\{__P\(path,\/p\\,q\)\}/, 'a comma in a default is escaped for JMeter');
    assert.match(x, /\$\{__P\(ratePerMinute\.0,600\)\}/);
    assert.match(x, /<boolProp name="TestPlan.serialize_threadgroups">true<\/boolProp>/);
    assert.throws(() => jmxTemplate({ segments: 0 }), /segments/);
  });
});

describe('JMeter driver errors', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-jmeter-unit-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('says how to install JMeter when there is none', () => {
    assert.throws(() => resolveJmeterBinary(undefined, { PATH: dir }), /JMeter is not installed \(no `jmeter` on PATH.*apt-get install jmeter jmeter-http.*mora\.experiments\.jmeterPath/);
    assert.throws(() => resolveJmeterBinary(path.join(dir, 'nope'), { PATH: dir }), /the configured JMeter/);
    assert.throws(() => resolveJmeterBinary(undefined, { PATH: dir, MORA_JMETER: path.join(dir, 'x') }), /MORA_JMETER=/);
    const bin = path.join(dir, 'jmeter');
    fs.writeFileSync(bin, '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(resolveJmeterBinary(undefined, { PATH: dir }), bin);
  });

  it('refuses a missing .jmx, a .jmx without rate properties and a changing rate the .jmx cannot follow', async () => {
    const jmx = path.join(dir, 'p.jmx');
    await assert.rejects(runJmeterCell({ cell: cell({ jmx }) }, { env: { PATH: dir } }), /p\.jmx does not exist/);
    fs.writeFileSync(jmx, '<jmeterTestPlan/>');
    await assert.rejects(runJmeterCell({ cell: cell({ jmx }) }, { env: { PATH: dir } }), /does not read MOrA's rate property/);
    fs.writeFileSync(jmx, '${__P(ratePerMinute)}');
    const step = cell({ jmx, scenario: 'step', schedule: [1, 2, 3, 4].map((k) => ({ rate: 5 * k, seconds: 2, warmup: false })) });
    await assert.rejects(runJmeterCell({ cell: step }, { env: { PATH: dir } }), /asks for 4 different rates .* follows 1/);
    await assert.rejects(runJmeterCell({ cell: cell({ jmx }) }, { env: { PATH: dir } }), /JMeter is not installed/);
  });

  it('a cell passes no token on JMeter\'s command line; its 0600 properties file is gone after the cell and its log and JTL are redacted', async () => {
    const jmx = path.join(dir, 'p.jmx');
    fs.writeFileSync(jmx, '${__P(ratePerMinute)}');
    const work = path.join(dir, 'work');
    // A fake jmeter: records its argv and the properties file (content and mode), writes a JTL and a log that echo the URL.
    const bin = path.join(dir, 'jmeter');
    fs.writeFileSync(bin, `#!/bin/sh
printf '%s\\n' "$@" > "${dir}/argv"
while [ $# -gt 0 ]; do case "$1" in -l) jtl=$2;; -j) log=$2;; -q) q=$2;; esac; shift; done
cp "$q" "${dir}/props-copy"; stat -c %a "$q" > "${dir}/props-mode"
now=$(date +%s)000
{ echo '${HEADER},URL'; for i in 1 2 3 4 5; do echo "$now,5,GET 0,200,OK,t 1-1,text,true,576,2,2,5,http://127.0.0.1:8080/a?token=s3cr3t-t0ken-value"; done; } > "$jtl"
echo "Version 5.6.3: GET http://127.0.0.1:8080/a?token=s3cr3t-t0ken-value" > "$log"
`, { mode: 0o755 });
    const c = cell({ jmx, target: 'http://127.0.0.1:8080/a?token=s3cr3t-t0ken-value' });
    const r = await runJmeterCell({ cell: c, workDir: work }, { env: { PATH: `${dir}:/usr/bin:/bin` } });
    assert.equal(r.requests, 5);
    const argv = fs.readFileSync(path.join(dir, 'argv'), 'utf8');
    assert.ok(!argv.includes('s3cr3t'), argv);
    // No -J<property> argument (a temporary directory named mora-jmeter-unit-J… must not count as one).
    assert.ok(!argv.split('\n').some((a) => a.startsWith('-J')), argv);
    assert.match(fs.readFileSync(path.join(dir, 'props-copy'), 'utf8'), /^path=\/a\?token\\=s3cr3t-t0ken-value$/m, 'JMeter got the full path from the file');
    assert.equal(fs.readFileSync(path.join(dir, 'props-mode'), 'utf8').trim(), '600');
    assert.ok(!fs.existsSync(path.join(work, 'mora.properties')), 'the properties file is deleted after the cell');
    for (const f of ['jmeter.log', 'results.jtl']) {
      const text = fs.readFileSync(path.join(work, f), 'utf8');
      assert.ok(!text.includes('s3cr3t'), `${f}: ${text}`);
      assert.match(text, /token=\*\*\*/);
    }
  });

  /** A fake jmeter writing `rows` (JTL lines after the header, `$T` = its start in epoch ms) and `log` to its files. */
  const fakeJmeter = (rows: string[], log: string) => {
    fs.writeFileSync(path.join(dir, 'jmeter'), `#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in -l) jtl=$2;; -j) log=$2;; esac; shift; done
T=$(($(date +%s%N) / 1000000))
{ echo '${HEADER}'; ${rows.map((r) => `echo "${r}"`).join('; ')}; } > "$jtl"
echo "${log}" > "$log"
`, { mode: 0o755 });
  };
  const timed = (n: number, fromMs: number, everyMs: number) => Array.from({ length: n }, (_, i) => `$((T + ${fromMs + i * everyMs})),5,GET 0,200,OK,stretch 0 1-1,text,true,576,2,2,5`);

  // Until 2026-12-01 a JMeter whose first request came seconds after its thread groups started (the JVM setting up its
  // HTTP client on a busy machine: 2.8 s measured) lost those seconds of load, counted from the groups' start: a 6 s
  // cell with 2 s of warm-up measured 9 requests in 0.3 s, or none. The template now sends one warm-up request first.
  it('the template\'s warm-up request (a setUp group, label "mora warm-up") is not counted: the cell\'s clock starts at the first timed request', async () => {
    const x = jmxTemplate({ segments: 2 });
    assert.match(x, new RegExp(`<SetupThreadGroup guiclass="SetupThreadGroupGui" testclass="SetupThreadGroup" testname="${JMX_WARMUP_LABEL}" enabled="true">[^]*?<boolProp name="ThreadGroup.scheduler">false</boolProp>[^]*?<HTTPSamplerProxy [^>]*testname="${JMX_WARMUP_LABEL}"[^]*?<stringProp name="HTTPSampler.domain">\\$\\{__P\\(host,`));
    assert.equal((x.match(/<SetupThreadGroup /g) ?? []).length, 1);
    const jmx = path.join(dir, 'p.jmx');
    fs.writeFileSync(jmx, x);
    // The warm-up 3 s before the timed requests (the JVM's start), then 20 requests over 2 s.
    fakeJmeter([`$T,2800,${JMX_WARMUP_LABEL},200,OK,${JMX_WARMUP_LABEL} 1-1,text,true,576,1,1,2800`, ...timed(20, 3000, 100)], 'Version 2.13');
    const before = Date.now();
    const r = await runJmeterCell({ cell: cell({ jmx, durationSeconds: 2, schedule: [{ rate: 10, seconds: 2, warmup: false }], requests: 20 }) }, { env: { PATH: `${dir}:/usr/bin:/bin` } });
    assert.equal(r.requests, 20);
    assert.ok(r.loadStartedAt! * 1000 >= before + 3000, `the clock starts at the first timed request, not the warm-up (${r.loadStartedAt! * 1000 - before} ms after the call)`);
    assert.ok(r.durationSeconds > 1.9, `measured ${r.durationSeconds} s of 2`);
  });

  it('every request in the warm-up, none in the measured time (its groups ran out): an error saying so, not "no request answered"', async () => {
    const jmx = path.join(dir, 'p.jmx');
    fs.writeFileSync(jmx, '${__P(ratePerMinute)}');
    // JMeter's test started at T - 3000 and its first request came at T: 10 requests over 0.9 s, all inside the 2 s warm-up.
    fakeJmeter(timed(10, 0, 100), 'Version 2.13\n2026/12/01 04:04:41 INFO  - jmeter.JMeter: Running test ($((T - 3000)))');
    const c = cell({ jmx, durationSeconds: 4, warmupSeconds: 2, schedule: [{ rate: 30, seconds: 2, warmup: true }, { rate: 30, seconds: 4, warmup: false }], requests: 120 });
    await assert.rejects(runJmeterCell({ cell: c }, { env: { PATH: `${dir}:/usr/bin:/bin` } }), (e: Error) => {
      assert.match(e.message, /^cell svc\/r1\/l20: JMeter sent 10 request\(s\), all in the 2 s warm-up and none in the 4 s measured: its first request came 3\.0 s after its test started \(the JVM and its HTTP client starting on a busy machine\), and its thread groups' time counts from their start, so the load ended 0\.9 s after its first request; a setUp Thread Group sending one request named "mora warm-up" before the timed groups \(as MOrA's template has: mora experiment jmx-template\) takes that start out of them; the cell is recorded failed and runs again on the next run$/);
      return true;
    });
  });

  // JMeter runs a cell's stretches as thread groups one after the other, each starting when the previous one's threads
  // have ended, which is a request interval or so past its scheduled end: a real JMeter 2.13 step cell (10 then 40
  // req/s, 3 s each) sent its second stretch 3.09-6.38 s after its first request. Until 2026-12-01 the window ended at
  // the cell's 6 s, cutting 0.2-0.4 s (about 10 requests) of the top stretch.
  it('a cell of several stretches is measured to the end of its last stretch, which JMeter runs late', async () => {
    const jmx = path.join(dir, 'p.jmx');
    fs.writeFileSync(jmx, jmxTemplate({ segments: 2 }));
    // 32 requests at 10/s over 0-3.1 s, then 124 at 40/s over 3.25-6.325 s.
    const rows = [...timed(32, 0, 100), ...timed(124, 3250, 25).map((r) => r.replace('GET 0', 'GET 1'))];
    fakeJmeter(rows, 'Version 2.13');
    const step = cell({ jmx, scenario: 'step', level: 40, durationSeconds: 6, schedule: [{ rate: 10, seconds: 3, warmup: false }, { rate: 40, seconds: 3, warmup: false }], requests: 150 });
    const r = await runJmeterCell({ cell: step }, { env: { PATH: `${dir}:/usr/bin:/bin` } });
    assert.equal(r.requests, 156, `measured ${r.durationSeconds} s`);
    assert.ok(Math.abs(r.durationSeconds - 6.35) < 0.01, `measured ${r.durationSeconds} s`);
    // A constant cell still ends with its schedule: JMeter's last requests past it are not counted.
    fakeJmeter(timed(45, 0, 100), 'Version 2.13');
    const constant = await runJmeterCell({ cell: cell({ jmx, durationSeconds: 4, schedule: [{ rate: 10, seconds: 4, warmup: false }], requests: 40 }) }, { env: { PATH: `${dir}:/usr/bin:/bin` } });
    assert.deepEqual([constant.requests, constant.durationSeconds], [40, 4]);
  });

  // A hand-written .jmx has no warm-up request: JMeter's first request comes seconds after its thread group's clock
  // started (0.3-0.7 s measured beside 4 busy loops on 2 cores, 2.8 s under heavier load), and the group stops at that
  // clock's end. Until 2026-12-01 the cell's clock started at the first request, so those seconds came off the measured
  // time (3.5 of the asked 4 s; 1.5 of 4 here), and the gate failed a cell whose JMeter started 2 s late.
  for (const logged of [true, false]) {
    it(`a hand-written .jmx (no warm-up request) whose first request comes 2.5 s late is still measured over the asked time, after the asked warm-up${logged ? '' : ' (no "Running test" line in its log)'}`, async () => {
      const jmx = path.join(dir, 'hand.jmx');
      fs.writeFileSync(jmx, '<ThreadGroup>${__P(threads)} ${__P(duration)}</ThreadGroup><ConstantThroughputTimer>${__P(ratePerMinute)}</ConstantThroughputTimer>');
      // Like JMeter: the test starts at T, the group's clock with it; requests at 30/s from T + 2.5 s until T + duration.
      fs.writeFileSync(path.join(dir, 'jmeter'), `#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in -l) jtl=$2;; -j) log=$2;; -q) q=$2;; esac; shift; done
T=$(($(date +%s%N) / 1000000))
echo "$T" > "${dir}/T"
dur=$(sed -n 's/^duration=//p' "$q")
{ echo '${HEADER}'; awk -v T="$T" -v d="$dur" 'BEGIN { for (i = 0; T + 2500 + i * 1000 / 30 < T + d * 1000; i++) printf "%.0f,5,GET 0,200,OK,g 1-1,text,true,576,2,2,5\\n", T + 2500 + i * 1000 / 30 }'; } > "$jtl"
printf 'Version 2.13\\n${logged ? '2026/12/01 07:00:00 INFO  - jmeter.JMeter: Running test ($T)' : ''}\\n' > "$log"
`, { mode: 0o755 });
      const c = cell({ jmx, level: 30, durationSeconds: 4, warmupSeconds: 2, schedule: [{ rate: 30, seconds: 2, warmup: true }, { rate: 30, seconds: 4, warmup: false }], requests: 180 });
      const r = await runJmeterCell({ cell: c }, { env: { PATH: `${dir}:/usr/bin:/bin` } });
      const t0 = Number(fs.readFileSync(path.join(dir, 'T'), 'utf8')) + 2500;
      const said = `measured ${r.durationSeconds} s, ${r.requests} requests, ${r.achievedRate} req/s; cell clock ${r.loadStartedAt! * 1000 - t0} ms after the first request`;
      assert.ok(r.durationSeconds > 3.95 && r.durationSeconds <= 4, said);
      assert.ok(r.requests >= 118 && r.requests <= 121, said);
      assert.ok(Math.abs(r.achievedRate - 30) < 1, said);
      // The cell's clock (its warm-up, then its Prometheus rows) starts no earlier than the first request: 2 s of load
      // before the measured window.
      assert.ok(r.loadStartedAt! * 1000 >= t0, said);
    });
  }

  it('refuses a .jmx whose samplers send to another host than ${__P(host)}, naming the sampler, before JMeter starts', async () => {
    assert.deepEqual(jmxHostProblems(jmxTemplate({ segments: 2, defaults: { host: 'h', port: 9, path: '/p,q' } })), [], 'MOrA\'s template is fine');
    const evil = jmxTemplate({ segments: 1 }).replace(/(<stringProp name="HTTPSampler\.domain">)[^<]*(<\/stringProp>)/, '$1evil.example$2');
    assert.deepEqual(jmxHostProblems(evil), ['sampler "GET 0" sends to "evil.example" (its Server Name) instead of ${__P(host)}, the plan\'s target host']);
    const otherProp = jmxTemplate({ segments: 1 }).replace(/__P\(host,[^)]*\)/, '__P(hostname,x)');
    assert.equal(jmxHostProblems(otherProp).length, 1);
    const fullUrl = jmxTemplate({ segments: 1 }).replace(/(<stringProp name="HTTPSampler\.path">)[^<]*(<\/stringProp>)/, '$1https://evil.example/x?token=t$2');
    assert.match(jmxHostProblems(fullUrl)[0], /^sampler "GET 0" has a full URL as its path \("https:\/\/evil\.example\/x\?…"\)/);
    const defaults = jmxTemplate({ segments: 1 }).replace('<hashTree>', '<hashTree><ConfigTestElement guiclass="HttpDefaultsGui" testclass="ConfigTestElement" testname="HTTP Request Defaults" enabled="true"><stringProp name="HTTPSampler.domain">10.0.0.9</stringProp></ConfigTestElement>');
    assert.deepEqual(jmxHostProblems(defaults).map((p) => p.split(' sends')[0]), ['sampler "HTTP Request Defaults"']);
    // The driver refuses it before JMeter starts (a fake jmeter that would leave a mark).
    const jmx = path.join(dir, 'evil.jmx');
    fs.writeFileSync(jmx, evil);
    fs.writeFileSync(path.join(dir, 'jmeter'), `#!/bin/sh\ntouch "${dir}/ran"\n`, { mode: 0o755 });
    await assert.rejects(runJmeterCell({ cell: cell({ jmx }) }, { env: { PATH: `${dir}:/usr/bin:/bin` } }), /evil\.jmx can send load to a host the plan does not allow: sampler "GET 0" sends to "evil\.example"/);
    assert.ok(!fs.existsSync(path.join(dir, 'ran')));
  });

  it('finds the JMeter home of a Debian-style wrapper and builds the launcher command', () => {
    const home = path.join(dir, 'share', 'jmeter');
    fs.mkdirSync(path.join(home, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(home, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(home, 'bin', 'ApacheJMeter.jar'), '');
    fs.writeFileSync(path.join(home, 'lib', 'bshclient.jar'), ''); // not BeanShell itself
    fs.writeFileSync(path.join(home, 'lib', 'bsh-2.0b4.jar'), '');
    const wrapper = path.join(dir, 'jmeter');
    fs.writeFileSync(wrapper, `#!/bin/sh\nrun_java -Djmeter.home=${home} org.apache.jmeter.NewDriver "$@"\n`);
    const launch = findJmeterLaunch(wrapper, { PATH: '' });
    assert.ok(launch);
    assert.equal(launch.home, home);
    assert.equal(launch.bshJar, path.join(home, 'lib', 'bsh-2.0b4.jar'));
    const c = launcherCommand(launch, 'l.bsh', ['-n', '-t', 'p.jmx'], ['-Xmx256m']);
    assert.deepEqual(c.args.slice(-6), ['bsh.Interpreter', 'l.bsh', home, '-n', '-t', 'p.jmx']);
    assert.equal(c.args[0], '-Xmx256m');
    assert.equal(findJmeterLaunch(path.join(dir, 'nothing'), { PATH: '' }), undefined);
  });
});

describe('mora experiment jmx-template', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-jmx-cli-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the template with the target as defaults, and keeps an existing file unless --force', () => {
    const out = path.join(dir, 'cell.jmx');
    const text = jmxTemplateCommand({ out, target: 'http://127.0.0.1:8080/api?x=1', segments: '2' });
    assert.equal(fs.readFileSync(out, 'utf8'), text);
    assert.match(text, /\$\{__P\(port,8080\)\}/);
    assert.match(text, /\$\{__P\(path,\/api\?x=1\)\}/);
    assert.equal(jmxSegmentCapacity(text), 2);
    assert.throws(() => jmxTemplateCommand({ out }), /exists; pass --force/);
    jmxTemplateCommand({ out, force: true });
    assert.equal(jmxSegmentCapacity(fs.readFileSync(out, 'utf8')), 5);
  });

  // Through the CLI's own parse (main): `mora experiment` has an --out and a --target of its own, and commander gives
  // those flags to the parent wherever they stand, so the subcommand must read them from there too.
  for (const form of ['separate', 'equals'] as const) {
    it(`mora experiment jmx-template --out${form === 'equals' ? '=' : ' '}<file> --target <url> writes the file with the target (not stdout)`, async () => {
      const out = path.join(dir, 'cell.jmx');
      const args = form === 'equals'
        ? ['experiment', 'jmx-template', `--out=${out}`, '--target=http://127.0.0.1:8080/api?x=1', '--segments', '2']
        : ['experiment', 'jmx-template', '--segments', '2', '--out', out, '--target', 'http://127.0.0.1:8080/api?x=1'];
      const { code, stdout, stderr } = await runMain(args);
      assert.equal(code, 0, stderr);
      assert.ok(stdout === '', `nothing on stdout, got ${stdout.length} characters`);
      assert.match(stderr, /^wrote .*cell\.jmx;/);
      const text = fs.readFileSync(out, 'utf8');
      assert.match(text, /\$\{__P\(port,8080\)\}/);
      assert.match(text, /\$\{__P\(path,\/api\?x=1\)\}/);
      assert.equal(jmxSegmentCapacity(text), 2);
    });
  }

  it('mora experiment jmx-template without --out prints the template; an existing --out is kept without --force', async () => {
    const printed = await runMain(['experiment', 'jmx-template', '--target', 'http://127.0.0.1:9999/']);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /\$\{__P\(port,9999\)\}/);
    const out = path.join(dir, 'cell.jmx');
    fs.writeFileSync(out, 'mine');
    const kept = await runMain(['experiment', 'jmx-template', '--out', out]);
    assert.equal(kept.code, 2);
    assert.match(kept.stderr, /exists; pass --force/);
    assert.equal(fs.readFileSync(out, 'utf8'), 'mine');
  });

  it('says what is wrong with its options', () => {
    assert.throws(() => jmxTemplateCommand({ target: 'ftp://x' }), /not an http\(s\) URL/);
    assert.throws(() => jmxTemplateCommand({ segments: '0' }), /--segments must be a whole number/);
    assert.throws(() => jmxTemplateCommand({ out: path.join(dir, 'cell.xml') }), /must end in \.jmx/);
  });
});

describe('JMeter cells in a plan\'s totals', () => {
  // A .jmx without MOrA's warm-up request is run JMETER_START_ALLOWANCE_SECONDS longer (jmeter.ts): the time a plan
  // takes, which --dry-run and the confirmation say, includes it (until 2026-12-01 it did not).
  it('--dry-run counts the start allowance of each cell of a hand-written .jmx, not of the template\'s', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-jmeter-plan-'));
    try {
      fs.writeFileSync(path.join(dir, 'template.jmx'), jmxTemplate());
      fs.writeFileSync(path.join(dir, 'hand.jmx'), jmxTemplate().replaceAll(JMX_WARMUP_LABEL, 'first call'));
      const service = (name: string, jmx: string) => ({ name, jmx, target: 'http://127.0.0.1:8080/', replicas: [1], levels: [5, 10], duration: 4, warmup: 1, cooldown: 2, slo: { latencyP95Ms: 100 } });
      const file = path.join(dir, 'p.mora-plan.json');
      fs.writeFileSync(file, JSON.stringify({ prometheus: 'http://127.0.0.1:9090', rateCap: 10, services: [service('tpl', 'template.jmx'), service('hand', 'hand.jmx')] }));
      const r = await runMain(['experiment', 'run', file, '--dry-run', '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { totalSeconds: number; totalRequests: number; cells: Array<{ requests: number }> };
      // 4 cells of 1 + 4 + 2 s; the two of hand.jmx 3 s more each.
      assert.equal(out.totalSeconds, 4 * 7 + 2 * JMETER_START_ALLOWANCE_SECONDS);
      // The load it may send: 5 s at 5 and at 10 req/s per service, and hand.jmx's allowance at each cell's rate.
      assert.equal(out.totalRequests, 2 * (5 + 10) * 5 + (5 + 10) * JMETER_START_ALLOWANCE_SECONDS);
      assert.deepEqual(out.cells.map((c) => c.requests), [25, 50, 25 + 15, 50 + 30]);
      assert.equal(JMETER_START_ALLOWANCE_SECONDS, 3);
      const plan = parsePlan(fs.readFileSync(file, 'utf8'), file);
      assert.equal(expandPlan(plan).totalSeconds, 34, 'the same total for the confirmation (VS Code)');
      // An unreadable .jmx is counted as hand-written (the longer of the two).
      fs.rmSync(path.join(dir, 'template.jmx'));
      assert.equal(expandPlan(plan).totalSeconds, 4 * 7 + 4 * 3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Runs the CLI's main() in-process with stdout and stderr captured. */
async function runMain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const write = { out: process.stdout.write, err: process.stderr.write };
  const exitCode = process.exitCode;
  process.stdout.write = ((s: string | Uint8Array) => { stdout += String(s); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => { stderr += String(s); return true; }) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    process.exitCode = exitCode;
  }
}
