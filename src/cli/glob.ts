import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, parse } from 'node:path';
import { usageError } from '../util/exit.js';

// File patterns the shell left as they were: Windows shells expand none, so `aapi run recipes/*.json5`
// gets the pattern itself. Node 20 has no fs.glob: `*`, `?` and `[...]` within a path segment, as a
// POSIX shell reads them (a leading dot is matched only by a dot), sorted as the shell sorts them.

const WILD = /[*?[]/;

/** A segment's pattern as a regular expression; a `[` with no closing `]` is a plain character. */
function segmentRegex(segment: string, caseless: boolean): RegExp {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i];
    if (ch === '*') out += '[^/\\\\]*';
    else if (ch === '?') out += '[^/\\\\]';
    else if (ch === '[' && segment.indexOf(']', i + 2) > i) {
      const end = segment.indexOf(']', i + 2);
      let body = segment.slice(i + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      out += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, caseless ? 'i' : '');
}

const isDir = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

function expand(pattern: string, caseless: boolean): string[] {
  const root = isAbsolute(pattern) ? parse(pattern).root : '';
  const segments = pattern.slice(root.length).split(/[\\/]+/).filter((s) => s !== '');
  let paths = [root];
  for (const [n, segment] of segments.entries()) {
    const last = n === segments.length - 1;
    const next: string[] = [];
    for (const base of paths) {
      if (!WILD.test(segment)) {
        const path = base ? join(base, segment) : segment;
        if (last ? existsSync(path) : isDir(path)) next.push(path);
        continue;
      }
      const re = segmentRegex(segment, caseless);
      let names: string[];
      try {
        names = readdirSync(base || '.');
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        if (name.startsWith('.') && !segment.startsWith('.')) continue;
        const path = base ? join(base, name) : name;
        if (re.test(name) && (last || isDir(path))) next.push(path);
      }
    }
    paths = next;
  }
  return paths;
}

/** Each argument as it is when it names a file or holds no wildcard; else the files it matches (none: exit 2). */
export function expandFiles(args: string[], caseless = process.platform === 'win32'): string[] {
  return args.flatMap((arg) => {
    if (!WILD.test(arg) || existsSync(arg)) return [arg];
    const found = expand(arg, caseless);
    if (!found.length) throw usageError(`no file matches ${arg}`);
    return found;
  });
}
