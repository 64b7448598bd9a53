import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { demoManifests } from '../../src/data/demo';
import { unifiedDiff } from '../../src/cli/format/diff';
import { forTerminalPatch, forTerminalText } from '../../src/cli/format/terminal';
import { mora } from './helpers/run-cli';

/** The demo manifests with CRLF line endings and a tab before a comment on a line the recommendation changes. */
function crlfWithTab(): string {
  const tabbed = demoManifests().replace(/^( {12}cpu: \S+)$/m, '$1\t# sized by hand');
  assert.match(tabbed, /\t# sized by hand/);
  return tabbed.replace(/\n/g, '\r\n');
}

describe('recommend --apply-to --dry-run: the diff on stderr is the bytes the write would write (a patch that applies)', function () {
  this.timeout(60000);

  it('keeps tabs and CRLF line endings verbatim: the same diff as of the file written in place', async () => {
    const original = crlfWithTab();
    const dry = join(tempDir('mora-dry-patch-'), 'shop.yaml');
    const written = join(tempDir('mora-dry-patch-'), 'shop.yaml');
    writeFileSync(dry, original);
    writeFileSync(written, original);
    const args = ['recommend', '--source', 'demo', '-f', 'json', '-q', '--default-namespace', 'shop'];
    const r = await mora([...args, '--apply-to', dry, '--dry-run']);
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(dry, 'utf8'), original, 'the dry run wrote nothing');
    const w = await mora([...args, '--apply-to', written]);
    assert.equal(w.code, 0, w.err);
    const after = readFileSync(written, 'utf8');
    assert.notEqual(after, original);
    assert.match(after, /\t# sized by hand\r\n/, 'the write keeps the tab and CRLF');
    // With -q stderr is just the diffs (`2> changes.patch`): exactly the diff of what the write wrote.
    assert.equal(r.err, unifiedDiff(dry, original, after));
    assert.doesNotMatch(r.err, /\\[tr]/, 'no literal \\t or \\r in place of the bytes');
  });

  it('still shows ESC and the other controls a hostile file holds as escapes, not to the terminal', async () => {
    const dir = tempDir('mora-dry-patch-');
    mkdirSync(join(dir, 'k8s'));
    const file = join(dir, 'k8s', 'shop.yaml');
    const hostile = demoManifests().replace(/^( {12}cpu: \S+)$/m, '$1 # \x1b]0;owned\x07\x1b[2J\rcleared \u202eevil');
    writeFileSync(file, hostile);
    const r = await mora(['recommend', '--source', 'demo', '-f', 'json', '-q', '--default-namespace', 'shop', '--apply-to', file, '--dry-run']);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.err.includes('# \\x1b]0;owned\\x07\\x1b[2J\\rcleared \\u202eevil'), r.err);
    // eslint-disable-next-line no-control-regex -- checking that none reached the output
    assert.doesNotMatch(r.err, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it('forTerminalPatch passes tab, CRLF and LF through and escapes a lone CR; forTerminalText is unchanged for other text', () => {
    assert.equal(forTerminalPatch('+a:\t1 # x\r\n-b\n'), '+a:\t1 # x\r\n-b\n');
    assert.equal(forTerminalPatch('+a\rhidden\r\n'), '+a\\rhidden\r\n');
    assert.equal(forTerminalPatch('\x1b[31mred\x00'), '\\x1b[31mred\\x00');
    assert.equal(forTerminalText('a\tb\r\nc\x1b'), 'a\\tb\\r\nc\\x1b');
  });
});
