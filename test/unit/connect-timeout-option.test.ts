// --connect-timeout <seconds> (recommend, health, experiment) and mora.kubernetes.connectTimeoutSeconds: how long a
// Kubernetes API server may take to accept a connection before its calls fail as unreachable (connect-probe.ts).
// Bad values are one clear line (CLI: exit 2; the setting: a warning and the default); a given value reaches the client.
import * as assert from 'node:assert/strict';
import { healthCommand } from '../../src/cli/commands/health';
import { connectTimeoutMsFromSeconds } from '../../src/data/kube/connect-probe';
import { connectTimeoutFromSetting } from '../../src/extension/connect-timeout-setting';
import { writeKubeconfig } from './helpers/kubeconfig';
import { mora } from './helpers/run-cli';
import { silentTcpServerPerSuite } from './helpers/silent-tcp-server';
import { inTempDir } from './helpers/temp-dir';

describe('Kubernetes API connect timeout: --connect-timeout and mora.kubernetes.connectTimeoutSeconds', () => {
  it('seconds → milliseconds; unset → the default; 0 = off; negative, NaN or text → a RangeError naming the option', () => {
    assert.equal(connectTimeoutMsFromSeconds('2.5', '--connect-timeout'), 2500);
    assert.equal(connectTimeoutMsFromSeconds(' 10 ', '--connect-timeout'), 10_000);
    assert.equal(connectTimeoutMsFromSeconds('0', '--connect-timeout'), 0);
    assert.equal(connectTimeoutMsFromSeconds(undefined, '--connect-timeout'), undefined);
    assert.equal(connectTimeoutMsFromSeconds('', '--connect-timeout'), undefined);
    for (const bad of ['-1', 'abc', 'NaN', '5s', 'Infinity', '1e3']) {
      assert.throws(() => connectTimeoutMsFromSeconds(bad, '--connect-timeout'),
        (e: Error) => e instanceof RangeError && e.message === `--connect-timeout must be a number of seconds ≥ 0 (e.g. 5; 0 turns the connect check off), got "${bad}"`);
    }
    assert.throws(() => connectTimeoutMsFromSeconds(Number.NaN, 'x'), RangeError);
    assert.throws(() => connectTimeoutMsFromSeconds(-0.5, 'x'), RangeError);
  });

  for (const bad of ['-1', 'soon']) {
    it(`mora recommend / mora health --connect-timeout ${bad}: exit 2 with the option named`, async () => {
      for (const args of [['recommend', '--source', 'demo', '--connect-timeout', bad], ['health', '--connect-timeout', bad]]) {
        const r = await mora(args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
        assert.match(r.err, new RegExp(`--connect-timeout must be a number of seconds ≥ 0 \\(e\\.g\\. 5; 0 turns the connect check off\\), got "${bad}"`));
      }
    });
  }

  it('mora --help of recommend and health lists --connect-timeout', async () => {
    for (const cmd of ['recommend', 'health']) {
      const r = await mora([cmd, '--help']);
      assert.match(r.out, /--connect-timeout <seconds>\s+Kubernetes API connect timeout/);
    }
  });

  it('the setting: a number of seconds in ms, unset → default; a bad value warns once and falls back to the default', () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    assert.equal(connectTimeoutFromSetting(3, warn), 3000);
    assert.equal(connectTimeoutFromSetting(0, warn), 0);
    assert.equal(connectTimeoutFromSetting(undefined, warn), undefined);
    assert.deepEqual(warnings, []);
    assert.equal(connectTimeoutFromSetting(-2, warn), undefined);
    assert.equal(connectTimeoutFromSetting('fast', warn), undefined);
    assert.deepEqual(warnings, [
      'mora.kubernetes.connectTimeoutSeconds must be a number of seconds ≥ 0 (e.g. 5; 0 turns the connect check off), got "-2" — using the default, 5 s',
      'mora.kubernetes.connectTimeoutSeconds must be a number of seconds ≥ 0 (e.g. 5; 0 turns the connect check off), got "fast" — using the default, 5 s',
    ]);
  });

  describe('a given value reaches the Kubernetes client', () => {
    const silent = silentTcpServerPerSuite();

    it('mora health --connect-timeout 0.4 on a context whose API server never completes TLS: the Kubernetes check fails "within 0.4 s"', async function () {
      // The overall --timeout far above the bound below: only the connect timeout ends the check in time; a loaded machine
      // (two suites at once) took 9 s for the whole command, mostly loading the Kubernetes client.
      this.timeout(90_000);
      await inTempDir(async (dir) => {
        const file = writeKubeconfig(dir, { context: 'old-vpn', server: `https://127.0.0.1:${silent.port}`, token: 'not-in-any-message' });
        const t0 = Date.now();
        const { text } = await healthCommand({ kubeconfig: file, prometheus: 'http://127.0.0.1:1', connectTimeout: '0.4', timeout: '60', format: 'json' });
        const checks = (JSON.parse(text) as { checks: Array<{ name: string; ok: boolean; message: string }> }).checks;
        const kube = checks.find((c) => c.name === 'kubernetes');
        assert.ok(kube && !kube.ok, text);
        assert.match(kube.message, new RegExp(`cannot connect to https://127\\.0\\.0\\.1:${silent.port} \\(context "old-vpn"\\) within 0\\.4 s`));
        assert.ok(Date.now() - t0 < 30_000, `took ${Date.now() - t0} ms`);
      });
    });
  });
});
