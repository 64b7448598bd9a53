/**
 * An invalid `mora.risk.*` setting, as the user sees it: the warning spells the value as settings.json does (`[0.05]`,
 * not `0.05`), the targets the views show are labelled as the default the invalid setting fell back to (never as the
 * setting's), and the warning is shown once while the value stands and again after the settings change.
 */
import { strict as assert } from 'node:assert';
import type { ContainerRecommendation, Evidence, Recommendation, RiskStatement } from '../../src/core/recommendation';
import { DemoDataSource } from '../../src/data/demo';
import { DEFAULT_RISK } from '../../src/rightsizing/engine/policy';
import { recommendSettings, riskSettingCheck, riskSettingLabels, SettingWarnings, type SettingsReader } from '../../src/views/recommend-settings';
import { evidenceMarkdown, riskLines } from '../../src/views/recommendation-text';
import { ClusterTreeModel } from '../../src/views/tree-model';

const Mi = 2 ** 20;
const reader = (values: Record<string, unknown>): SettingsReader => <T>(key: string, fallback: T): T => (key in values ? values[key] as T : fallback);
const evidence = (risk: RiskStatement): Evidence => ({
  observed: { p50: 0, p95: 0, p99: 0, max: 0, samples: 1, days: 14 }, margin: 0.1, method: 'moving-window', reason: 'p95', completeness: 1, notes: [], risk,
});
const c: ContainerRecommendation = {
  container: 'server', current: { requests: {}, limits: {} }, verdict: 'ok', confidence: 0.8,
  cpu: { request: { value: 0.18, lower: 0.15, upper: 0.2 }, confidence: 0.8, evidence: evidence({ measure: 'exceedance', target: 0.05, expected: 0.01, calibrationDays: 14 }) },
  memory: { request: { value: 420 * Mi, lower: 400 * Mi, upper: 440 * Mi }, confidence: 0.8, evidence: evidence({ measure: 'oom-days', target: 0.01, expected: 0.0075, calibrationDays: 14 }) },
};
const rec: Recommendation = { workload: { context: 'demo', namespace: 'shop', kind: 'Deployment', name: 'cartservice' }, qos: 'Burstable', confidence: 0.8, generatedAt: 0, containers: [c] };

async function cartTooltips(): Promise<string> {
  const model = new ClusterTreeModel(new DemoDataSource(), { ensure: async () => 11, get: (w) => (w.name === 'cartservice' ? rec : undefined) });
  let list = await model.children();
  for (const label of ['demo', 'shop']) list = await model.children(list.find((n) => n.label === label)!);
  const cart = list.find((n) => n.label === 'cartservice')!;
  const [server] = await model.children(cart);
  return `${cart.tooltip}\n${server.tooltip}`;
}

describe('an invalid mora.risk setting', () => {
  afterEach(() => recommendSettings(reader({})));

  it('the warning shows the value as settings.json spells it: [0.05], {"x":1}', () => {
    assert.match(riskSettingCheck('risk.cpu', [0.05], 0.05).warning ?? '', /^Setting mora\.risk\.cpu is \[0\.05\]: /);
    assert.match(riskSettingCheck('risk.memory', { x: 1 }, 0.01).warning ?? '', /^Setting mora\.risk\.memory is \{"x":1\}: /);
    assert.match(riskSettingCheck('risk.cpu', '5%', 0.05).warning ?? '', /^Setting mora\.risk\.cpu is "5%": /);
  });

  it('the targets shown are labelled as the default the invalid setting fell back to, and as the setting again once valid', async () => {
    recommendSettings(reader({ 'risk.cpu': 5 }));
    assert.deepEqual(riskSettingLabels(), { cpu: `default ${DEFAULT_RISK.cpu} (mora.risk.cpu is invalid)`, memory: 'setting mora.risk.memory' });
    const lines = riskLines(c).join('\n');
    assert.match(lines, /risk target ≤5% of the time \(default 0\.05 \(mora\.risk\.cpu is invalid\)\)/);
    assert.doesNotMatch(lines, /setting mora\.risk\.cpu/);
    assert.match(lines, /risk target ≤1 OOM day in 100 \(setting mora\.risk\.memory\)/);
    assert.match(evidenceMarkdown(rec, c), /\(default 0\.05 \(mora\.risk\.cpu is invalid\)\)/);
    const tree = await cartTooltips();
    assert.match(tree, /\(default 0\.05 \(mora\.risk\.cpu is invalid\), setting mora\.risk\.memory\)/);
    assert.doesNotMatch(tree, /setting mora\.risk\.cpu/);

    recommendSettings(reader({ 'risk.cpu': 0.05 }));
    assert.match(riskLines(c).join('\n'), /risk target ≤5% of the time \(setting mora\.risk\.cpu\)/);
    assert.match(await cartTooltips(), /\(settings mora\.risk\.cpu, mora\.risk\.memory\)/);
  });

  it('the warning is shown once while it stands, again after a settings change', () => {
    const warnings = new SettingWarnings();
    const w = recommendSettings(reader({ 'risk.cpu': 5 })).warnings!;
    assert.equal(w.length, 1);
    assert.deepEqual(warnings.fresh(w), w);
    assert.deepEqual(warnings.fresh(recommendSettings(reader({ 'risk.cpu': 5 })).warnings!), [], 'a refresh reads it again: not repeated');
    warnings.reset();
    assert.deepEqual(warnings.fresh(recommendSettings(reader({ 'risk.cpu': 5 })).warnings!), w, 'after a settings change: said again');
  });
});
