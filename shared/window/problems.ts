/** A problem found in a window file, located for `file:line:column  field.path  reason`. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  /** Dotted field path (`phases[2].steps[0].after[1]`), or `(yaml)` for syntax errors. */
  path: string;
  reason: string;
}

/** A problem before it has a position: a path as segments. */
export interface PathProblem {
  path: PathSegment[];
  reason: string;
  /** Point at the key rather than its value (unknown fields). */
  atKey?: boolean;
}

export type PathSegment = string | number;

const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['phases', 2, 'steps', 0, 'at']` → `phases[2].steps[0].at`; odd keys are quoted. */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(window)';
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (SIMPLE_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** The inverse of formatPath. */
export function parsePath(text: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const re = /([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(text)) !== null) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(JSON.parse(match[3]!) as string);
  }
  return segments;
}

export function formatProblem(problem: Problem): string {
  return `${problem.file}:${problem.line}:${problem.column}  ${problem.path}  ${problem.reason}`;
}
