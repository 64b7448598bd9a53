/**
 * The risk settings (`mora.risk.cpu`, `mora.risk.memory`) as the engine's policy: package.json's defaults give the
 * policy's defaults, a value set is passed on, and a value the settings editor let through (out of range, not a number)
 * never fails every recommendation.
 */
import { strict as assert } from 'node:assert';
import { DEFAULT_RISK, RISK_RANGE, resolvePolicy } from '../../src/rightsizing/engine/policy';
import { recommendSettings, riskSetting, type SettingsReader } from '../../src/views/recommend-settings';

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

  it('clamps an out-of-range value and falls back to the default for a non-number, so the policy stays valid', () => {
    assert.equal(riskSetting(0.9, 0.05), RISK_RANGE.max);
    assert.equal(riskSetting(0, 0.05), RISK_RANGE.min);
    assert.equal(riskSetting(-1, 0.05), RISK_RANGE.min);
    assert.equal(riskSetting('0.2', 0.05), 0.2);
    assert.equal(riskSetting('five', 0.05), 0.05);
    assert.equal(riskSetting(null, 0.01), 0.01);
    assert.equal(riskSetting(Number.NaN, 0.01), 0.01);
    const { policy } = recommendSettings(reader({ 'risk.cpu': 7, 'risk.memory': 'x' }));
    assert.doesNotThrow(() => resolvePolicy(policy));
    assert.equal(policy.memoryRisk, DEFAULT_RISK.memory);
  });
});
