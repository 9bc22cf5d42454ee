import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FS } from 'liquidjs';

export const TEMPLATE_EXTENSION = '.liquid';

/**
 * The only file access Liquid gets: `.liquid` files whose real path (symlinks resolved) is inside the templates
 * directory. liquidjs checks containment too; this is the second lock on the same door, so a change in liquidjs'
 * loader cannot open the rest of the disk.
 */
export class TemplatesFs implements FS {
  readonly sep = path.sep;
  private readonly realRoot: string;

  constructor(root: string) {
    this.realRoot = fs.realpathSync(root);
  }

  /** The real path of `file` when it is a `.liquid` file under the root, else undefined. */
  private allowed(file: string): string | undefined {
    try {
      const real = fs.realpathSync(file);
      if (!real.startsWith(this.realRoot + path.sep) || path.extname(real) !== TEMPLATE_EXTENSION)
        return undefined;
      return fs.statSync(real).isFile() ? real : undefined;
    } catch {
      return undefined;
    }
  }

  async exists(file: string): Promise<boolean> {
    return this.allowed(file) !== undefined;
  }

  existsSync(file: string): boolean {
    return this.allowed(file) !== undefined;
  }

  async readFile(file: string): Promise<string> {
    return fs.promises.readFile(this.guard(file), 'utf8');
  }

  readFileSync(file: string): string {
    return fs.readFileSync(this.guard(file), 'utf8');
  }

  resolve(dir: string, file: string, ext: string): string {
    if (!path.extname(file)) file += ext;
    return path.resolve(dir, file);
  }

  async contains(root: string, file: string): Promise<boolean> {
    return this.containsSync(root, file);
  }

  containsSync(root: string, file: string): boolean {
    const real = this.allowed(file);
    if (!real) return false;
    try {
      return real.startsWith(fs.realpathSync(root) + path.sep);
    } catch {
      return false;
    }
  }

  dirname(file: string): string {
    return path.dirname(file);
  }

  private guard(file: string): string {
    const real = this.allowed(file);
    if (!real) throw new Error(`ENOENT: "${path.basename(file)}" is not a template file`);
    return real;
  }
}
