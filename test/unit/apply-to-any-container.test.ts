import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { demoManifests } from '../../src/data/demo';
import { scanManifest } from '../../src/manifests';
import { mora } from './helpers/run-cli';

/** The demo's redis-cart StatefulSet, with `extra` (a list of containers) written into its pod spec before `containers:`. */
function redisCart(extra: string): string {
  const all = demoManifests();
  const start = all.indexOf('kind: StatefulSet\nmetadata:\n  name: redis-cart');
  const doc = all.slice(start, all.indexOf('\n---', start) + 1);
  const withExtra = doc.replace(/^( {4}spec:\n)( {6}containers:\n)/m, `$1${extra}$2`);
  assert.notEqual(withExtra, doc, 'the fixture put its extra container before containers:');
  return `apiVersion: apps/v1\n${withExtra}`;
}

/** `server`'s cpu request in `text`. */
const serverCpu = (text: string) => scanManifest(text).containers.find((c) => c.container === 'server')?.requests.cpu?.value;

describe('recommend --apply-to: a workload matches through any of its containers, not only the first written', function () {
  this.timeout(60000);

  for (const [what, extra] of [
    ['an initContainer written before containers:', '      initContainers:\n      - name: init-perms\n        image: busybox\n        resources:\n          requests:\n            cpu: 10m\n'],
    ['a sidecar listed before the recommended container', '      containers:\n      - name: exporter\n        image: exporter:1\n'],
  ] as const) {
    it(`writes redis-cart's server when ${what} has no recommendation`, async () => {
      const dir = tempDir('mora-apply-any-');
      const file = join(dir, 'redis.yaml');
      // A sidecar first: the fixture's own `containers:` gets the server entry appended, one list.
      const text = what.startsWith('a sidecar') ? redisCart(extra).replace(/(image: exporter:1\n) {6}containers:\n/, '$1') : redisCart(extra);
      const sorted = scanManifest(text).containers.map((c) => c.container);
      assert.equal(sorted.length, 2);
      assert.notEqual(sorted[0], 'server', 'the recommended container is not the first one scanned');
      writeFileSync(file, text);
      const before = serverCpu(text);
      const r = await mora(['recommend', '--source', 'demo', '-f', 'json', '-q', '--apply-to', file]);
      assert.equal(r.code, 0, r.err);
      const after = readFileSync(file, 'utf8');
      assert.notEqual(serverCpu(after), before, 'the server container got its recommendation');
      // The other container is left as written.
      const other = sorted[0];
      const untouched = (t: string) => JSON.stringify(scanManifest(t).containers.find((c) => c.container === other));
      assert.equal(untouched(after), untouched(text));
    });
  }
});
