// The upstream VerticalPodAutoscaler CRDs (scripts/install-vpa-crd.sh caches them from the Go module, never copied into
// the repo), installed on a test control plane and waited for until the API group is served.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ControlPlane } from './control-plane';
import { until } from './wait';

type Json = Record<string, unknown>;
const INSTALL = path.join(__dirname, '..', '..', 'scripts', 'install-vpa-crd.sh');
export const VPA_API = '/apis/autoscaling.k8s.io/v1';

/** The cached CRD file, fetched by the install script when missing (needs Go and the module proxy the first time). */
export function vpaCrdFile(): string {
  const file = execFileSync('bash', [INSTALL, '--print-file'], { encoding: 'utf8' }).trim();
  if (!fs.existsSync(file)) execFileSync('bash', [INSTALL], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  if (!fs.existsSync(file)) throw new Error(`the VPA CRD is not cached at ${file}: run bash scripts/install-vpa-crd.sh`);
  return file;
}

/** Creates the CRDs of `file` and waits until each is Established and the VPA API serves verticalpodautoscalers/status. */
export async function installVpaCrds(cp: ControlPlane, file: string): Promise<void> {
  const crds = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as Json).filter((d) => d?.kind === 'CustomResourceDefinition');
  assert.ok(crds.some((c) => (c.metadata as Json).name === 'verticalpodautoscalers.autoscaling.k8s.io'), `${file} defines verticalpodautoscalers`);
  for (const crd of crds) await cp.create(crd);
  const established = (c: Json) => (((c.status as Json)?.conditions ?? []) as Json[]).some((x) => x.type === 'Established' && x.status === 'True');
  for (const crd of crds) {
    const name = String((crd.metadata as Json).name);
    const got = await until(() => cp.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, name), established, 30_000);
    assert.ok(established(got), `CRD ${name} established`);
  }
  const served = await until(() => cp.raw('GET', VPA_API), (r) => r.status === 200 && JSON.stringify(r.body).includes('"verticalpodautoscalers/status"'), 30_000);
  assert.equal(served.status, 200, `${VPA_API} served: ${JSON.stringify(served.body)}`);
}
