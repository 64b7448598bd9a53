/**
 * Quantities people type are held to their resource's units: `--set …=memory=256` wrote 256 bytes and
 * `recommend --cpu-min 1Gi` floored every container at ~1.07 billion cores, both silently. Refused now, naming the flag.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInputQuantity, QuantityError } from '../../src/core/quantity';
import { recommendPolicy } from '../../src/cli/commands/recommend';
import { UserError } from '../../src/cli/errors';
import { mora } from './helpers/run-cli';
import { deploymentWithCpu } from './helpers/manifest-fixtures';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';

const refused = (resource: 'cpu' | 'memory', raw: string, message: RegExp) =>
  assert.throws(() => parseInputQuantity(resource, raw, 'x'), (e: unknown) => e instanceof QuantityError && message.test(e.message), `${resource} ${raw}`);

describe('quantities typed by people: units', () => {
  it('refuses CPU with a memory suffix', () => {
    for (const raw of ['1Gi', '512Mi', '64Ki', '2G', '500M', '1k']) refused('cpu', raw, /^x: ".*" has a memory unit \((Gi|Mi|Ki|G|M|k)\); CPU is in cores \(2, 0\.5\) or millicores \(500m\)$/);
  });

  it('refuses memory in thousandths, naming the Mi it meant', () => {
    refused('memory', '2000m', /"2000m" is in thousandths of a byte .*did you mean 2000Mi\?$/);
    refused('memory', '512m', /did you mean 512Mi\?/);
  });

  it('refuses a plain memory number under 1Mi (bytes) with the unit it probably meant', () => {
    refused('memory', '256', /^x: "256" is 256 bytes \(a number without a unit is bytes\); did you mean 256Mi\? An amount under 1Mi needs its unit \(512Ki\)$/);
    refused('memory', '0.5', /did you mean 0\.5Gi\?/);
    refused('memory', '1023', /did you mean 1023Mi\?/);
    refused('memory', '1e3', /"1e3" is 1000 bytes .*; an amount under 1Mi needs its unit/);
    // A byte count (1000000 as Mi would be ~954Gi): said in Mi, with the units to write it in; no "did you mean 1000000Mi".
    refused('memory', '1000000', /^x: "1000000" is 1000000 bytes, 0\.954Mi \(a number without a unit is bytes\); an amount under 1Mi needs its unit: 977Ki, or 1Mi$/);
    refused('memory', '1048575', /^x: "1048575" is 1048575 bytes, 0\.999Mi .*: 1024Ki, or 1Mi$/);
  });

  it('refuses a plain CPU number of 20 or more (millicores without their m), naming both readings; takes 0.5 to 16 cores', () => {
    refused('cpu', '100', /^x: "100" is 100 cores \(a number without a unit is cores\); did you mean 100m\? For 100 cores write 100000m$/);
    refused('cpu', '20', /did you mean 20m\? For 20 cores write 20000m$/);
    refused('cpu', '250', /did you mean 250m\?/);
    refused('cpu', '+500', /"\+500" is 500 cores .*did you mean 500m\? For 500 cores write 500000m$/);
    refused('cpu', '"25.5"', /did you mean 25\.5m\? For 25\.5 cores write 25500m$/);
    for (const raw of ['0', '0.5', '1', '2', '4', '8', '16', '19.5', '010']) assert.equal(parseInputQuantity('cpu', raw), Number(raw), raw);
    // Written explicitly, a large amount is taken: in millicores.
    assert.equal(parseInputQuantity('cpu', '100000m'), 100);
  });

  // Before, the guard looked at the spelling: `cpu=100` was refused while `cpu=1e2` (the same 100 cores) was written.
  it('judges the value, not the spelling: exponent forms of 20 cores or more are refused as plain numbers are', () => {
    refused('cpu', '1e2', /^x: "1e2" is 100 cores \(a number without a unit is cores\); did you mean 100m\? For 100 cores write 100000m$/);
    refused('cpu', '1E3', /^x: "1E3" is 1000 cores .*did you mean 1000m\? For 1000 cores write 1000000m$/);
    refused('cpu', '0.1e3', /^x: "0\.1e3" is 100 cores .*did you mean 100m\?/);
    refused('cpu', '2e1', /"2e1" is 20 cores/);
    refused('cpu', '+25E+0', /"\+25E\+0" is 25 cores/);
    refused('cpu', '"1e2"', /is 100 cores .*did you mean 100m\?/);
    // Small amounts are real core counts however written; an exponent cannot hide a memory unit's typo either.
    assert.equal(parseInputQuantity('cpu', '1e0'), 1);
    assert.equal(parseInputQuantity('cpu', '5e-1'), 0.5);
    assert.equal(parseInputQuantity('cpu', '1.6e1'), 16);
    assert.equal(parseInputQuantity('cpu', '25e-3'), 0.025);
    assert.throws(() => parseInputQuantity('cpu', '1e309', 'x'), /"1e309" is too large/);
  });

  // Before, the hint echoed the text: `cpu=020` said 'did you mean 020m? For 020 cores write 20000m', `20.` '20.m'.
  it('writes the number back as the number it is, not as typed (leading zeros, a trailing point)', () => {
    refused('cpu', '020', /^x: "020" is 20 cores \(a number without a unit is cores\); did you mean 20m\? For 20 cores write 20000m$/);
    refused('cpu', '20.', /^x: "20\." is 20 cores .*; did you mean 20m\? For 20 cores write 20000m$/);
    refused('cpu', '+0250.50', /^x: "\+0250\.50" is 250\.5 cores .*; did you mean 250\.5m\? For 250\.5 cores write 250500m$/);
    refused('memory', '0512m', /did you mean 512Mi\?$/);
    refused('memory', '256.', /^x: "256\." is 256 bytes .*; did you mean 256Mi\?/);
    refused('memory', '.50', /did you mean 0\.5Gi\?/);
  });

  it('takes what is meant: CPU in cores or millicores, memory with its unit, 0, and byte counts of 1Mi or more', () => {
    assert.equal(parseInputQuantity('cpu', '2'), 2);
    assert.equal(parseInputQuantity('cpu', '500m'), 0.5);
    assert.equal(parseInputQuantity('cpu', '250000u'), 0.25);
    assert.equal(parseInputQuantity('memory', '512Ki'), 512 * 1024);
    assert.equal(parseInputQuantity('memory', '500k'), 500_000);
    assert.equal(parseInputQuantity('memory', '0'), 0);
    assert.equal(parseInputQuantity('memory', '1048576'), 2 ** 20);
    assert.equal(parseInputQuantity('memory', '268435456'), 256 * 2 ** 20);
    assert.equal(parseInputQuantity('memory', '1.5Gi'), 1.5 * 2 ** 30);
  });

  it('recommend: --cpu-* and --memory-* flags are refused in the wrong units, naming the flag', () => {
    const bad: Array<[Partial<typeof RECOMMEND_DEFAULTS>, RegExp]> = [
      [{ cpuMin: '1Gi' }, /^--cpu-min: "1Gi" has a memory unit \(Gi\)/],
      [{ cpuMax: '2G' }, /^--cpu-max: "2G" has a memory unit/],
      [{ cpuStep: '5Mi' }, /^--cpu-step: "5Mi" has a memory unit/],
      [{ cpuMin: '100' }, /^--cpu-min: "100" is 100 cores .*did you mean 100m\? For 100 cores write 100000m$/],
      [{ cpuMax: '500' }, /^--cpu-max: "500" is 500 cores .*did you mean 500m\?/],
      [{ memoryMin: '256' }, /^--memory-min: "256" is 256 bytes .*did you mean 256Mi\?/],
      [{ memoryMax: '512m' }, /^--memory-max: "512m" is in thousandths of a byte/],
      [{ memoryStep: '1' }, /^--memory-step: "1" is 1 byte .*did you mean 1Mi\?/],
      [{ memoryStep: '1000000' }, /^--memory-step: "1000000" is 1000000 bytes, 0\.954Mi .*: 977Ki, or 1Mi$/],
    ];
    for (const [opts, message] of bad) {
      assert.throws(() => recommendPolicy({ ...RECOMMEND_DEFAULTS, ...opts }), (e: unknown) => e instanceof UserError && message.test(e.message), JSON.stringify(opts));
    }
    const ok = recommendPolicy({ ...RECOMMEND_DEFAULTS, cpuMin: '25m', memoryMin: '250Mi', memoryMax: '4294967296' });
    assert.equal(ok.cpu.min, 0.025);
    assert.equal(ok.memory.min, 250 * 2 ** 20);
    assert.equal(ok.memory.max, 2 ** 32);
  });

  it('manifests apply --set memory=256: exit 2 naming the --set and the Mi it meant, the file untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-units-'));
    try {
      const file = join(dir, 'web.yaml');
      writeFileSync(file, deploymentWithCpu('web', '100m'));
      for (const [set, message] of [
        ['Deployment/web/web=memory=256', /^mora: .*web\.yaml: --set "Deployment\/web\/web=memory=256": requests\.memory: "256" is 256 bytes .*did you mean 256Mi\?/],
        ['Deployment/web/web=limits.cpu=1Gi', /^mora: .*web\.yaml: --set "Deployment\/web\/web=limits\.cpu=1Gi": limits\.cpu: "1Gi" has a memory unit \(Gi\)/],
        ['Deployment/web/web=cpu=100', /^mora: .*web\.yaml: --set "Deployment\/web\/web=cpu=100": requests\.cpu: "100" is 100 cores .*did you mean 100m\? For 100 cores write 100000m/],
        ['Deployment/web/web=cpu=1e2', /^mora: .*web\.yaml: --set "Deployment\/web\/web=cpu=1e2": requests\.cpu: "1e2" is 100 cores .*did you mean 100m\? For 100 cores write 100000m/],
        ['Deployment/web/web=limits.cpu=0.1E3', /limits\.cpu: "0\.1E3" is 100 cores/],
      ] as const) {
        const r = await mora(['manifests', 'apply', file, '--set', set, '--in-place']);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, message);
      }
      assert.equal(readFileSync(file, 'utf8'), deploymentWithCpu('web', '100m'));
      const ok = await mora(['manifests', 'apply', file, '--set', 'Deployment/web/web=cpu=200m,memory=256Mi']);
      assert.equal(ok.code, 0, ok.err);
      assert.match(ok.out, /memory: 256Mi/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
