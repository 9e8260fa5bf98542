// The one door of every authenticated HTTP route: the API key resolves to a tenant, the route's
// path parameters are read, then the request is counted against the key's rate (PROTOCOL.md §3).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, type ApiKeyPrincipal, type ApiKeyStore } from '../auth.js';
import { IngressError, retryAfterSeconds } from '../errors.js';
import { RateLimitedError, type RateLimiter } from '../limits/rate-limiter.js';

/** One HTTP request on its way to a route. */
export interface RouteRequest {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  requestId: string;
  /** The `{id}` of a route with one, percent-encoded as sent. */
  pathParameter?: string;
}

/** A request whose API key was resolved: who sent it. */
export interface AuthenticatedRequest extends RouteRequest {
  principal: ApiKeyPrincipal;
}

/** A request that passed the guard: who sent it, and its parameters as the route's policy read them. */
export interface GuardedRequest<Parameters = undefined> extends AuthenticatedRequest {
  parameters: Parameters;
}

export interface RoutePolicy<Parameters = undefined> {
  /** Counted against the key's requests per minute (its own rate, else RATE_LIMIT_PER_MINUTE). */
  counted: boolean;
  /**
   * Reads what the path names (a document, a conversation) once the caller is known and before
   * the request is counted: a malformed path is a 400 that costs the key no request.
   */
  parameters?: (request: AuthenticatedRequest) => Parameters | Promise<Parameters>;
}

export type RouteHandler = (route: RouteRequest) => Promise<void>;

export interface RouteGuardOptions {
  auth: ApiKeyStore;
  /** None = unlimited. */
  rateLimiter?: RateLimiter | undefined;
}

/** Wraps a route's work in authentication and its rate limit. */
export type RouteGuard = <Parameters = undefined>(
  policy: RoutePolicy<Parameters>,
  handler: (route: GuardedRequest<Parameters>) => Promise<void> | void,
) => RouteHandler;

/**
 * Counts one request; when refused, sets `Retry-After` (whole seconds, at least 1) before
 * throwing, so the server's usual error answer becomes a proper 429.
 */
const admit = async (limiter: RateLimiter | undefined, principal: ApiKeyPrincipal, response: ServerResponse): Promise<void> => {
  try {
    await limiter?.admit(principal, 'http');
  } catch (error) {
    if (error instanceof RateLimitedError && !response.headersSent) response.setHeader('retry-after', retryAfterSeconds(error.retryAfterMs));
    throw error;
  }
};

export const createRouteGuard = ({ auth, rateLimiter }: RouteGuardOptions): RouteGuard => (policy, handler) => async (route) => {
  const principal = await authenticate(auth, route.request.headers.authorization);
  const parameters = policy.parameters ? await policy.parameters({ ...route, principal }) : undefined;
  if (policy.counted) await admit(rateLimiter, principal, route.response);
  // Without a `parameters` reader the route's Parameters is `undefined`.
  await handler({ ...route, principal, parameters: parameters as never });
};

/** The route's `{id}` decoded; a 400 naming `what` when it is not valid percent-encoding. */
export const decodedPathParameter = ({ pathParameter = '' }: RouteRequest, what: string): string => {
  try {
    return decodeURIComponent(pathParameter);
  } catch {
    throw new IngressError('invalid_request', `The ${what} id in the path is not valid percent-encoding.`);
  }
};
