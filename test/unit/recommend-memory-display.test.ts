/**
 * A memory request or limit reads the same in every format and is never shown below what is written: the table, the
 * --compare table and the HTML report round up to whole Mi, as the CSV and the manifest do (before, the table and the
 * report rounded to the nearest: recommendationservice's VPA 488Mi against the CSV's 489Mi, and with --memory-min 1100Mi
 * every value read 1.07Gi = 1095.68Mi, less than the 1100Mi written). And the --compare table's Δ says it counts requests,
 * while the memory column next to it is the limit (adservice: limit 300Mi→225Mi, Δmem +27Mi from its request 180Mi→207Mi).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { humanMemory, humanMemoryQuantity, parseQuantity } from '../../src/core/quantity';
import type { Recommendation } from '../../src/core/recommendation';
import { comparisonTable } from '../../src/cli/format/recommendations';
import type { EngineResult } from '../../src/rightsizing/engine';
import { floorNote, riskBrief } from '../../src/core/advice-text';
import { containerHeadline, evidenceMarkdown } from '../../src/views/recommendation-text';
import { DemoDataSource, demoManifests } from '../../src/data/demo';
import { manifestView } from '../../src/views/manifest-lens-model';
import { ClusterTreeModel } from '../../src/views/tree-model';
import { tempDir } from '../harness/temp-dir';
import { asPipe } from './helpers/as-pipe';
import { demoEngineRuns } from './helpers/demo-runs';
import { mora } from './helpers/run-cli';

const MI = 2 ** 20;
type Json = Array<Recommendation & { baselines: Record<string, { memory: { vpa?: number; krr?: number } }> }>;

/** `mora recommend --source demo <args>` in-process at unlimited width (a pipe, no $COLUMNS): whole cells. */
async function recommend(args: string[]): Promise<string> {
  const r = await asPipe(undefined, () => mora(['recommend', '--source', 'demo', '-q', ...args]));
  assert.equal(r.code, 0, r.err);
  return r.out;
}

/** A table's rows by their first cell, split on the two-space column gaps; the header row under `header`. */
function tableRows(text: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const cells = line.trim().split(/\s{2,}/);
    if (cells.length > 5 && !line.startsWith('─')) rows.set(cells[0] === 'workload' || cells[0] === 'service' ? 'header' : cells[0], cells);
  }
  return rows;
}

/** The value a cell sets: `64Mi→40Mi` → 40Mi, `300m` → 300m, in base units. */
const newValue = (cell: string): number => parseQuantity(cell.split('→').pop()!);
const nowValue = (cell: string): number => parseQuantity(cell.split('→')[0]);

/** Shown (what a person reads and copies) against written (CSV/JSON bytes): never below, and the same at whole Mi. */
function sameAtShownPrecision(shown: number, written: number, what: string): void {
  assert.ok(shown >= written, `${what}: shown ${shown / MI}Mi is below the ${written / MI}Mi written`);
  assert.ok(shown - written < MI, `${what}: shown ${shown / MI}Mi, written ${written / MI}Mi: not the same at whole Mi`);
}

