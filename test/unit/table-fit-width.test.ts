/**
 * Tables in a narrow terminal (80 and 60 columns), as kubectl-like tools print them: one line per row, every line within
 * the width, a name shortened with an ellipsis (its start kept, never split across lines, two names never the same),
 * then optional columns shortened or left out in their documented order, and the quantities shown exactly as at full
 * width; a note under the table says what was left out. At an unlimited width (a pipe without $COLUMNS) everything is
 * printed as before. Also `mora demo`'s usage table, `mora manifests scan` and `mora health`'s long messages.
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTable, shortenNames, wrapWords, type Column } from '../../src/cli/format/table';
import { comparisonTable, recommendationsTable } from '../../src/cli/format/recommendations';
import { demoRows, demoTable } from '../../src/cli/commands/demo-run';
import { healthLines } from '../../src/cli/commands/health';
import { demoManifests } from '../../src/data/demo';
import type { EngineResult } from '../../src/rightsizing/engine';
import { tempDir } from '../harness/temp-dir';
import { demoEngineRuns } from './helpers/demo-runs';
import { asPipe } from './helpers/as-pipe';
import { mora } from './helpers/run-cli';

const BOUTIQUE = ['frontend', 'cartservice', 'productcatalogservice', 'currencyservice', 'paymentservice', 'shippingservice', 'emailservice',
  'checkoutservice', 'recommendationservice', 'adservice', 'redis-cart', 'loadgenerator'];

/** Cells of a table line: columns are two spaces apart (one in the demo's usage table). */
const cellsOf = (line: string, gap = 2): string[] => line.trim().split(new RegExp(` {${gap},}`));

/** `shown` is `full`, or `start…end` of it with at least 3 characters of its start. */
function recognisable(shown: string, full: string): boolean {
  if (shown === full) return true;
  const at = shown.indexOf('…');
  return at >= 3 && full.startsWith(shown.slice(0, at)) && full.endsWith(shown.slice(at + 1)) && shown.length < full.length;
}

/** The table's own lines: the header, the rule and one per container (a row that wrapped pushes the last ones out). */
const tableLines = (t: string, set: readonly EngineResult[]): string[] => t.split('\n').slice(0, 2 + set.reduce((n, r) => n + r.recommendation.containers.length, 0));

