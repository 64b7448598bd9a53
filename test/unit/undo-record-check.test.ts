/**
 * `mora recommend --undo <record>` checks the record (there, readable, an undo record) before anything else: a typo in
 * its name is one line, exit 2, not first a demand for --yes and then a raw "ENOENT: no such file or directory, open …".
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkApplyClusterFlags } from '../../src/cli/commands/apply-to-cluster';
import { mora } from './helpers/run-cli';

describe('--undo checks its record first', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'mora-undo-check-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const check = (undo: string, extra: { yes?: boolean; dryRun?: boolean } = {}) => () => checkApplyClusterFlags({ source: 'demo', undo, ...extra }, false);

  it('a missing record is named, with where records are, before --yes is asked for', () => {
    assert.throws(check(join(dir, 'nope.json')), (e: Error) => {
      assert.match(e.message, /^--undo .*nope\.json: no such file \(the record is the file an --apply-cluster named: "previous values recorded in <file>"; by default under \$XDG_STATE_HOME\/mora\/undo or ~\/\.local\/state\/mora\/undo\)$/);
      assert.doesNotMatch(e.message, /ENOENT|--yes/);
      return true;
    });
  });

  it('a folder, a file that is not YAML and YAML that is no record are each refused in words', () => {
    mkdirSync(join(dir, 'folder'));
    assert.throws(check(join(dir, 'folder')), /^UserError: --undo .*folder: is a directory; give the record file an --apply-cluster named$/);
    writeFileSync(join(dir, 'bad.yaml'), 'x: [\n');
    assert.throws(check(join(dir, 'bad.yaml'), { yes: true }), /--undo .*bad\.yaml: not an undo record of mora recommend --apply-cluster \(not YAML: /);
    writeFileSync(join(dir, 'other.json'), '{"kind": "Deployment"}\n');
    assert.throws(check(join(dir, 'other.json')), /--undo .*other\.json: not an undo record of mora recommend --apply-cluster \(kind MoraUndoRecord, version 1\)$/);
  });

  it('a readable record still needs --yes (or --dry-run) when stdin is not a terminal', () => {
    const record = join(dir, 'record.yaml');
    writeFileSync(record, 'kind: MoraUndoRecord\nversion: 1\nworkloads: []\n');
    assert.throws(check(record), /--undo would write to the cluster, and stdin is not a terminal/);
    check(record, { yes: true })();
    check(record, { dryRun: true })();
  });

  it('the CLI: exit 2, one line on stderr, nothing on stdout', async () => {
    const r = await mora(['recommend', '--undo', join(dir, 'nope.json')]);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.equal(r.err.split('\n').length, 2, r.err);
    assert.match(r.err, /^mora: --undo .*nope\.json: no such file /);
  });
});
