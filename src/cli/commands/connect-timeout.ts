/**
 * `--connect-timeout <seconds>` of the commands that talk to the Kubernetes API (recommend, health, experiment): how long
 * a context's API server may take to accept a connection (TCP + TLS handshake) before its calls fail as unreachable.
 * The per-call timeout (30 s) stays long for slow but live calls; this one catches a dead cluster or a down VPN early.
 */
import { connectTimeoutMsFromSeconds, DEFAULT_CONNECT_TIMEOUT_MS } from '../../data/kube/connect-probe';
import { UserError } from '../errors';

export const CONNECT_TIMEOUT_FLAG = '--connect-timeout <seconds>';
export const CONNECT_TIMEOUT_HELP = `Kubernetes API connect timeout (TCP + TLS handshake): an API server that cannot be connected to within it fails then, not after the 30 s call timeout; 0 = off (default ${DEFAULT_CONNECT_TIMEOUT_MS / 1000})`;

/** The flag's value in milliseconds (undefined: the default); a bad value is a UserError (exit 2). */
export function connectTimeoutOption(raw: string | undefined): number | undefined {
  try {
    return connectTimeoutMsFromSeconds(raw, '--connect-timeout');
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}
