/**
 * Aborting a client-node request. MOrA races each Kubernetes call against its own timeouts (the call timeout, the
 * connect probe); giving up on a write must also stop its request, or one not yet sent (a connection still being made)
 * is sent later and lands after MOrA reported the write as not done. client-node's generated APIs take a request
 * middleware, which may set the AbortSignal its fetch uses.
 */
import type * as k8s from '@kubernetes/client-node';
import type { ClientNode } from './load';

/** Request options (merged into `base`, e.g. a Content-Type header's) that hand `signal` to the request's fetch. */
export function abortOptions(k: ClientNode, signal: AbortSignal, base?: k8s.ConfigurationOptions): k8s.ConfigurationOptions {
  const middleware: k8s.ObservableMiddleware = {
    pre: (request) => {
      request.setSignal(signal);
      return new k.Observable(Promise.resolve(request));
    },
    post: (response) => new k.Observable(Promise.resolve(response)),
  };
  return { ...base, middleware: [...(base?.middleware ?? []), middleware], middlewareMergeStrategy: 'append' };
}
