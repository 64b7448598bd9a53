/**
 * `mora help <command>`: the command's help (stdout, exit 0), as `mora <command> --help`; an unknown name is the same
 * one-line usage error as `mora <name>` (stderr, exit 2, stdout empty), not the whole help of mora; so is
 * `mora <name> --help`.
 */
import { strict as assert } from 'node:assert';
import { mora } from './helpers/run-cli';

describe('mora help <command>', () => {
  it('an unknown command is one line on stderr, exit 2, as mora <name> says it', async () => {
    const r = await mora(['help', 'foo']);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.equal(r.err, "mora: unknown command 'foo'; see mora --help\n");
    assert.equal(r.err, (await mora(['foo'])).err);
    const typo = await mora(['help', 'recomend']);
    assert.equal(typo.code, 2);
    assert.equal(typo.err, "mora: unknown command 'recomend' (did you mean recommend?); see mora --help\n");
  });

  it('mora <unknown> --help is the usage error mora <unknown> gives (stderr, exit 2, stdout empty), not the whole help', async () => {
    for (const [args, err] of [
      [['foo', '--help'], "mora: unknown command 'foo'; see mora --help\n"],
      [['foo', '-h'], "mora: unknown command 'foo'; see mora --help\n"],
      [['recomend', '--help'], "mora: unknown command 'recomend' (did you mean recommend?); see mora --help\n"],
      [['manifests', 'foo', '--help'], "mora: unknown command 'foo'; see mora manifests --help\n"],
      [['manifests', 'scna', '-h'], "mora: unknown command 'scna' (did you mean scan?); see mora manifests --help\n"],
      // experiment has an action of its own: a name that is none of its subcommands is unknown too, with or without --help.
      [['experiment', 'rn', '--help'], "mora: unknown command 'rn' (did you mean run?); see mora experiment --help\n"],
      // An option the command does not have, before the name: the error of the same line without --help.
      [['-q', 'foo', '-h'], "mora: unknown option '-q'; see mora --help\n"],
      [['--offline', 'recommend', '--help'], "mora: unknown option '--offline'; see mora --help\n"],
    ] as const) {
      const r = await mora([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}`);
      assert.equal(r.out, '', args.join(' '));
      assert.equal(r.err, err, args.join(' '));
      const bare = await mora(args.filter((a) => a !== '-h' && a !== '--help'));
      assert.deepEqual(bare, r, `${args.join(' ')}: as without --help`);
    }
    // Known names, and mora --help itself, still print the help, exit 0.
    for (const args of [['--help'], ['recommend', '--help'], ['manifests', 'scan', '-h'], ['experiment', '--help'], ['experiment', 'run', '--help'], ['manifests', 'help', 'scan']]) {
      const r = await mora(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
      assert.equal(r.err, '', args.join(' '));
      assert.match(r.out, /^Usage: mora /, args.join(' '));
    }
  });

  it('a known command prints its help on stdout, exit 0, as <command> --help; a nested path reaches the subcommand', async () => {
    const r = await mora(['help', 'recommend']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.match(r.out, /^Usage: mora recommend /);
    assert.equal(r.out, (await mora(['recommend', '--help'])).out);
    const scan = await mora(['help', 'manifests', 'scan']);
    assert.equal(scan.code, 0, scan.err);
    assert.equal(scan.out, (await mora(['manifests', 'scan', '--help'])).out);
    const all = await mora(['help']);
    assert.equal(all.code, 0, all.err);
    assert.equal(all.out, (await mora(['--help'])).out);
  });

  it('an unknown subcommand names the parent\'s --help, after mora help and after mora <parent> help', async () => {
    const viaHelp = await mora(['help', 'manifests', 'foo']);
    assert.equal(viaHelp.code, 2);
    assert.equal(viaHelp.out, '');
    assert.equal(viaHelp.err, "mora: unknown command 'foo'; see mora manifests --help\n");
    const nested = await mora(['manifests', 'help', 'foo']);
    assert.equal(nested.code, 2);
    assert.equal(nested.out, '');
    assert.equal(nested.err, viaHelp.err);
    const run = await mora(['experiment', 'help', 'run']);
    assert.equal(run.code, 0, run.err);
    assert.equal(run.out, (await mora(['experiment', 'run', '--help'])).out);
  });
});