describe('memory requests and limits read the same in table, CSV, JSON and HTML', function () {
  this.timeout(120000);
  let json: Json;
  let csv: Map<string, string[]>;
  let table: Map<string, string[]>;
  let compare: Map<string, string[]>;
  let html: string;

  before(async () => {
    const dir = tempDir('mora-mem-display-');
    json = JSON.parse(await recommend(['-f', 'json']));
    csv = new Map((await recommend(['-f', 'csv'])).trim().split('\n').slice(1).map((l) => l.split(','))
      .filter((c) => c[5] === 'memory').map((c) => [c[3], c]));
    table = tableRows(await recommend(['--report', join(dir, 'r.html')]));
    html = readFileSync(join(dir, 'r.html'), 'utf8');
    compare = tableRows(await recommend(['--compare']));
  });

  it('every demo container: the same bytes at whole Mi, never below the CSV and JSON values', () => {
    assert.equal(json.length, 11);
    for (const r of json) {
      const name = r.workload.name, c = r.containers[0], m = c.memory!;
      const row = csv.get(name)!, t = table.get(name)!, k = compare.get(name)!;
      assert.ok(row && t && k, name);
      // CSV columns: current_request, current_limit, request, …, limit, …, vpa (15), krr (16); JSON the raw bytes.
      const written = { request: parseQuantity(row[8]), limit: parseQuantity(row[11]), vpa: parseQuantity(row[15]), krr: parseQuantity(row[16]) };
      assert.equal(written.request, m.request.value, `${name}: CSV request = JSON`);
      assert.equal(written.limit, m.limit!.value, `${name}: CSV limit = JSON`);
      const base = r.baselines[c.container].memory;
      sameAtShownPrecision(written.vpa, base.vpa!, `${name} CSV vpa against JSON`);
      sameAtShownPrecision(written.krr, base.krr!, `${name} CSV krr against JSON`);
      // The table: mem req (4), mem lim (5); --compare: mem lim (4), vpa (5), krr (6).
      sameAtShownPrecision(newValue(t[3]), written.request, `${name} table mem req`);
      sameAtShownPrecision(newValue(t[4]), written.limit, `${name} table mem lim`);
      sameAtShownPrecision(nowValue(t[3]), parseQuantity(row[6]), `${name} table current request`);
      sameAtShownPrecision(parseQuantity(k[4]), written.limit, `${name} --compare mem lim`);
      sameAtShownPrecision(parseQuantity(k[5]), base.vpa!, `${name} --compare vpa`);
      sameAtShownPrecision(parseQuantity(k[6]), base.krr!, `${name} --compare krr`);
      assert.equal(k[5], row[15], `${name}: --compare vpa as the CSV writes it`);
      assert.equal(k[6], row[16], `${name}: --compare krr as the CSV writes it`);
      // The report's table: mem lim now, MOrA, VPA, KRR as the --compare table shows them; the chart's labels too.
      const tr = html.split('\n').find((l) => l.startsWith(`<tr><td>${name}</td>`))!;
      const cells = [...tr.matchAll(/<td>(?:<b>)?([^<]*)/g)].map((x) => x[1]);
      assert.deepEqual(cells.slice(5, 9), [t[4].split('→')[0], k[4], k[5], k[6]], `${name}: report row`);
      const section = html.slice(html.indexOf(`<h2>${name} `));
      assert.match(section, new RegExp(`>MOrA lim ${k[4]}<.*>MOrA req ${t[3].split('→').pop()}<.*>VPA ${k[5]}<`), `${name}: chart labels`);
    }
  });

  it('the reviewer\'s cases: recommendationservice VPA 489Mi, adservice VPA 260Mi, everywhere', () => {
    assert.equal(compare.get('recommendationservice')![5], '489Mi');
    assert.equal(compare.get('adservice')![5], '260Mi');
    assert.match(html, /<tr><td>recommendationservice<\/td>(<td>[^<]*<\/td>|<td><b>[^<]*<\/b><\/td>){6}<td>489Mi<\/td>/);
  });

  it('--memory-min 1100Mi: the table shows 1100Mi, as the CSV writes, not 1.07Gi', async () => {
    const t = tableRows(await recommend(['--memory-min', '1100Mi']));
    const c = new Map((await recommend(['--memory-min', '1100Mi', '-f', 'csv'])).trim().split('\n').slice(1).map((l) => l.split(','))
      .filter((x) => x[5] === 'memory').map((x) => [x[3], x]));
    for (const [name, cells] of t) {
      if (name === 'header') continue;
      for (const [i, col] of [[3, 8], [4, 11]]) {
        const shown = newValue(cells[i]);
        assert.ok(shown >= 1100 * MI, `${name}: ${cells[i]} is below the 1100Mi floor`);
        sameAtShownPrecision(shown, parseQuantity(c.get(name)![col]), `${name} column ${i}`);
      }
    }
    assert.equal(t.get('frontend')![3], '64Mi→1100Mi');
  });

  it('the editor\'s text (headline, hover, risk brief, floor note) shows requests and limits as the table does', async () => {
    const runs = await demoEngineRuns();
    for (const r of runs) {
      const c = r.recommendation.containers[0], m = c.memory!;
      assert.match(containerHeadline(c), new RegExp(`mem ${humanMemoryQuantity(c.current.requests.memory!)} → ${humanMemoryQuantity(m.request.value)} `));
      assert.match(evidenceMarkdown(r.recommendation, c), new RegExp(`\\*\\*Memory\\*\\* request ${humanMemoryQuantity(m.request.value)} .*, limit ${humanMemoryQuantity(m.limit!.value)} `));
      assert.match(riskBrief(c), new RegExp(`at limit ${humanMemoryQuantity(m.limit!.value)} `));
    }
    // A floor is a value set (whole Mi, as written); the observed peak next to it is usage, to the nearest.
    const floored = { ...runs[0].recommendation.containers[0], raisedToFloor: [{ resource: 'memory' as const, floor: 1100 * MI, observedMax: 45.4e6 }] };
    assert.equal(floorNote(floored), 'memory raised to the 1100Mi floor (25.4× the observed peak 43.3Mi)');
  });

  it('the tree and the manifest lens: a recommended 1100Mi reads 1100Mi, the usage next to it to the nearest', async () => {
    // The demo's recommendations, cartservice's memory set to 1100Mi (as --memory-min 1100Mi / mora.memoryMin would).
    const recs = (await demoEngineRuns()).map((r) => r.recommendation).map((r) => r.workload.name !== 'cartservice' ? r : {
      ...r, containers: r.containers.map((c) => ({ ...c, memory: { ...c.memory!, request: { ...c.memory!.request, value: 1100 * MI }, limit: { ...c.memory!.limit!, value: 1100 * MI } } })),
    });
    const model = new ClusterTreeModel(new DemoDataSource(), { ensure: async () => recs.length, get: (ref) => recs.find((r) => r.workload.name === ref.name && r.workload.kind === ref.kind) });
    const [ctx] = await model.children();
    const [ns] = await model.children(ctx);
    const w = (await model.children(ns)).find((n) => n.label === 'cartservice')!;
    const [container] = await model.children(w);
    assert.match(container.description!, /mem 64Mi→1100Mi /);
    assert.match(container.tooltip!, /\| Memory \| 64Mi \| 128Mi \| [\d.]+Mi \| [\d.]+Mi \| [\d.]+Mi \| 1100Mi \/ 1100Mi \|/);
    const view = manifestView(demoManifests(), (_ns, kind, name) => recs.find((r) => r.workload.name === name && r.workload.kind === kind), 'default');
    assert.ok(view.lenses.some((l) => l.title.includes('mem 64Mi → 1100Mi ·')), view.lenses.map((l) => l.title).join('\n'));
  });

  it('humanMemoryQuantity rounds up to whole Mi and writes it as Kubernetes does', () => {
    assert.equal(humanMemoryQuantity(1100 * MI), '1100Mi');
    assert.equal(humanMemoryQuantity(1024 * MI), '1Gi');
    assert.equal(humanMemoryQuantity(1536 * MI), '1536Mi');
    assert.equal(humanMemoryQuantity(511772988), '489Mi'); // the demo's recommendationservice VPA, 488.06Mi
    assert.equal(humanMemoryQuantity(100e6), '96Mi'); // 100M = 95.37Mi
    assert.equal(humanMemoryQuantity(0), '0');
    assert.equal(humanMemory(100e6), '95.4Mi', 'usage display unchanged');
  });
});

