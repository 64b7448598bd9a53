/**
 * Where the Kubernetes credentials come from, the way kubectl (client-go's clientcmd) finds them:
 *   1. an explicit kubeconfig (--kubeconfig / the mora.kubeconfig setting): must exist;
 *   2. $KUBECONFIG: a list of files (':' on Linux/macOS, ';' on Windows), merged — for each cluster, user and context
 *      name the first file that defines it wins, and so does the first current-context; files that do not exist are
 *      skipped, as kubectl skips them;
 *   3. ~/.kube/config;
 *   4. in a pod: KUBERNETES_SERVICE_HOST/PORT and the service account's token and CA
 *      (/var/run/secrets/kubernetes.io/serviceaccount), the token re-read as kubelet rotates it.
 * Nothing found is its own answer (`kind: 'none'`, with what was looked for) — never client-node's placeholder context
 * "loaded-context" pointing at http://localhost:8080.
 *
 * Finding is plain fs (no client-node): the extension can tell "no kubeconfig" without loading the Kubernetes client.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { CLI_KUBECONFIG_HINT, KubeError, kubeconfigError, type KubeconfigHint } from './errors';
import type { ClientNode } from './load';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The context name MOrA gives the in-cluster credentials. */
export const IN_CLUSTER_CONTEXT = 'in-cluster';

