import { strict as assert } from 'node:assert';
import { effectiveLevel, overriddenMessage } from '../../src/views/setting-target';

describe('Select Context → Use my cluster writes mora.dataSource where it takes effect', () => {
  it('a workspace value overrides the user one: written in the workspace', () => {
    assert.equal(effectiveLevel({ globalValue: 'cluster', workspaceValue: 'demo' }), 'workspace');
    assert.equal(effectiveLevel({ workspaceValue: 'demo', workspaceFolderValue: 'demo' }), 'workspaceFolder');
    assert.equal(effectiveLevel({ globalValue: 'demo' }), 'global');
    assert.equal(effectiveLevel(undefined), 'global');
  });

  it('says so when the value read back is still not the one written', () => {
    assert.equal(overriddenMessage('mora.dataSource', 'cluster', 'cluster'), undefined);
    assert.match(overriddenMessage('mora.dataSource', 'cluster', 'demo') ?? '', /still "demo".*overrides/);
  });
});
