/**
 * The settings the editor's recommendations pass to the engine besides the risk targets (mora.historyDays,
 * mora.safetyMargin, mora.qos, mora.cpuLimits, mora.forecastModel): a value the settings editor let through but the
 * engine refuses (historyDays 120, safetyMargin -0.1) is warned about once, naming the setting and package.json's range,
 * and the default is used, so every workload still gets its recommendation; before, the engine threw for every workload.
 */
import { strict as assert } from 'node:assert';
import { DemoDataSource } from '../../src/data/demo';
import { recommendFromSource } from '../../src/pipeline/recommend';
import { DEFAULT_POLICY, resolvePolicy } from '../../src/rightsizing/engine/policy';
import { ENGINE_SETTINGS, recommendSettings, settingCheck, type SettingsReader } from '../../src/views/recommend-settings';

type Schema = { type?: string; default?: unknown; minimum?: number; maximum?: number; enum?: string[] };
const props = (require('../../package.json') as { contributes: { configuration: { properties: Record<string, Schema> } } }).contributes.configuration.properties;
const reader = (values: Record<string, unknown>): SettingsReader => <T>(key: string, fallback: T): T => (key in values ? values[key] as T : fallback);

/** One demo workload's recommendation with these settings, as the extension's store computes it. */
async function demoRecommendation(settings: ReturnType<typeof recommendSettings>): Promise<number> {
  const { warnings: _warnings, ...request } = settings;
  const source = new DemoDataSource();
  const [w] = await source.workloads('demo', 'shop');
  const runs = await recommendFromSource(source, { context: 'demo', namespace: 'shop', workload: w.name, ...request });
  for (const r of runs) assert.ok(r.recommendation.containers.length > 0, w.name);
  return runs.length;
}

