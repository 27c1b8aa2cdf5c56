/** What `withInjectedWriteFailures` fails: writes to paths `failOn` matches, with error `code`. */
export interface WriteFailure {
  failOn: RegExp | undefined;
  code: string;
}

/**
 * `node:fs/promises` with a full disk injected, for `vi.mock` factories: a file handle opened on a
 * path that `failure.failOn` matches writes half its bytes and then fails with `failure.code`, and
 * `appendFile` on such a path fails at once, both as Linux reports them (from write(2), no path on
 * the error). Everything else is the real file system. (A tmpfs of 1 MB gives the same failure; it
 * needs root.)
 *
 * @param actual - the real module (`importOriginal()`)
 * @param failure - read at each call, so a test can change it between steps
 * @returns the module to mock `node:fs/promises` with
 */
export function withInjectedWriteFailures<T extends typeof import('node:fs/promises')>(
  actual: T,
  failure: WriteFailure,
): T {
  const errno = (): NodeJS.ErrnoException =>
    Object.assign(new Error(`${failure.code}: injected failure, write`), {
      code: failure.code,
      errno: -28,
      syscall: 'write',
    });
  const fails = (path: unknown): boolean => failure.failOn?.test(String(path)) ?? false;
  const open: T['open'] = async (path, flags, mode) => {
    const handle = await actual.open(path, flags, mode);
    if (fails(path)) {
      const writeFile = handle.writeFile.bind(handle);
      Object.defineProperty(handle, 'writeFile', {
        value: async (data: Uint8Array) => {
          await writeFile(data.subarray(0, data.length >> 1));
          throw errno();
        },
      });
    }
    return handle;
  };
  const appendFile: T['appendFile'] = async (path, data, options) => {
    if (fails(path)) throw errno();
    return actual.appendFile(path, data, options);
  };
  return { ...actual, open, appendFile, default: { ...actual, open, appendFile } };
}
