/** Routes by method and path: an unknown path is a 404, a known path with another method a 405. */
import { MethodNotAllowedError, NotFoundError } from '../errors';

export type Method = 'GET' | 'POST';

const SLASH = 47;

export interface Route<Handler> {
  readonly method: Method;
  readonly path: string;
  readonly handler: Handler;
}

export class Router<Handler> {
  private readonly byPath = new Map<string, Map<string, Route<Handler>>>();

  constructor(routes: readonly Route<Handler>[]) {
    for (const route of routes) {
      const methods = this.byPath.get(route.path) ?? new Map<string, Route<Handler>>();
      methods.set(route.method, route);
      this.byPath.set(route.path, methods);
    }
  }

  /** The route for a request; throws NotFoundError / MethodNotAllowedError. */
  resolve(method: string, path: string): Route<Handler> {
    // API Gateway and proxies may add a trailing slash; the contract's paths have none.
    // A loop, not /\/+$/: that regex backtracks quadratically on a long run of slashes.
    let end = path.length;
    while (end > 1 && path.charCodeAt(end - 1) === SLASH) end--;
    const normalized = path.slice(0, end);
    const methods = this.byPath.get(normalized);
    if (methods === undefined)
      throw new NotFoundError('ROUTE_NOT_FOUND', 'There is no endpoint at this path.');
    const route = methods.get(method.toUpperCase());
    if (route === undefined) throw new MethodNotAllowedError([...methods.keys()]);
    return route;
  }
}