describe('engine settings → policy: an invalid value warns and uses the default', function () {
  this.timeout(60000);

  it('the checked ranges and values are package.json\'s schema for each setting, and the engine accepts them', () => {
    for (const [key, s] of Object.entries(ENGINE_SETTINGS)) {
      const schema = props[`mora.${key}`];
      assert.ok(schema, key);
      assert.equal(schema.default, s.default, key);
      if ('minimum' in s) assert.deepEqual([schema.type, schema.minimum, schema.maximum], ['number', s.minimum, s.maximum], key);
      else if ('enum' in s) assert.deepEqual(schema.enum, [...s.enum], key);
      else assert.equal(schema.type, 'boolean', key);
    }
    // Every setting package.json gives a range or values that recommendSettings reads is checked.
    for (const key of ['mora.historyDays', 'mora.safetyMargin', 'mora.qos', 'mora.cpuLimits', 'mora.forecastModel']) assert.ok(key.slice(5) in ENGINE_SETTINGS, key);
    const { historyDays: h, safetyMargin: m } = ENGINE_SETTINGS;
    for (const [historyDays, margin] of [[h.minimum, m.minimum], [h.maximum, m.maximum]]) {
      assert.doesNotThrow(() => resolvePolicy({ historyDays, cpuMargin: margin, memoryMargin: margin }));
    }
    assert.equal(ENGINE_SETTINGS.historyDays.default, DEFAULT_POLICY.historyDays);
    assert.equal(ENGINE_SETTINGS.safetyMargin.default, DEFAULT_POLICY.cpuMargin);
    assert.equal(ENGINE_SETTINGS.qos.default, DEFAULT_POLICY.qos);
    assert.equal(ENGINE_SETTINGS.cpuLimits.default, DEFAULT_POLICY.cpuLimits);
  });

  it('each invalid value: one warning naming the setting and its range, the default in the policy, a recommendation still made', async () => {
    const defaults = recommendSettings(reader({}));
    assert.deepEqual(defaults.warnings, []);
    const cases: [Record<string, unknown>, string][] = [
      [{ historyDays: 120 }, 'Setting mora.historyDays is 120: must be a number of days between 1 and 90; using the default 14 until it is fixed.'],
      [{ historyDays: 0 }, 'Setting mora.historyDays is 0: must be a number of days between 1 and 90; using the default 14 until it is fixed.'],
      [{ historyDays: 'two weeks' }, 'Setting mora.historyDays is "two weeks": must be a number of days between 1 and 90; using the default 14 until it is fixed.'],
      [{ safetyMargin: -0.1 }, 'Setting mora.safetyMargin is -0.1: must be a fraction between 0 and 2 (0.1 = +10%); using the default 0 until it is fixed.'],
      [{ safetyMargin: 10 }, 'Setting mora.safetyMargin is 10: must be a fraction between 0 and 2 (a fraction: 10 = +1000%; 10% is 0.1); using the default 0 until it is fixed.'],
      [{ safetyMargin: '15%' }, 'Setting mora.safetyMargin is "15%": must be a fraction between 0 and 2 (a fraction, not a percentage: 15% is 0.15); using the default 0 until it is fixed.'],
      [{ safetyMargin: 2.5 }, 'Setting mora.safetyMargin is 2.5: must be a fraction between 0 and 2 (a fraction: 2.5 = +250%; 2.5% is 0.025); using the default 0 until it is fixed.'],
      [{ safetyMargin: 500 }, 'Setting mora.safetyMargin is 500: must be a fraction between 0 and 2 (a fraction: 500 = +50000%); using the default 0 until it is fixed.'],
      [{ safetyMargin: '500%' }, 'Setting mora.safetyMargin is "500%": must be a fraction between 0 and 2 (a fraction, not a percentage: 0.1 = +10%); using the default 0 until it is fixed.'],
      [{ qos: 'gold' }, 'Setting mora.qos is "gold": must be Burstable or Guaranteed; using the default Burstable until it is fixed.'],
      [{ qos: 1 }, 'Setting mora.qos is 1: must be Burstable or Guaranteed; using the default Burstable until it is fixed.'],
      [{ cpuLimits: 'yes' }, 'Setting mora.cpuLimits is "yes": must be true or false; using the default false until it is fixed.'],
      [{ forecastModel: 'lstm' }, 'Setting mora.forecastModel is "lstm": must be none, prophet or fused; using the default none until it is fixed.'],
    ];
    for (const [values, warning] of cases) {
      const settings = recommendSettings(reader(values));
      const label = JSON.stringify(values);
      assert.deepEqual(settings.warnings, [warning], label);
      assert.deepEqual(settings.policy, defaults.policy, label);
      assert.equal(settings.model, undefined, label);
      assert.doesNotThrow(() => resolvePolicy(settings.policy), label);
    }
    // The reviewer's three together: three warnings, and the demo workload still gets its recommendation.
    const all = recommendSettings(reader({ historyDays: 120, safetyMargin: -0.1, qos: 'gold' }));
    assert.deepEqual(all.warnings?.map((w) => /^Setting (mora\.\w+)/.exec(w)?.[1]), ['mora.qos', 'mora.historyDays', 'mora.safetyMargin']);
    assert.deepEqual(all.policy, defaults.policy);
    assert.ok(await demoRecommendation(all) > 0);
  });

  it('valid values are passed on unchanged; qos and forecastModel in any case, numbers also as strings', async () => {
    const settings = recommendSettings(reader({ historyDays: 30, safetyMargin: 0.2, qos: 'Guaranteed', cpuLimits: true, forecastModel: 'none' }));
    assert.deepEqual(settings.warnings, []);
    assert.deepEqual(settings.policy, { qos: 'Guaranteed', cpuLimits: true, historyDays: 30, cpuMargin: 0.2, memoryMargin: 0.2, cpuRisk: 0.05, memoryRisk: 0.01 });
    // `mora recommend --qos guaranteed` is Guaranteed: so is the setting, without a warning.
    const lower = recommendSettings(reader({ qos: 'guaranteed', historyDays: '7', safetyMargin: '0.1' }));
    assert.deepEqual(lower.warnings, []);
    assert.deepEqual([lower.policy.qos, lower.policy.historyDays, lower.policy.cpuMargin], ['Guaranteed', 7, 0.1]);
    assert.ok(await demoRecommendation(lower) > 0);
    assert.deepEqual(settingCheck('forecastModel', 'Prophet'), { value: 'prophet' });
    assert.equal(recommendSettings(reader({ forecastModel: 'Prophet' })).model, 'prophet');
    assert.deepEqual(settingCheck('historyDays', 1), { value: 1 });
    assert.deepEqual(settingCheck('historyDays', 90), { value: 90 });
    assert.deepEqual(settingCheck('safetyMargin', 2), { value: 2 });
    assert.deepEqual(settingCheck('cpuLimits', false), { value: false });
    // Unset (null in settings.json): the default, no warning.
    assert.deepEqual(settingCheck('historyDays', null), { value: 14 });
    assert.deepEqual(settingCheck('qos', undefined), { value: 'Burstable' });
  });
});
