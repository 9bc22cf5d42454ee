import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The repository's `templates/` directory, found from this file rather than the working directory: it is the
 * first ancestor of `src/content/liquid` (ts-jest, ts-node) or `dist/src/content/liquid` (built server) holding
 * both `package.json` and `templates/`.
 */
export function findTemplatesDir(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    const candidate = path.join(dir, 'templates');
    if (fs.existsSync(path.join(dir, 'package.json')) && isDirectory(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No templates/ directory next to a package.json above ${from}`);
    dir = parent;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
