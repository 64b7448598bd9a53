// The in-cluster Job's exit codes for Kubernetes API failures: deploy/base/cronjob.yaml's podFailurePolicy fails an index
// at once on exit 2 and retries anything else, so a transient answer (5xx, 429) must not exit 2.
import * as assert from 'node:assert/strict';
import { KubeError, kubeError } from '../../src/data/kube/errors';
import { main } from '../../src/cli/main';
import { COMMANDS } from '../../src/cli/commands';
import { statusWriteFailure } from '../../src/cli/commands/recommend-in-cluster';

const listVpas = { verb: 'list', resource: 'verticalpodautoscalers', group: 'autoscaling.k8s.io', namespace: 'shop' } as const;

describe('Kubernetes API errors: transient answers are retryable', () => {
  for (const status of [429, 500, 502, 503, 504]) {
    it(`${status} is transient (kind unreachable, exit 3), with the status in the message`, () => {
      const e = kubeError({ code: status, body: { kind: 'Status', message: 'etcdserver: request timed out' } }, listVpas);
      assert.equal(e.kind, 'unreachable');
      assert.equal(e.status, status);
      assert.match(e.message, new RegExp(`answered ${status} to list verticalpodautoscalers.autoscaling.k8s.io in namespace "shop" \\(transient`));
    });
  }

  it('400 and 501 stay non-transient', () => {
    assert.equal(kubeError({ code: 400 }, listVpas).kind, 'other');
    assert.equal(kubeError({ code: 501 }, listVpas).kind, 'other');
  });

  it('main(): a 503 thrown mid-run exits 3 (retried), an RBAC denial exits 2 (FailIndex)', async () => {
    const err = (e: KubeError) => (program: import('commander').Command) => {
      program.command('boom-test').action(() => { throw e; });
    };
    const cmds = COMMANDS as Array<(program: import('commander').Command) => void>;
    const saved = [...cmds];
    const write = process.stderr.write.bind(process.stderr);
    const lines: string[] = [];
    (process.stderr as unknown as { write: (s: string) => boolean }).write = (s: string) => { lines.push(s); return true; };
    try {
      cmds.push(err(kubeError({ code: 503 }, listVpas)));
      assert.equal(await main(['boom-test']), 3);
      cmds.pop();
      cmds.push(err(kubeError({ code: 403, body: { message: 'User "x" cannot list resource "verticalpodautoscalers"' } }, listVpas)));
      assert.equal(await main(['boom-test']), 2);
    } finally {
      cmds.length = 0;
      cmds.push(...saved);
      (process.stderr as unknown as { write: typeof write }).write = write;
    }
    assert.match(lines.join(''), /answered 503 .*transient/);
  });

  it('a VPA status write: 404 (deleted during the run) is skipped, 403 RBAC exits 2, transient 3, conflict 1', () => {
    const patch = { verb: 'patch', resource: 'verticalpodautoscalers/status', group: 'autoscaling.k8s.io', namespace: 'shop', name: 'api' } as const;
    assert.deepEqual(statusWriteFailure(kubeError({ code: 404 }, patch)), { outcome: 'gone' });
    const denied = kubeError({ code: 403, body: { message: 'User "x" cannot patch resource "verticalpodautoscalers/status"' } }, patch);
    assert.match(denied.message, /verb "patch" on resource "verticalpodautoscalers\/status"/);
    assert.deepEqual(statusWriteFailure(denied), { outcome: 'failed', exitCode: 2 });
    assert.deepEqual(statusWriteFailure(kubeError({ code: 503 }, patch)), { outcome: 'failed', exitCode: 3 });
    assert.deepEqual(statusWriteFailure(kubeError({ code: 409 }, patch)), { outcome: 'failed', exitCode: 1 });
  });
});
