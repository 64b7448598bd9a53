// `--prometheus`' help names every variable MOrA reads for that Prometheus — the token, the basic-auth pair, the files
// a mounted Secret gives (dc1b8de) and the private CA's file (a8cbe9c) — in every command that takes the flag, the
// same words each. Before, recommend's named only MORA_PROMETHEUS_TOKEN, health's and experiment's no file or CA.
import * as assert from 'node:assert/strict';
import { mora } from './helpers/run-cli';

describe('--prometheus <url> help: the credential and CA variables', () => {
  for (const command of ['recommend', 'health', 'experiment']) {
    it(`mora ${command} --help`, async () => {
      const r = await mora([command, '--help']);
      assert.equal(r.code, 0, r.err);
      // The flag's own entry (commander wraps it over lines: joined).
      const help = r.out.replace(/\s+/g, ' ');
      const entry = /--prometheus <url> (.*?) --prometheus-/.exec(help)?.[1] ?? /--prometheus <url> (.*?) --levels/.exec(help)?.[1] ?? '';
      assert.match(entry, /credentials: MORA_PROMETHEUS_TOKEN or MORA_PROMETHEUS_TOKEN_FILE \(bearer\), or MORA_PROMETHEUS_USERNAME with MORA_PROMETHEUS_PASSWORD or MORA_PROMETHEUS_PASSWORD_FILE; a private CA for https:\/\/: MORA_PROMETHEUS_CA_FILE/, help);
    });
  }
});
