import type { RouteHandler, Router } from './types';

/** A matched route: its handler and the captured parameters. */
export interface RouteMatch {
  handler: RouteHandler;
  params: Record<string, string>;
  pattern: string;
}

interface CompiledRoute {
  method: string;
  pattern: string;
  segments: string[];
  /** Trailing `*`: the rest of the path is captured as params['*']. */
  rest: boolean;
  /** Literal segments count: more specific routes win over catch-alls. */
  score: number;
  order: number;
  handler: RouteHandler;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Path router for one listener. Literal segments match case-insensitively (ARM treats
 * `resourceGroups` and `resourcegroups` alike), `:name` captures one segment, a trailing `*`
 * captures the rest, and method `*` matches any method. The most specific match wins.
 */
export class PathRouter implements Router {
  private readonly routes: CompiledRoute[] = [];

  /** Registers `handler` for `method` (or `*`) and `pattern`. */
  route(method: string, pattern: string, handler: RouteHandler): void {
    const segments = splitPath(pattern);
    const rest = segments[segments.length - 1] === '*';
    if (rest) segments.pop();
    const score = segments.filter((s) => !s.startsWith(':')).length * 2 + segments.length + (rest ? 0 : 1) + (method === '*' ? 0 : 1);
    this.routes.push({ method: method.toUpperCase(), pattern, segments, rest, score, order: this.routes.length, handler });
  }

  /** Finds the best route for `method` and `path` (no query string), or undefined. */
  match(method: string, path: string): RouteMatch | undefined {
    const parts = splitPath(path);
    let best: { route: CompiledRoute; params: Record<string, string> } | undefined;
    for (const route of this.routes) {
      if (route.method !== '*' && route.method !== method.toUpperCase()) continue;
      const params = matchSegments(route, parts);
      if (!params) continue;
      if (!best || route.score > best.route.score || (route.score === best.route.score && route.order < best.route.order)) {
        best = { route, params };
      }
    }
    return best && { handler: best.route.handler, params: best.params, pattern: best.route.pattern };
  }

  /** Registered patterns, for diagnostics. */
  patterns(): string[] {
    return this.routes.map((r) => `${r.method} ${r.pattern}`);
  }
}

function matchSegments(route: CompiledRoute, parts: string[]): Record<string, string> | undefined {
  if (route.rest ? parts.length < route.segments.length : parts.length !== route.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const seg = route.segments[i] as string;
    const part = parts[i] as string;
    if (seg.startsWith(':')) {
      params[seg.slice(1)] = safeDecode(part);
    } else if (seg.toLowerCase() !== safeDecode(part).toLowerCase()) {
      return undefined;
    }
  }
  if (route.rest) params['*'] = parts.slice(route.segments.length).map(safeDecode).join('/');
  return params;
}