describe('--compare: Δ says it counts requests, and follows from them', function () {
  this.timeout(120000);
  let runs: EngineResult[];
  before(async () => { runs = await demoEngineRuns(); });

  it('the header and footnote say request; each Δ = current request × replicas − MOrA\'s × replicas, as the table shows the requests', async () => {
    const text = comparisonTable(runs, Infinity);
    const rows = tableRows(text);
    const head = rows.get('header')!;
    // Δcpu sits next to the cpu column, which is the request; Δmem next to mem lim, so it says it is the request's.
    const dmem = head.indexOf('Δmem req'), dcpu = head.indexOf('Δcpu');
    assert.ok(dmem > 0 && dcpu > 0, `headers: ${head.join(' | ')}`);
    assert.match(text, /^Δcpu \/ Δmem req = requests freed: current request × replicas − MOrA's request × replicas .*mem lim is the limit, not the request/m);
    // The requests as the recommendations table shows them (mem req `180Mi→207Mi`), × the replicas the savings count.
    const shown = tableRows(await recommend([]));
    for (const r of runs) {
      const name = r.recommendation.workload.name;
      const n = r.savings.replicas ?? { current: r.recommendation.replicas?.current ?? 1, advised: r.recommendation.replicas?.current ?? 1 };
      const req = shown.get(name)![3];
      const freed = nowValue(req) * n.current - newValue(req) * n.advised;
      const want = `${freed >= 0 ? '' : '+'}${humanMemory(Math.abs(freed))}`;
      assert.equal(rows.get(name)![dmem], want, `${name}: Δmem req from mem req ${req} × ${n.current}→${n.advised}`);
    }
    // adservice: its limit falls (300Mi→225Mi) while its request rises (180Mi→207Mi): the Δ is the request's, +27Mi.
    assert.equal(rows.get('adservice')![dmem], '+27Mi');
    assert.equal(shown.get('adservice')![3], '180Mi→207Mi');
  });
});
