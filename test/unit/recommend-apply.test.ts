import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recommendCommand } from '../../src/cli/commands/recommend';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';
import { UserError } from '../../src/cli/errors';
import { demoManifests } from '../../src/data/demo';
import { scanManifest } from '../../src/manifests';

const base = { ...RECOMMEND_DEFAULTS, format: 'json' };

describe('mora recommend --apply-to', function () {
  this.timeout(60000);

  it('writes each recommendation into the matching container of a manifest folder, changing only resource values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-apply-'));
    mkdirSync(join(dir, 'nested'));
    const original = demoManifests();
    writeFileSync(join(dir, 'nested', 'shop.yaml'), original);
    const unrelated = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "1"\n';
    writeFileSync(join(dir, 'config.yml'), unrelated);
    const recs = JSON.parse(await recommendCommand({ ...base, applyTo: dir, defaultNamespace: 'shop' }));
    const after = readFileSync(join(dir, 'nested', 'shop.yaml'), 'utf8');
    assert.equal(readFileSync(join(dir, 'config.yml'), 'utf8'), unrelated);
    const before = original.split('\n');
    const now = after.split('\n');
    assert.equal(now.length, before.length, 'no line added or removed: every container already had requests and limits');
    const changed = before.map((l, i) => [l, now[i]]).filter(([a, b]) => a !== b);
    assert.ok(changed.length > 0);
    for (const [a, b] of changed) {
      assert.match(a, /^ {12}(cpu|memory): \S+$/, `only resource values change: "${a}"`);
      assert.equal(a.replace(/: .*/, ''), b.replace(/: .*/, ''));
    }
    // What the file now says is what MOrA recommended.
    const scanned = scanManifest(after).containers.find((c) => c.name === 'productcatalogservice')!;
    const rec = recs.find((r: { workload: { name: string } }) => r.workload.name === 'productcatalogservice').containers[0];
    assert.equal(scanned.requests.cpu?.value, `${Math.round(rec.cpu.request.value * 1000)}m`);
  });

  it('matches manifests without a namespace through the default namespace only, and fails clearly for a missing path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-apply-'));
    const file = join(dir, 'shop.yaml');
    const noNamespace = demoManifests().replace(/^ {2}namespace: shop\n/gm, '');
    writeFileSync(file, noNamespace);
    await recommendCommand({ ...base, applyTo: file, defaultNamespace: 'default', workload: 'cartservice' });
    assert.equal(readFileSync(file, 'utf8'), noNamespace, 'the demo workloads live in "shop", not "default"');
    await recommendCommand({ ...base, applyTo: file, defaultNamespace: 'shop', workload: 'cartservice' });
    assert.notEqual(readFileSync(file, 'utf8'), noNamespace);
    await assert.rejects(recommendCommand({ ...base, applyTo: join(dir, 'missing') }), (e: unknown) => e instanceof UserError && /no such file/.test((e as Error).message));
  });
});
