/**
 * The exit codes are one table (README § Exit codes, src/cli/errors.ts) and every subcommand's --help ends with them,
 * 4 (partial) included, so a CI script's author finds them where they look.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main';
import { EXIT_PARTIAL } from '../../src/cli/errors';
import { mora } from './helpers/run-cli';

/** Every subcommand's path, parents (`manifests`, `experiment`) and their subcommands. */
function leaves(c: Command, path: string[] = []): string[][] {
  return c.commands.flatMap((s) => [[...path, s.name()], ...leaves(s, [...path, s.name()])]);
}

describe('mora exit codes', () => {
  it('every subcommand\'s --help ends with the exit codes, 4 (partial) among them', async () => {
    const all = leaves(buildProgram());
    assert.ok(all.length >= 8, all.join(' '));
    for (const path of all) {
      const r = await mora([...path, '--help']);
      assert.equal(r.code, 0, path.join(' '));
      assert.match(r.out, /Exit codes: 0 ok · 1 unexpected failure · 2 bad input or usage · 3 a data source unreachable · 4 partial \(results printed, some inputs skipped or failed[^)]*\) · 130 interrupted\. stdout is empty unless the exit code is 0 or 4/, path.join(' '));
    }
  });

  it('README has one exit-code table with 0, 1, 2, 3, 4 and 130', () => {
    assert.equal(EXIT_PARTIAL, 4);
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Exit codes'));
    for (const code of ['0', '1', '2', '3', '4', '130']) assert.match(section, new RegExp(`^\\| \`${code}\` \\|`, 'm'), code);
  });
});