describe('tables fitted to a narrow terminal', function () {
  this.timeout(60000);
  let runs: EngineResult[];
  before(async () => {
    runs = await demoEngineRuns();
  });

  it('renderTable at 80 and 60: one line per row, names shortened with an ellipsis and unique, quantities whole, columns left out in order', () => {
    const columns: Column[] = [{ header: 'namespace' }, { header: 'workload' }, { header: 'cpu req', keep: true }, { header: 'cpu lim', keep: true, fit: [{ at: 2, drop: true }] },
      { header: 'mem req', keep: true }, { header: 'verdict', keep: true, fit: [{ at: 1, cell: (s) => s.replace('-provisioned', '') }] }, { header: 'risk', align: 'right', fit: [{ at: 3, drop: true }] }];
    const rows = BOUTIQUE.map((n, i) => ['online-boutique-production', n, `${100 + i}m→${20 + i}m`, '300m', `${64 + i}Mi→${40 + i}Mi`, i % 2 ? 'over-provisioned' : 'under-provisioned', `${i}.5%·1/100`]);
    const wide = renderTable(columns, rows, Infinity);
    assert.ok(!wide.includes('…') && !wide.includes('to fit'), wide);
    for (const width of [80, 60]) {
      const t = renderTable(columns, rows, width);
      const lines = t.split('\n').filter(Boolean);
      for (const l of lines) assert.ok(l.length <= width, `${width}: ${l.length}: ${l}\n${t}`);
      // Header, rule, one line per row, then the note: no row wraps.
      assert.ok(lines[2 + rows.length].startsWith(`to fit ${width} columns: `), t);
      const header = cellsOf(lines[0]);
      assert.ok(!header.includes('cpu lim'), `cpu lim is left out first:\n${t}`);
      assert.match(lines.slice(2 + rows.length).map((l) => l.trim()).join(' '), /not shown: cpu lim/);
      const shown = new Set<string>();
      rows.forEach((r, i) => {
        const cells = cellsOf(lines[2 + i]);
        const at = (h: string): string => cells[header.indexOf(h)];
        assert.ok(recognisable(at('namespace'), r[0]), `${width}: ${at('namespace')} for ${r[0]}`);
        assert.ok(recognisable(at('workload'), r[1]), `${width}: ${at('workload')} for ${r[1]}`);
        shown.add(at('workload'));
        assert.equal(at('cpu req'), r[2]);
        assert.equal(at('mem req'), r[4]);
        assert.equal(at('verdict'), r[5].replace('-provisioned', ''));
        if (header.includes('risk')) assert.equal(at('risk'), r[6]);
      });
      assert.equal(shown.size, rows.length, `two names read the same at ${width}`);
      assert.ok(t.includes('productc'), t);
    }
  });

  it('names that differ only in their tail stay apart, each on its one line (1000 of them)', () => {
    const names = Array.from({ length: 1000 }, (_, i) => `frontend-canary-${String(i).padStart(4, '0')}`);
    for (const width of [80, 60]) {
      const t = renderTable([{ header: 'workload' }, { header: 'mem req', keep: true }, { header: 'x'.repeat(width - 25), keep: true }],
        names.map((n) => [n, '220Mi→376Mi', '']), width);
      const lines = t.split('\n');
      for (const l of lines) assert.ok(l.length <= width, `${l.length}: ${l}`);
      const rows = lines.filter((l) => l.includes('220Mi→376Mi'));
      assert.equal(rows.length, 1000);
      const shown = rows.map((l) => cellsOf(l)[0]);
      assert.equal(new Set(shown).size, 1000, shown.slice(0, 3).join(', '));
      shown.forEach((s, i) => assert.ok(recognisable(s, names[i]), `${s} for ${names[i]}`));
    }
    assert.equal(shortenNames(['productcatalogservice', 'checkoutservice'], 14)!.get('productcatalogservice'), 'productc…rvice');
  });

  it('the recommendations and comparison tables fit 80 and 60 columns, also with a namespace column; numbers as at full width', () => {
    const other = runs.map((r) => ({ ...r, recommendation: { ...r.recommendation, workload: { ...r.recommendation.workload, namespace: 'online-boutique-prod' } } }));
    for (const set of [runs, [...runs, ...other.filter((r) => r.recommendation.workload.name === 'checkoutservice')]]) {
      for (const table of [recommendationsTable, comparisonTable]) {
        const full = tableLines(table(set, Infinity), set);
        const fullHeader = cellsOf(full[0]);
        for (const width of [80, 60]) {
          const t = table(set, width);
          const lines = tableLines(t, set);
          for (const l of t.split('\n').slice(0, lines.length + 3)) assert.ok(l.length <= width, `${width}: ${l.length}: ${l}\n${t}`);
          assert.ok(t.split('\n')[lines.length].startsWith(`to fit ${width} columns: `), `a row wrapped at ${width}:\n${t}`);
          const header = cellsOf(lines[0]);
          const nameCol = fullHeader.findIndex((h) => h === 'workload' || h === 'service');
          for (let i = 2; i < full.length; i++) {
            const a = cellsOf(full[i]), b = cellsOf(lines[i]);
            for (const [k, h] of header.entries()) {
              const j = fullHeader.indexOf(h);
              if (h === 'verdict') assert.equal(b[k], a[j].replace('-provisioned', ''));
              else if (h === 'namespace' || j === nameCol) assert.ok(recognisable(b[k], a[j]), `${b[k]} for ${a[j]}`);
              // An HPA's pod size ('… of 80m') may go first, and the note then says so ('not shown: … replicas pod size').
              else if (h === 'replicas' && b[k] !== a[j]) {
                assert.equal(b[k], a[j].replace(/ of \S+$/, ''), `${h} at ${width}:\n${t}`);
                assert.match(t, /not shown: [^;]*replicas\s+pod size/, t);
              } else if (j >= 0 && !['vpa', 'krr'].includes(h)) assert.equal(b[k], a[j], `${h} at ${width}:\n${t}`);
            }
          }
          // The values to set stay: MOrA's requests (and, at 80, the memory limit).
          assert.ok(header.includes(table === recommendationsTable ? 'cpu req' : 'cpu') && header.includes(table === recommendationsTable ? 'mem req' : 'mem lim'), t);
        }
      }
    }
  });

  it('at an unlimited width (a pipe without $COLUMNS) tables are whole: no ellipsis, no column left out, no note', async () => {
    const wide = await asPipe(undefined, () => mora(['recommend', '--source', 'demo', '-q']));
    assert.equal(wide.code, 0);
    const header = cellsOf(wide.out.split('\n')[0]);
    assert.deepEqual(header, ['workload', 'cpu req', 'cpu lim', 'mem req', 'mem lim', 'replicas', 'verdict', 'risk']);
    assert.ok(!wide.out.includes('…') && !wide.out.includes('to fit'), wide.out);
    assert.ok(wide.out.includes('productcatalogservice  ') && wide.out.includes('over-provisioned'));
  });

  it('mora recommend and recommend --compare on the demo: every line of stdout fits 80 and 60 columns, the demo note and the savings lines too', async () => {
    for (const width of ['80', '60']) {
      for (const args of [[], ['--compare']]) {
        const r = await asPipe(width, () => mora(['recommend', '--source', 'demo', '-q', ...args]));
        assert.equal(r.code, 0, r.err);
        for (const l of r.out.split('\n')) assert.ok(l.length <= Number(width), `${width} ${args.join(' ')}: ${l.length}: ${l}\n${r.out}`);
        assert.match(r.out.replace(/\s+/g, ' '), /demo data: the embedded demo shop \(namespace "shop"\), not a cluster; --source cluster reads yours/);
      }
    }
  });

  it('narrower than the table can shrink (COLUMNS 40, 30): each row stays on its one line, only the prose under it wraps', async () => {
    for (const width of ['40', '30']) {
      for (const args of [[], ['--compare']]) {
        const r = await asPipe(width, () => mora(['recommend', '--source', 'demo', '-q', ...args]));
        assert.equal(r.code, 0, r.err);
        const lines = r.out.split('\n');
        assert.match(lines[0], /^(workload|service) .* verdict$/, `${width} ${args.join(' ')}: the header on one line\n${r.out}`);
        assert.match(lines[1], /^─+( +─+)+$/, `${width}: the rule on one line`);
        // 11 demo services, one row each: a name, then quantities, then the verdict on the same line.
        for (const row of lines.slice(2, 13)) assert.match(row, /^\S+ .*\b(over|under|ok|right|risk|about right|at risk)\S*$/, `${width} ${args.join(' ')}: ${row}\n${r.out}`);
      }
    }
  });

  it('a column\'s footnote only under a table showing it (COLUMNS 40, 60, 80, a pipe): risk, replicas; the risk targets always', async () => {
    const seen = { riskShown: 0, riskLeft: 0, replicasShown: 0, replicasLeft: 0 };
    for (const width of ['40', '60', '80', undefined]) {
      for (const args of [[], ['--compare']]) {
        const r = await asPipe(width, () => mora(['recommend', '--source', 'demo', '-q', ...args]));
        assert.equal(r.code, 0, r.err);
        const header = cellsOf(r.out.split('\n')[0]);
        const prose = r.out.replace(/\s+/g, ' ');
        const where = `${width} ${args.join(' ')}:\n${r.out}`;
        if (header.includes('risk')) { seen.riskShown++; assert.match(prose, /risk = expected share of time above the CPU request/, where); } else {
          seen.riskLeft++;
          assert.doesNotMatch(prose, /risk = expected share/, where);
        }
        // What the values were sized to stays, with or without the column.
        assert.match(prose, /risk targets: CPU request exceeded ≤5% of the time, memory limit ≤1 OOM day in 100 \(--cpu-risk, --memory-risk\)/, where);
        if (args.length) continue; // --compare has no replicas column
        if (header.includes('replicas')) { seen.replicasShown++; assert.match(prose, /replicas \(0\.4%\) = share of time/, where); } else {
          seen.replicasLeft++;
          assert.doesNotMatch(prose, /replicas \(0\.4%\) =/, where);
        }
      }
    }
    // Both cases happen: 40 and 60 leave risk and replicas out, a pipe shows them.
    assert.ok(seen.riskShown && seen.riskLeft && seen.replicasShown && seen.replicasLeft, JSON.stringify(seen));
  });

  it('mora demo\'s usage table note names every shortening: the replicas, the limits, p50 and max (80, 60, 40)', () => {
    const rows = demoRows();
    const notes: Record<number, string> = {};
    for (const width of [80, 60, 40]) {
      const t = demoTable(rows, width);
      const header = t.split('\n')[0];
      const note = t.slice(t.search(/^to fit /m)).replace(/\s+/g, ' ');
      notes[width] = note;
      const hidden: Array<[string, string]> = [];
      if (!/\brep\b/.test(header)) hidden.push(['', 'rep']);
      for (const x of ['cpu', 'mem']) {
        if (!header.includes(`${x} req/lim`)) hidden.push([x, 'limits']);
        if (!header.includes(`${x} p50/`)) hidden.push([x, 'p50']);
        if (!new RegExp(`${x} (p50/)?p95/max`).test(header)) hidden.push([x, 'max']);
      }
      for (const [x, part] of hidden) {
        // `cpu limits`, `cpu/mem p50/max`: the column's first word among the ones named, the part among the parts.
        const said = x ? new RegExp(`(\\w+/)*${x}(/\\w+)* (\\w+/)*${part}\\b`) : new RegExp(`\\b${part}\\b`);
        assert.match(note.split('not shown: ')[1] ?? '', said, `${width}: ${x} ${part} not named in: ${note}\n${t}`);
      }
    }
    // At 60 (the case that said only `not shown: rep`): the CPU limits and p50/max.
    assert.match(notes[60], /not shown: rep, .*cpu(\/mem)? p50\/max.*cpu limits/, notes[60]);
  });

  it('mora demo\'s usage table fits 80 and 60 columns through the same renderer; whole in a pipe', async () => {
    const rows = demoRows();
    const full = demoTable(rows).split('\n');
    assert.ok(!full.join('\n').includes('…'));
    assert.match(full[0], /^service +rep cpu req\/lim +cpu p50\/p95\/max +mem req\/lim +mem p50\/p95\/max +note$/);
    for (const width of [80, 60]) {
      const t = demoTable(rows, width);
      const lines = t.split('\n');
      for (const l of lines) assert.ok(l.length <= width, `${width}: ${l.length}: ${l}\n${t}`);
      assert.match(t, new RegExp(`^to fit ${width} columns: `, 'm'));
      rows.forEach((r, i) => {
        const cells = cellsOf(lines[2 + i], 1);
        assert.ok(recognisable(cells[0], r.service), `${cells[0]} for ${r.service}`);
        // The usage numbers shown are the full table's (p95/max or p95 of p50/p95/max).
        const before = cellsOf(full[2 + i], 1);
        assert.ok(before[3].endsWith(cells[2]) || before[3].split('/')[1] === cells[2], `${cells[2]} in ${before[3]}`);
      });
    }
    // Through `mora demo --usage` at COLUMNS=80: every line of stdout fits.
    const r = await asPipe('80', () => mora(['demo', '--usage']));
    assert.equal(r.code, 0);
    for (const l of r.out.split('\n')) assert.ok(l.length <= 80, `${l.length}: ${l}`);
  });

  it('--compare and mora demo explain Δ and oom only when the table shows those columns', async () => {
    for (const width of [undefined, '60', '40']) {
      const cmp = await asPipe(width, () => mora(['recommend', '--source', 'demo', '--compare', '-q']));
      const demo = await asPipe(width, () => mora(['demo', '--no-report', '-q']));
      for (const r of [cmp, demo]) {
        assert.equal(r.code, 0, r.err);
        const header = r.out.split('\n').find((l) => /^service .*verdict/.test(l)) ?? '';
        const deltaShown = /Δcpu|Δmem req/.test(header);
        assert.equal(/requests freed/.test(r.out), deltaShown, `${width}: Δ footnote with the Δ columns ${deltaShown ? 'shown' : 'left out'}\n${r.out}`);
        if (r === demo) {
          assert.equal(/Δ = what MOrA frees/.test(r.out.replace(/\s+/g, ' ')), deltaShown, `${width}: demo legend's Δ\n${r.out}`);
          assert.equal(/oom = replayed days/.test(r.out.replace(/\s+/g, ' ')), /\boom\b/.test(header), `${width}: demo legend's oom\n${r.out}`);
        }
      }
    }
  });

  it('mora manifests scan fits 80 and 60 columns (KIND as kubectl\'s short names, then columns left out); whole in a pipe', async () => {
    const dir = tempDir('mora-scan-width-');
    const file = join(dir, 'online-boutique-production-manifests.yaml');
    writeFileSync(file, demoManifests());
    const whole = await asPipe(undefined, () => mora(['manifests', 'scan', file]));
    assert.equal(whole.code, 0);
    assert.match(whole.out.split('\n')[0], /^KIND +NAMESPACE +NAME +CONTAINER +LINE +REPLICAS +REQ CPU +REQ MEM +LIM CPU +LIM MEM$/);
    assert.ok(whole.out.includes('Deployment   shop       productcatalogservice  server'), whole.out);
    for (const width of [80, 60]) {
      for (const args of [[file], [dir]]) {
        const r = await asPipe(String(width), () => mora(['manifests', 'scan', ...args]));
        assert.equal(r.code, 0, r.err);
        const lines = r.out.split('\n');
        for (const l of lines) assert.ok(l.length <= width, `${width}: ${l.length}: ${l}\n${r.out}`);
        const header = cellsOf(lines[0]);
        const name = header.indexOf('NAME');
        const rows = lines.slice(1).filter((l) => /(^| )(deploy|sts) /.test(l));
        assert.equal(rows.length, 11, r.out);
        for (const l of rows) assert.ok(BOUTIQUE.some((n) => recognisable(cellsOf(l)[name], n)), l);
        assert.ok(header.includes('REQ CPU') && header.includes('REQ MEM'), r.out);
        assert.match(r.out, /--format json/);
      }
    }
  });

  it('mora health wraps a long message under its name at the width, a command to copy on one line', () => {
    const message = 'no kubeconfig found: KUBECONFIG is not set; ~/.kube/config does not exist; not running in a pod (KUBERNETES_SERVICE_HOST is not set) — '
      + 'log in to your cluster (e.g. gcloud container clusters get-credentials, aws eks update-kubeconfig, az aks get-credentials) or pass --kubeconfig to check the Kubernetes API';
    const checks = [
      { name: 'prometheus', ok: false, required: true, message: 'Prometheus at http://127.0.0.1:9090 refused the connection — is it running? check --prometheus (CLI) or the mora.prometheus.url setting (VS Code)' },
      { name: 'kubernetes', ok: false, required: false, message },
      { name: 'context', ok: false, required: false, message: 'the kubeconfig ~/.kube/config sets no current-context — pass --context <name>, or run kubectl config use-context <name> (contexts: a, b)' },
    ];
    const one = healthLines(checks);
    assert.equal(one.length, 3);
    assert.ok(one[1].length > 159, 'unlimited: one line per check, as before');
    for (const width of [80, 60]) {
      const lines = healthLines(checks, width);
      for (const l of lines) assert.ok(l.length <= width, `${width}: ${l.length}: ${l}`);
      assert.ok(lines.filter((l) => /^(ok {3}|FAIL|warn) /.test(l)).length === 3 && lines.length > 3);
      for (const l of lines) if (!/^(ok {3}|FAIL|warn) /.test(l)) assert.match(l, /^ {5}\S/);
      // Read back, the words are the message's; the commands are each on one line.
      assert.equal(lines.map((l) => l.trim()).join(' '), one.join(' '));
      for (const cmd of ['gcloud container clusters get-credentials', 'aws eks update-kubeconfig', 'az aks get-credentials', 'kubectl config use-context <name>']) {
        assert.ok(lines.some((l) => l.includes(cmd)), `${cmd} split at ${width}:\n${lines.join('\n')}`);
      }
    }
    // A command longer than the width stays whole on its line.
    assert.equal(wrapWords('run kubectl --context production-eu-west -n online-boutique scale deployment/productcatalogservice --replicas=3, then check', 40, '  '),
      'run\n  kubectl --context production-eu-west -n online-boutique scale deployment/productcatalogservice --replicas=3,\n  then check\n');
  });
});
