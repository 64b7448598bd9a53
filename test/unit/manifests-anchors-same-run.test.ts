/**
 * The refusal for an anchor other containers use names, for `mora manifests apply`, the `--set` for each of them that
 * frees the owner "in the same run". Before, that run was refused again with the same words whenever a user read the
 * anchor through a value alias (`cpu: *c`), for instance the reviewer's nested.yaml (`requests: &r {cpu: &c 250m, …}`,
 * `limits: *r`, and `{cpu: *c}` in a second container): the value alias was only replaced by the value edit, after
 * the owner's edit had been checked against it. Now every alias on the path of a value a run sets is copied before
 * any anchor is edited, and the suggested --set names the key where the user's alias sits (its `limits.cpu`, not its
 * own `requests.cpu`), so the suggested run works; checked on generated anchor layouts.
 */
import assert from 'node:assert/strict';
import { editManifest, ManifestEditError, parseChangeSpecs } from '../../src/manifests';
import { effectiveResources as effective, type Resources } from './helpers/effective-resources';



/** What applying `specs` must leave: `before` with each asked value set (`cpu=…` → requests.cpu, `limits.cpu=…`). */
function expected(before: Record<string, Resources>, specs: Array<{ container: string; values: string }>): Record<string, Resources> {
  const out = JSON.parse(JSON.stringify(before)) as Record<string, Resources>;
  for (const { container, values } of specs) {
    for (const kv of values.split(',')) {
      const [key, value] = kv.split('=');
      const [group, r] = key.startsWith('limits.') ? ['limits', key.slice(7)] : ['requests', key];
      const res = (out[container] ??= {}) as Record<string, Record<string, unknown>>;
      (res[group] ??= {})[r] = value;
    }
  }
  return out;
}

const comments = (text: string): string[] => text.match(/# [^\n]*/g) ?? [];

/** The --set specs a refusal suggests for "the same run". */
function suggested(message: string): string[] {
  return [...message.matchAll(/--set (\S+)/g)].map((m) => m[1].replace(/[,)]+$/, ''));
}

const apply = (text: string, specs: string[]): string => editManifest(text, parseChangeSpecs({ set: specs })).text;

/** Runs `specs`; when refused with a suggested --set, runs again with it: that run must work (or, when the refusal also asks
 * for a hand edit, refuse without suggesting a --set again). Either result is checked as Kubernetes reads it. */
function checkRun(text: string, specs: string[], label: string): 'ok' | 'followed' | 'refused' {
  const target = (spec: string) => {
    const at = spec.indexOf('=');
    return { container: spec.slice(0, at).split('/').pop() as string, values: spec.slice(at + 1) };
  };
  const check = (out: string, all: string[]): void => {
    assert.deepEqual(effective(out), expected(effective(text), all.map(target)), `${label}: ${all.join(' ')}\n${out}`);
    for (const c of comments(text)) assert.ok(out.includes(c), `${label}: comment ${c} kept\n${out}`);
  };
  let message: string;
  try {
    check(apply(text, specs), specs);
    return 'ok';
  } catch (e) {
    if (!(e instanceof ManifestEditError)) throw e;
    message = e.message;
  }
  const extra = suggested(message);
  if (extra.length === 0) return 'refused';
  const all = [...specs, ...extra];
  for (const order of [all, [...extra, ...specs]]) {
    try {
      check(apply(text, order), all);
    } catch (e) {
      if (!(e instanceof ManifestEditError)) throw e;
      assert.ok(/by hand where/.test(message), `${label}: ${specs.join(' ')} refused with\n  ${message}\nthen ${order.join(' ')} refused with\n  ${e.message}\n${text}`);
      assert.deepEqual(suggested(e.message), [], `${label}: suggested again\n  ${e.message}`);
    }
  }
  return 'followed';
}

const NESTED = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: a
        resources:
          requests: &r {cpu: &c 250m, memory: 1Gi}   # shared
          limits: *r
      - name: b
        resources:
          requests: {cpu: *c}   # b reads a's cpu
