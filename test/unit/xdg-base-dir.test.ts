// XDG base directories: a relative $XDG_STATE_HOME / $XDG_CACHE_HOME is ignored (the XDG spec), so neither the
// --apply-cluster undo records nor the LSTM cache land in the folder the command runs in (a GitOps checkout, say).
import * as assert from 'node:assert/strict';
import { basename, dirname, join } from 'node:path';
import { undoRecordPath } from '../../src/cli/commands/apply-to-cluster';
import { xdgBaseDir } from '../../src/core/xdg';

describe('XDG base directories (one helper for the undo records and the LSTM cache)', () => {
  const home = join('/', 'home', 'someone');
  const now = new Date('2026-11-30T07:00:00.123Z');

  it('undoRecordPath: a relative XDG_STATE_HOME is ignored (~/.local/state), an absolute one is used', () => {
    for (const relative of ['state', './state', '.']) {
      const file = undoRecordPath({ XDG_STATE_HOME: relative, HOME: home }, now);
      assert.equal(dirname(file), join(home, '.local', 'state', 'mora', 'undo'), relative);
      assert.match(basename(file), new RegExp(`^apply-cluster-20261130T070000\\.123Z-${process.pid}-[0-9a-f]{6}\\.yaml$`), relative);
    }
    assert.equal(dirname(undoRecordPath({ XDG_STATE_HOME: '/var/state', HOME: home }, now)), join('/var/state', 'mora', 'undo'));
    assert.equal(undoRecordPath({ XDG_STATE_HOME: '', HOME: home }, now).startsWith(join(home, '.local', 'state', 'mora')), true);
  });

  it('xdgBaseDir: the same rule for XDG_CACHE_HOME (~/.cache)', () => {
    assert.equal(xdgBaseDir('XDG_CACHE_HOME', { XDG_CACHE_HOME: 'cache' }, home), join(home, '.cache'));
    assert.equal(xdgBaseDir('XDG_CACHE_HOME', { XDG_CACHE_HOME: '/c' }, home), '/c');
    assert.equal(xdgBaseDir('XDG_STATE_HOME', {}, home), join(home, '.local', 'state'));
  });
});