export interface KubeconfigLookup {
  /** --kubeconfig / mora.kubeconfig: one file or a list in KUBECONFIG's syntax; `~` is the home folder. */
  explicit?: string;
  /** Environment to read KUBECONFIG and KUBERNETES_SERVICE_HOST/PORT from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Home folder for ~/.kube/config. Default $HOME, else os.homedir(). */
  home?: string;
  /** The service account folder of a pod. Default /var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountDir?: string;
}

export type KubeconfigSource =
  | { kind: 'files'; files: string[]; from: 'explicit' | 'KUBECONFIG' | 'home' }
  | { kind: 'in-cluster'; server: string; dir: string }
  | { kind: 'none'; looked: string[] };

function homeOf(o: KubeconfigLookup): string {
  const env = o.env ?? process.env;
  return o.home ?? env.HOME ?? os.homedir();
}

/** `~/x` → `<home>/x`, for paths people type into settings. */
export function expandHome(file: string, home: string): string {
  return file === '~' ? home : file.startsWith('~/') || file.startsWith('~\\') ? path.join(home, file.slice(2)) : file;
}

/** A KUBECONFIG-style list: split on the platform's delimiter, empty entries and duplicates dropped, order kept. */
export function kubeconfigList(value: string, home: string): string[] {
  const out: string[] = [];
  for (const raw of value.split(path.delimiter)) {
    const f = raw.trim();
    if (!f) continue;
    const full = expandHome(f, home);
    if (!out.includes(full)) out.push(full);
  }
  return out;
}

function exists(file: string): boolean {
  try {
    fs.statSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Which kubeconfig MOrA would use, and from where; or, when there is none, everything it looked at. */
export function findKubeconfig(o: KubeconfigLookup = {}): KubeconfigSource {
  const env = o.env ?? process.env;
  const home = homeOf(o);
  if (o.explicit?.trim()) return { kind: 'files', files: kubeconfigList(o.explicit, home), from: 'explicit' };
  const looked: string[] = [];
  if (env.KUBECONFIG?.trim()) {
    const listed = kubeconfigList(env.KUBECONFIG, home);
    const present = listed.filter(exists);
    if (present.length) return { kind: 'files', files: present, from: 'KUBECONFIG' };
    looked.push(`KUBECONFIG names ${listed.join(path.delimiter)}, which does not exist`);
  } else {
    looked.push('KUBECONFIG is not set');
  }
  const homeConfig = path.join(home, '.kube', 'config');
  // kubectl reads ~/.kube/config only when KUBECONFIG is unset.
  if (!env.KUBECONFIG?.trim()) {
    if (exists(homeConfig)) return { kind: 'files', files: [homeConfig], from: 'home' };
    looked.push(`${homeConfig} does not exist`);
  }
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const dir = o.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (host && port && exists(path.join(dir, 'token'))) {
    return { kind: 'in-cluster', server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, dir };
  }
  looked.push(host ? `no service account token at ${path.join(dir, 'token')} (KUBERNETES_SERVICE_HOST is set)` : 'not running in a pod (KUBERNETES_SERVICE_HOST is not set)');
  return { kind: 'none', looked };
}

/** One line: what was looked for, and what to do; `hint` is the caller's own way out (a flag, a setting). */
export function noKubeconfigMessage(found: { looked: string[] }, hint = CLI_KUBECONFIG_HINT.none): string {
  return `no kubeconfig found: ${found.looked.join('; ')} — log in to your cluster (e.g. gcloud container clusters get-credentials, aws eks update-kubeconfig, az aks get-credentials) or ${hint}`;
}

/**
 * The kubectl command line that reads the same kubeconfig, for hints that tell the user to run one: kubectl reads
 * KUBECONFIG or ~/.kube/config by itself, but a file named by --kubeconfig / mora.kubeconfig only when told (several
 * files, as KUBECONFIG lists them, through the environment: --kubeconfig takes one). `VAR=x cmd` is POSIX shell only: on
 * Windows the environment is set the PowerShell way, and the list is `;`-separated there.
 */
export function kubectlFor(src: KubeconfigSource, platform: NodeJS.Platform = process.platform): string {
  if (src.kind !== 'files' || src.from !== 'explicit') return 'kubectl';
  const windows = platform === 'win32';
  const list = src.files.join(windows ? ';' : ':');
  const arg = /^[\w@%+=:,./~-]+$/.test(list) ? list
    // PowerShell and POSIX shells both take a single-quoted string; only the escape of a quote inside differs.
    : windows ? `'${list.replace(/'/g, "''")}'` : `'${list.replace(/'/g, `'\\''`)}'`;
  if (src.files.length === 1) return `kubectl --kubeconfig ${arg}`;
  return windows ? `$env:KUBECONFIG=${/^'/.test(arg) ? arg : `'${arg}'`}; kubectl` : `KUBECONFIG=${arg} kubectl`;
}

/** Where a source came from, for messages ("the kubeconfig a:b has no contexts"). */
export function describeSource(src: KubeconfigSource): string {
  if (src.kind === 'files') return src.files.join(path.delimiter);
  if (src.kind === 'in-cluster') return `in-cluster service account (${src.dir})`;
  return 'no kubeconfig';
}

interface Named { name: string }

/** Why a file cannot be read, from its fs error code. */
function unreadable(code: string | undefined): string {
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)';
  if (code === 'EISDIR') return 'is a directory, not a file';
  return `cannot be read (${code ?? 'unknown error'})`;
}

/**
 * A file the context's cluster or user names (certificate-authority, client-certificate, client-key) that cannot be
 * read: a bad-config KubeError naming the field, the kubeconfig entry and the file; undefined when each can be read.
 * client-node reads them at the first request, and its bare ENOENT would read as an unreachable API server. Only
 * paths are named, never what a file holds.
 */
export function contextFileProblem(kc: k8s.KubeConfig, context: string): KubeError | undefined {
  const ctx = kc.getContextObject(context);
  if (!ctx) return undefined;
  const cluster = kc.getCluster(ctx.cluster);
  const user = kc.getUser(ctx.user);
  const files: Array<[field: string, entry: string, file: string | undefined]> = [
    ['certificate-authority', `cluster "${ctx.cluster}"`, cluster?.caFile],
    ['client-certificate', `user "${ctx.user}"`, user?.certFile],
    ['client-key', `user "${ctx.user}"`, user?.keyFile],
  ];
  for (const [field, entry, file] of files) {
    if (!file) continue;
    let code: string | undefined;
    try {
      if (fs.statSync(file).isDirectory()) code = 'EISDIR';
      else fs.accessSync(file, fs.constants.R_OK);
    } catch (e) {
      code = (e as { code?: string }).code ?? 'EIO';
    }
    if (code) {
      return new KubeError(`the kubeconfig's ${field} file ${file} (${entry}, context "${context}") ${unreadable(code)} — fix the path in the kubeconfig, or log in again to write fresh credentials`, 'config');
    }
  }
  return undefined;
}

/**
 * Builds the client-node KubeConfig for a found source. Each file is read on its own (relative paths resolve against
 * its folder); an empty file is skipped as kubectl skips it; a file that cannot be read or parsed is a KubeError
 * naming it (its content never quoted: it holds credentials). `hint`: the way out those errors name, in the caller's
 * words (KubeconfigHint; default the CLI's flags).
 */
export function loadKubeconfig(k: ClientNode, src: KubeconfigSource, hint: KubeconfigHint = CLI_KUBECONFIG_HINT): k8s.KubeConfig {
  const kc = new k.KubeConfig();
  if (src.kind === 'none') throw new KubeError(noKubeconfigMessage(src, hint.none), 'no-kubeconfig');
  if (src.kind === 'in-cluster') {
    const nsFile = path.join(src.dir, 'namespace');
    const namespace = exists(nsFile) ? fs.readFileSync(nsFile, 'utf8').trim() || undefined : undefined;
    kc.loadFromOptions({
      clusters: [{ name: IN_CLUSTER_CONTEXT, server: src.server, caFile: path.join(src.dir, 'ca.crt'), skipTLSVerify: false }],
      // client-node's token-file provider re-reads the file (bound service account tokens rotate).
      users: [{ name: IN_CLUSTER_CONTEXT, authProvider: { name: 'tokenFile', config: { tokenFile: path.join(src.dir, 'token') } } }],
      contexts: [{ name: IN_CLUSTER_CONTEXT, cluster: IN_CLUSTER_CONTEXT, user: IN_CLUSTER_CONTEXT, namespace }],
      currentContext: IN_CLUSTER_CONTEXT,
    });
    return kc;
  }
  const clusters: k8s.Cluster[] = [];
  const users: k8s.User[] = [];
  const contexts: k8s.Context[] = [];
  let currentContext = '';
  const addFirst = <T extends Named>(into: T[], items: readonly T[]) => {
    for (const item of items) if (!into.some((x) => x.name === item.name)) into.push(item);
  };
  for (const file of src.files) {
    const one = new k.KubeConfig();
    try {
      if (fs.readFileSync(file, 'utf8').trim() === '') continue;
      one.loadFromFile(file);
    } catch (e) {
      throw kubeconfigError(file, e, hint);
    }
    addFirst(clusters, one.getClusters());
    addFirst(users, one.getUsers());
    addFirst(contexts, one.getContexts());
    currentContext ||= one.getCurrentContext() ?? '';
  }
  kc.loadFromOptions({ clusters, users, contexts, currentContext });
  return kc;
}