`;

describe('manifests: the --set a shared-anchor refusal suggests works in the same run', () => {
  it("the reviewer's nested.yaml: the suggested run (either order) writes a's values, b keeps 250m, comments kept", () => {
    assert.throws(() => apply(NESTED, ['Deployment/web/a=cpu=200m']),
      /anchor &c, which line 15 also uses \(\*c\).*in the same run: --set Deployment\/web\/b=cpu=250m, values it reads now/);
    const want = NESTED.replace('{cpu: &c 250m, memory: 1Gi}', '{cpu: &c 200m, memory: 1Gi}')
      .replace('limits: *r', 'limits: {cpu: 250m, memory: 1Gi}').replace('{cpu: *c}', '{cpu: 250m}');
    for (const specs of [['Deployment/web/a=cpu=200m', 'Deployment/web/b=cpu=250m'], ['Deployment/web/b=cpu=250m', 'Deployment/web/a=cpu=200m']]) {
      const out = apply(NESTED, specs);
      assert.equal(out, want);
      assert.deepEqual(effective(out), {
        a: { requests: { cpu: '200m', memory: '1Gi' }, limits: { cpu: '250m', memory: '1Gi' } },
        b: { requests: { cpu: '250m' } },
      });
    }
    // a's limits too, and b given another amount in the same run
    assert.deepEqual(effective(apply(NESTED, ['Deployment/web/a=cpu=200m,limits.cpu=400m', 'Deployment/web/b=cpu=300m'])), {
      a: { requests: { cpu: '200m', memory: '1Gi' }, limits: { cpu: '400m', memory: '1Gi' } },
      b: { requests: { cpu: '300m' } },
    });
  });

  it('names the key where the user reads the anchor (its limits.cpu), not the key asked of the owner', () => {
    const text = NESTED.replace('requests: {cpu: *c}   # b reads a\'s cpu', 'requests: {cpu: 100m}\n          limits: {cpu: *c}');
    assert.throws(() => apply(text, ['Deployment/web/a=cpu=200m']), /--set Deployment\/web\/b=limits\.cpu=250m, values it reads now/);
    assert.equal(checkRun(text, ['Deployment/web/a=cpu=200m'], 'limits'), 'followed');
  });

  it('one refusal names every anchor the run writes into (requests and limits, two owners), with every --set it needs', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: a
        resources:
          requests: &r {cpu: 250m, memory: 1Gi}
          limits: &l {cpu: 500m, memory: 2Gi}
      - name: b
        resources: {requests: *r}
      - name: c
        resources:
          requests: {cpu: &c 100m}
          limits:
            <<: *l
      - name: d
        resources: {requests: {cpu: *c}}
`;
    const specs = ['Deployment/web/a=cpu=200m,limits.cpu=3000m', 'Deployment/web/c=cpu=50m'];
    assert.throws(() => apply(text, specs), (e: unknown) => {
      assert.ok(e instanceof ManifestEditError);
      assert.deepEqual(suggested(e.message), ['Deployment/web/b=cpu=250m', 'Deployment/web/c=limits.cpu=500m', 'Deployment/web/d=cpu=100m'], e.message);
      assert.match(e.message, /anchors &r, which line 14 also uses \(\*r\), and &l, which line 19 also uses \(\*l\);.*; and Deployment\/web container "c": its resources sit in the YAML anchor &c/);
      return true;
    });
    assert.equal(checkRun(text, specs, 'two owners'), 'followed');
  });

  it('an alias outside resources (an env value) is left for a hand edit, with no --set that cannot free it', () => {
    const text = NESTED.replace('requests: {cpu: *c}   # b reads a\'s cpu', 'requests: {cpu: 100m}\n        env: [{name: CPU, value: *c}]');
    assert.throws(() => apply(text, ['Deployment/web/a=cpu=200m']), (e: unknown) => {
      assert.ok(e instanceof ManifestEditError);
      assert.deepEqual(suggested(e.message), [], e.message);
      assert.match(e.message, /write it out by hand where line 16 uses it, or write this container/);
      return true;
    });
  });

  // Generated layouts: an owner container `a` with anchors on its resources, groups, values or itself (block, flow,
  // nested, merge keys), one or two other containers using them (aliases and merges at each level), in one Deployment
  // or, for `c`, in a StatefulSet of the same `kind: List`. Every target and change is run; a refusal's suggestion is followed.
  type Kind = 'resources' | 'group' | 'cpu' | 'memory' | 'container';
  const OWNERS: Array<{ name: string; text: string; anchors: Record<string, Kind> }> = [
    { name: 'resources anchor', anchors: { res: 'resources' }, text: `- name: a
  resources: &res
    requests:
      cpu: 250m   # a requests cpu
      memory: 1Gi
    limits:
      cpu: 500m
      memory: 2Gi
` },
    { name: 'group anchors', anchors: { r: 'group', l: 'group' }, text: `- name: a
  resources:
    requests: &r {cpu: 250m, memory: 1Gi}   # a requests
    limits: &l
      cpu: 500m
      memory: 2Gi
` },
    { name: 'scalar anchors', anchors: { c: 'cpu', m: 'memory', lc: 'cpu' }, text: `- name: a
  resources:
    requests:
      cpu: &c 250m   # a cpu
      memory: &m 1Gi
    limits: {cpu: &lc 500m, memory: 2Gi}
` },
    { name: 'nested flow', anchors: { r: 'group', c: 'cpu', m: 'memory' }, text: `- name: a
  resources:
    requests: &r {cpu: &c 250m, memory: &m 1Gi}   # nested
    limits: *r
` },
    { name: 'nested block with a merge', anchors: { res: 'resources', r: 'group', c: 'cpu' }, text: `- name: a
  resources: &res
    requests: &r
      cpu: &c 250m   # deep
      memory: 1Gi
    limits:
      <<: *r
      memory: 2Gi
` },
    { name: 'container anchor', anchors: { ca: 'container', c: 'cpu' }, text: `- &ca
  name: a
  resources: {requests: {cpu: &c 250m, memory: 1Gi}, limits: {cpu: 500m, memory: 2Gi}}
` },
  ];
  const USERS: Record<Kind, Array<(n: string, x: string) => string>> = {
    resources: [
      (n, x) => `- name: ${n}\n  resources: *${x}\n`,
      (n, x) => `- name: ${n}\n  resources: {<<: *${x}}\n`,
      (n, x) => `- name: ${n}\n  resources:\n    <<: *${x}\n    limits: {cpu: 900m, memory: 3Gi}   # ${n} own limits\n`,
    ],
    group: [
      (n, x) => `- name: ${n}\n  resources: {requests: *${x}}\n`,
      (n, x) => `- name: ${n}\n  resources:\n    limits: *${x}   # ${n} limits\n`,
      (n, x) => `- name: ${n}\n  resources:\n    requests:\n      <<: *${x}\n      memory: 3Gi\n`,
      (n, x) => `- name: ${n}\n  resources: {requests: {<<: *${x}, cpu: 100m}}\n`,
    ],
    cpu: [
      (n, x) => `- name: ${n}\n  resources: {requests: {cpu: *${x}}}\n`,
      (n, x) => `- name: ${n}\n  resources:\n    limits:\n      cpu: *${x}   # ${n} cpu\n      memory: 4Gi\n`,
      (n, x) => `- name: ${n}\n  resources: {requests: {cpu: 100m}, limits: {cpu: *${x}}}\n`,
      (n, x) => `- name: ${n}\n  env: [{name: CPU, value: *${x}}]\n  resources: {requests: {cpu: 100m}}\n`,
    ],
    memory: [
      (n, x) => `- name: ${n}\n  resources: {requests: {memory: *${x}}}\n`,
      (n, x) => `- name: ${n}\n  resources: {requests: {cpu: 100m}, limits: {memory: *${x}}}\n`,
    ],
    container: [
      (n, x) => `- <<: *${x}\n  name: ${n}\n`,
      (n, x) => `- <<: *${x}\n  name: ${n}\n  resources: {requests: {cpu: 100m}}\n`,
    ],
  };
  const indent = (s: string, by: number): string => s.split('\n').map((l) => (l ? ' '.repeat(by) + l : l)).join('\n');
  const deployment = (containers: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n${indent(containers, 6)}`;
  /** c in another workload of a List: aliases reach across a List's items. */
  const list = (ab: string, c: string) => `apiVersion: v1\nkind: List\nitems:\n${indent(deployment(ab), 2).replace(/^ {2}/, '- ')}`
    + `- apiVersion: apps/v1\n  kind: StatefulSet\n  metadata: {name: db, namespace: x}\n  spec:\n    template:\n      spec:\n        containers:\n${indent(c, 8)}`;

  /** A small deterministic generator (mulberry32), so a failure names a layout that reproduces. */
  const rng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const CHANGES = ['cpu=200m', 'memory=512Mi', 'limits.cpu=3000m,limits.memory=8Gi'];

  for (const owner of OWNERS) {
    it(`on generated layouts (${owner.name}), a refusal that suggests a --set: running with it works`, function () {
      this.timeout(120_000); // about 200 edits; a loaded machine is slow, none of it waits
      const uses = Object.entries(owner.anchors).flatMap(([x, kind]) => USERS[kind].map((u, i) => ({ x, u, label: `*${x} #${i}` })));
      const layouts: Array<{ label: string; text: string; targets: string[] }> = uses.map((one) => ({
        label: `${owner.name}, b ${one.label}`, text: deployment(owner.text + one.u('b', one.x)), targets: ['Deployment/web/a', 'Deployment/web/b'],
      }));
      const pick = rng(owner.name.length * 7919);
      for (let i = 0; i < 4; i++) {
        const b = uses[Math.floor(pick() * uses.length)];
        const c = uses[Math.floor(pick() * uses.length)];
        const inList = i % 2 === 1;
        layouts.push({
          label: `${owner.name}, b ${b.label}, c ${c.label}${inList ? ' (in a List)' : ''}`,
          text: inList ? list(owner.text + b.u('b', b.x), c.u('c', c.x)) : deployment(owner.text + b.u('b', b.x) + c.u('c', c.x)),
          targets: ['Deployment/web/a', 'Deployment/web/b', inList ? 'x/StatefulSet/db/c' : 'Deployment/web/c'],
        });
      }
      const seen = { ok: 0, followed: 0, refused: 0 };
      for (const layout of layouts) {
        for (const target of layout.targets) for (const change of CHANGES) seen[checkRun(layout.text, [`${target}=${change}`], layout.label)]++;
      }
      // The layouts do exercise the suggestion (a test of nothing would pass too).
      assert.ok(seen.followed >= 3 && seen.ok >= 10, JSON.stringify(seen));
    });
  }
});
