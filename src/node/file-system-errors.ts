import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

/** The error codes of a write the user can fix (free space, permissions, a read-only mount). */
const WRITE_FAILURES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** System calls that create or change files, for the wording "cannot write" (an `open` may be a read). */
const WRITING_CALLS = new Set([
  'write',
  'writev',
  'mkdir',
  'mkdtemp',
  'rename',
  'copyfile',
  'unlink',
  'rmdir',
  'rm',
  'fsync',
  'fdatasync',
  'ftruncate',
  'symlink',
  'link',
  'utime',
  'chmod',
]);

/**
 * Says in a few words why writing `path` failed, from the file-system error's code.
 *
 * @param error - what the file system threw (a `NodeJS.ErrnoException`)
 * @param path - the file that was to be written
 * @returns e.g. `'no space left on device'`, `'permission denied'`, `'the folder out does not exist'`
 * @example describeFsError(error, 'runs/a/checkpoint/weights.bin'); // 'no space left on device'
 */
export function describeFsError(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = code === undefined ? undefined : WRITE_FAILURES[code];
  if (known !== undefined) return known;
  switch (code) {
    case 'ENOENT':
      return existsSync(dirname(path))
        ? `files cannot be created in ${dirname(path)}`
        : `the folder ${dirname(path)} does not exist`;
    case 'ENOTDIR':
      return `a part of the path is a file, not a folder`;
    case 'EISDIR':
      return 'it is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The one line the command line prints for a write the user can fix: no space (ENOSPC), over a quota
 * (EDQUOT), a read-only file system (EROFS) or no permission (EACCES, EPERM), found on `error` or
 * on its chain of causes. Anything else gives `undefined`.
 *
 * @param error - anything thrown
 * @returns e.g. `'cannot write runs/a/metrics.jsonl: no space left on device'`, or undefined
 * @example fileSystemFailure(Object.assign(new Error('x'), { code: 'ENOSPC', syscall: 'write', path: 'a' }));
 */
export function fileSystemFailure(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const { code, path, syscall } = current as NodeJS.ErrnoException;
    const reason = code === undefined ? undefined : WRITE_FAILURES[code];
    if (reason !== undefined) {
      if (path === undefined) return `${reason} (${syscall ?? code})`;
      const writing = code !== 'EACCES' && code !== 'EPERM';
      return writing || WRITING_CALLS.has(syscall ?? '')
        ? `cannot write ${path}: ${reason}`
        : `${path}: ${reason}`;
    }
    current = current.cause;
  }
  return undefined;
}
