// `mora recommend -w Kind/name` that matches nothing: the first part is the kind (as the selector reads it), not a
// namespace. Before, `-w Deployment/frontnd` said `-w names namespace "Deployment", which does not exist (namespaces: shop)`.
import { strict as assert } from 'node:assert';
import type { DataSource } from '../../src/data/datasource';
import type { Workload } from '../../src/core/workload';
import { nearest, noMatchText } from '../../src/cli/commands/no-match';
import { mora } from './helpers/run-cli';

describe('mora recommend -w Kind/name that matches nothing', () => {
  const run = async (w: string, ...more: string[]) => {
    const r = await mora(['recommend', '--source', 'demo', '-w', w, '-m', 'none', '-q', ...more]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.out, '');
    assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
    return r.err;
  };

  it('a misspelt Deployment: no such Deployment in the namespace, its Deployments, and the nearest name', async () => {
    for (const w of ['Deployment/frontnd', 'deploy/frontnd', 'DEPLOYMENT/frontnd', 'deployments/frontnd']) {
      const err = await run(w);
      assert.match(err, new RegExp(`^mora: no workloads matched named "${w}": no Deployment "frontnd" in namespace shop \\(Deployments: adservice, cartservice, .*frontend.*; did you mean frontend\\?\\)\\n$`), w);
      assert.doesNotMatch(err, /names namespace/);
    }
    assert.match(await run('shop/deploy/frontnd'), /: no Deployment "frontnd" in namespace shop \(Deployments: .*; did you mean frontend\?\)$/m);
    // Nothing near: the list alone.
    assert.match(await run('deploy/zzzzzz'), /: no Deployment "zzzzzz" in namespace shop \(Deployments: [^;]*\)$/m);
  });

  it('a workload of another kind: says which kind it is and how to select it', async () => {
    for (const w of ['deployment/redis-cart', 'Deployment/redis-cart', 'shop/deploy/redis-cart']) {
      assert.match(await run(w), /: redis-cart is a StatefulSet, not a Deployment \(in namespace shop; -w shop\/StatefulSet\/redis-cart selects it\)$/m, w);
    }
    assert.match(await run('sts/frontend'), /: frontend is a Deployment, not a StatefulSet \(in namespace shop; -w shop\/Deployment\/frontend selects it\)$/m);
    assert.match(await run('ds/frontend'), /: frontend is a Deployment, not a DaemonSet/);
    assert.match(await run('ds/nothing'), /: no DaemonSet "nothing" in namespace shop \(no DaemonSet there\)$/m);
  });

  it('a namespace first still reads as a namespace: a missing one is named, with the namespaces there', async () => {
    assert.match(await run('shp/frontend'), /-w names namespace "shp", which does not exist \(namespaces: shop\)$/m);
    assert.match(await run('shp/Deployment/frontend'), /-w names namespace "shp", which does not exist \(namespaces: shop\)$/m);
    assert.match(await run('shop/nope'), /namespace "shop" exists; -w shop\/nope matched no workload in it$/m);
  });

  it('several namespaces and contexts: "in any namespace" without one, a -n narrows it', async () => {
    const w = (context: string, namespace: string, kind: Workload['kind'], name: string): Workload => ({ context, namespace, kind, name, replicas: 1, containers: [] });
    const all: Workload[] = [w('a', 'shop', 'Deployment', 'frontend'), w('a', 'shop', 'StatefulSet', 'db'), w('b', 'ops', 'Deployment', 'grafana')];
    const source = {
      contexts: async () => ['a', 'b'],
      namespaces: async (c: string) => [...new Set(all.filter((x) => x.context === c).map((x) => x.namespace))],
      workloads: async (c: string, n: string) => all.filter((x) => x.context === c && x.namespace === n),
    } as unknown as DataSource;
    assert.equal(await noMatchText(source, { workload: 'deploy/grafna' }),
      'no workloads matched named "deploy/grafna": no Deployment "grafna" in any namespace (Deployments: frontend, grafana; did you mean grafana?)');
    assert.equal(await noMatchText(source, { namespace: 'shop', workload: 'deploy/grafna' }),
      'no workloads matched in namespace "shop" named "deploy/grafna": no Deployment "grafna" in namespace shop (Deployments: frontend)');
    assert.equal(await noMatchText(source, { workload: 'deploy/db' }),
      'no workloads matched named "deploy/db": db is a StatefulSet, not a Deployment (in any namespace; -w shop/StatefulSet/db selects it)');
    // A source that fails while asked again: the plain sentence.
    const failing = { ...source, workloads: async () => { throw new Error('gone'); } } as unknown as DataSource;
    assert.equal(await noMatchText(failing, { workload: 'deploy/db' }), 'no workloads matched named "deploy/db"');
  });

  it('nearest: one name within a third of its length in edits, none on a tie or when far', () => {
    assert.equal(nearest('frontnd', ['adservice', 'frontend']), 'frontend');
    assert.equal(nearest('FrontEnd', ['frontend']), 'frontend');
    assert.equal(nearest('ab', ['ac', 'ad']), undefined);
    assert.equal(nearest('cart', ['checkoutservice']), undefined);
  });
});
