// Kubernetes API failures at the start of a watch run: which ones end the run at once (retrying cannot fix them while
// nothing has worked yet) and how each reads as one line the user can act on.
import { UserError } from '../errors.js';
import { KubeError } from './http.js';

/** A failure to reach or use the API at start-up, thrown as one line the user can act on (other errors as they are). */
export function startupError(err: unknown, server: string): never {
  if (err instanceof KubeError) throw startupUserError(err, server);
  throw err;
}

/** The API failure as one line: unreachable (with the server) or what the API said, with its hint. */
export function startupUserError(err: KubeError, server: string): UserError {
  if (err.status === 0) return new UserError(`cannot reach the Kubernetes API at ${server}: ${err.message}`, '--context NAME, or check kubectl cluster-info');
  return new UserError(err.message, err.hint ?? '--context NAME, or check your access with kubectl auth can-i');
}

/** The target pods cannot be listed at start-up: unreachable as above, else what the API said about the pods. */
export function podListError(err: KubeError, server: string): UserError {
  return err.status === 0 ? startupUserError(err, server) : new UserError(`cannot list the target pods: ${err.message}`, err.hint ?? undefined);
}

/**
 * Errors that will not go away by retrying when nothing has worked yet: credentials, permissions, a host that does
 * not resolve, TLS that does not verify, nothing listening. Later in a run the same errors are retried (a cluster
 * that flaps, a token that gets refreshed).
 */
export function fatalAtStart(err: KubeError): boolean {
  return neverRetry(err) || err.status === 401 || err.status === 403 ||
    (err.status === 0 && /^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL|Timeout)/.test(err.reason));
}

/** A request the API server rejects as malformed (a label or field selector it cannot parse): the same every time. */
export function neverRetry(err: KubeError): boolean {
  return err.status === 400;
}
