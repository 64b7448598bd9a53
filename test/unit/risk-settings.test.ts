/**
 * The risk settings (`mora.risk.cpu`, `mora.risk.memory`) as the engine's policy: package.json's defaults give the
 * policy's defaults, a value set is passed on, and a value the settings editor let through (out of range, not a number)
 * never fails every recommendation.
 */
import { strict as assert } from 'node:assert';
import { DEFAULT_RISK, RISK_RANGE, resolvePolicy } from '../../src/rightsizing/engine/policy';
import { riskOption } from '../../src/cli/commands/recommend';
import { recommendSettings, riskSetting, riskSettingCheck, type SettingsReader } from '../../src/views/recommend-settings';

const pkg = require('../../package.json') as { contributes: { configuration: { properties: Record<string, { default?: unknown; minimum?: number; maximum?: number }> } } };
const props = pkg.contributes.configuration.properties;
const reader = (values: Record<string, unknown>): SettingsReader => <T>(key: string, fallback: T): T => (key in values ? values[key] as T : fallback);
const installDefaults: SettingsReader = <T>(key: string, fallback: T): T => (props[`mora.${key}`]?.default as T | undefined) ?? fallback;

describe('risk settings → policy', () => {
  it('package.json declares mora.risk.cpu / mora.risk.memory with the policy\'s defaults and range', () => {
    for (const [key, def] of [['mora.risk.cpu', DEFAULT_RISK.cpu], ['mora.risk.memory', DEFAULT_RISK.memory]] as const) {
      assert.equal(props[key]?.default, def, key);
      assert.equal(props[key].minimum, RISK_RANGE.min, key);
      assert.equal(props[key].maximum, RISK_RANGE.max, key);
    }
  });

  it('a fresh install gives the policy\'s default targets', () => {
    const { policy } = recommendSettings(installDefaults);
    assert.equal(policy.cpuRisk, DEFAULT_RISK.cpu);
    assert.equal(policy.memoryRisk, DEFAULT_RISK.memory);
  });

  it('passes the targets set on to the policy, which accepts them', () => {
    const { policy } = recommendSettings(reader({ 'risk.cpu': 0.02, 'risk.memory': 0.1 }));
    assert.equal(policy.cpuRisk, 0.02);
    assert.equal(policy.memoryRisk, 0.1);
    const resolved = resolvePolicy(policy);
    assert.equal(resolved.cpuRisk, 0.02);
    assert.equal(resolved.memoryRisk, 0.1);
  });

  it('an invalid value is not clamped silently: the default is used and a warning names the setting, the value and the share meant', () => {
    const cases: [unknown, RegExp][] = [
      [5, /^Setting mora\.risk\.cpu is 5: must be a share between 0\.001 and 0\.5 \(a share, not a percentage: 5% is 0\.05\); using the default 0\.05 until it is fixed\.$/],
      // 1, 0.9, 0.6: shares above the range, not percentages (they were "1% is 0.01", "0.9% is 0.009")
      [1, /^Setting mora\.risk\.cpu is 1: must be a share between 0\.001 and 0\.5 \(1 = 100%\); using the default 0\.05 until it is fixed\.$/],
      [0.6, /is 0\.6: must be a share between 0\.001 and 0\.5 \(0\.6 = 60%\); using the default 0\.05/],
      ['5%', /is "5%": .*5% is 0\.05\); using the default 0\.05/],
      [0.9, /is 0\.9: must be a share between 0\.001 and 0\.5 \(0\.9 = 90%\); using/],
      ['0.9%', /is "0\.9%": .*0\.9% is 0\.009/],
      [0, /is 0: must be a share between 0\.001 and 0\.5 \(a share: 0\.05 = 5%\); using the default 0\.05/],
      [-0.05, /is -0\.05: .*\(a share: 0\.05 = 5%\)/],
      ['five', /is "five": .*\(a share: 0\.05 = 5%\)/],
      [Number.NaN, /is NaN: /],
    ];
    for (const [value, warning] of cases) {
      const r = riskSettingCheck('risk.cpu', value, DEFAULT_RISK.cpu);
      assert.equal(r.value, DEFAULT_RISK.cpu, String(value));
      assert.match(r.warning ?? '', warning, String(value));
      assert.equal(riskSetting(value, DEFAULT_RISK.cpu), DEFAULT_RISK.cpu, String(value));
    }
    assert.deepEqual(riskSettingCheck('risk.memory', '0.2', 0.01), { value: 0.2 });
    assert.deepEqual(riskSettingCheck('risk.memory', null, 0.01), { value: 0.01 });
    assert.deepEqual(riskSettingCheck('risk.memory', RISK_RANGE.max, 0.01), { value: RISK_RANGE.max });

    const settings = recommendSettings(reader({ 'risk.cpu': 7, 'risk.memory': 'x' }));
    assert.doesNotThrow(() => resolvePolicy(settings.policy));
    assert.equal(settings.policy.cpuRisk, DEFAULT_RISK.cpu);
    assert.equal(settings.policy.memoryRisk, DEFAULT_RISK.memory);
    assert.deepEqual(settings.warnings, [
      'Setting mora.risk.cpu is 7: must be a share between 0.001 and 0.5 (a share, not a percentage: 7% is 0.07); using the default 0.05 until it is fixed.',
      'Setting mora.risk.memory is "x": must be a share between 0.001 and 0.5 (a share: 0.05 = 5%); using the default 0.01 until it is fixed.',
    ]);
    assert.deepEqual(recommendSettings(installDefaults).warnings, []);
  });

  it('the warning reads as the CLI\'s refusal of the same value (one validator)', () => {
    for (const raw of ['5', '5%', '0', 'five', '0.9']) {
      const cli = (() => { try { riskOption('--cpu-risk', raw, 0.05); return ''; } catch (e) { return (e as Error).message; } })();
      const setting = riskSettingCheck('risk.cpu', raw, 0.05).warning ?? '';
      const problem = /must be a share[^;]*?\)/.exec(cli)?.[0];
      assert.ok(problem && setting.includes(problem), `${raw}: ${cli} / ${setting}`);
    }
  });
});
