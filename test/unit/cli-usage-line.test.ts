/**
 * A usage error is one line on stderr (README § Exit codes: "2 … one line on stderr says what"), with commander's
 * suggestion and where the help is, and exit 2 with stdout empty: not the whole --help on stderr.
 */
import { strict as assert } from 'node:assert';
import { mora } from './helpers/run-cli';

describe('mora usage errors: one line', () => {
  it('a misspelt flag names it, suggests the flag and the command\'s --help', async () => {
    const r = await mora(['recommend', '--namespac', 'x']);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.equal(r.err, "mora: unknown option '--namespac' (did you mean --namespace?); see mora recommend --help\n");
  });

  it('a nested subcommand names its own path; without a suggestion the line has none', async () => {
    const r = await mora(['manifests', 'scan', '--qqq']);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.equal(r.err, "mora: unknown option '--qqq'; see mora manifests scan --help\n");
  });

  it('a misspelt command and a missing option value are one line too', async () => {
    const c = await mora(['recomend']);
    assert.equal(c.code, 2);
    assert.equal(c.err, "mora: unknown command 'recomend' (did you mean recommend?); see mora --help\n");
    const m = await mora(['forecast', '-i', 'x.csv', '-m']);
    assert.equal(m.code, 2);
    assert.equal(m.err.split('\n').length, 2, m.err);
    assert.match(m.err, /^mora: option '-m, --model <names>' argument missing; see mora forecast --help\n$/);
  });
});
