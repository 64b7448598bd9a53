// The editor commands' small decisions (src/views/editor-choices.ts), in plain Node: Use the Demo Data writes one
// settings scope, the forecast view's Apply asks which manifest when several hold the workload, and a refused manifest
// edit says why in words.
import * as assert from 'node:assert/strict';
import { effectiveScope, manifestChoice, refusedEditMessage } from '../../src/views/editor-choices';

describe('editor choices', () => {
  it('Use the Demo Data writes only the scope the effective value comes from', () => {
    // The reviewer's case: cluster in both the workspace and the user settings — the workspace only, other windows keep theirs.
    assert.equal(effectiveScope({ workspaceValue: 'cluster', globalValue: 'cluster' }), 'workspace');
    assert.equal(effectiveScope({ workspaceFolderValue: 'cluster', workspaceValue: 'demo', globalValue: 'cluster' }), 'workspaceFolder');
    assert.equal(effectiveScope({ globalValue: 'cluster' }), 'global');
    assert.equal(effectiveScope({}), 'global');
    assert.equal(effectiveScope(undefined), 'global');
  });

  it('one manifest with the workload is written without asking; several are asked about, each file named', () => {
    assert.equal(manifestChoice([]), undefined);
    const a = { path: 'k8s/a.yaml', changes: 2 };
    const b = { path: 'other/b.yaml', changes: 1 };
    assert.deepEqual(manifestChoice([a]), { only: a });
    assert.deepEqual(manifestChoice([a, b]), { ask: [
      { label: 'k8s/a.yaml', description: '2 changes', candidate: a },
      { label: 'other/b.yaml', description: '1 change', candidate: b },
    ] });
  });

  it('a refused edit says the document changed or another edit is in progress, and to try again — "read-only" only when it is', () => {
    const raced = refusedEditMessage('k8s/a.yaml', { readOnly: false, changedMeanwhile: true });
    assert.equal(raced, 'VS Code refused the edit to k8s/a.yaml: k8s/a.yaml changed while the edit was being made. Nothing was written; try again.');
    const other = refusedEditMessage('k8s/a.yaml', { readOnly: false, changedMeanwhile: false });
    assert.match(other, /changed, or another edit to it was in progress .* try again\.$/);
    for (const m of [raced, other]) assert.doesNotMatch(m, /read-only/);
    assert.equal(refusedEditMessage('k8s/a.yaml', { readOnly: true, changedMeanwhile: false }), 'VS Code refused the edit to k8s/a.yaml: it is read-only.');
  });
});
