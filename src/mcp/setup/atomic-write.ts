/**
 * Atomic file replacement for the files the setup tools own (`.mcp.json`, `.env`, `.gitignore`).
 * The content goes to a temp file beside the target, is flushed, then renamed over it, so a reader
 * (or a crash) sees either the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';

export interface AtomicWriteOptions {
  /** File mode for the result. Defaults to the existing file's mode, else 0644 (less the umask). */
  mode?: number;
}

export async function writeFileAtomic(
  file: string,
  content: string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const mode = options.mode ?? (await existingMode(file));
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(temp, 'wx', mode ?? 0o644);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    // open() applies the umask; an explicit mode (0600 for secrets) must hold exactly.
    if (mode !== undefined) await fs.chmod(temp, mode);
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw fileError('write', file, error);
  }
}

/** Reads a text file, or returns undefined when it does not exist. Other failures are AppErrors. */
export async function readFileIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError('read', file, error);
  }
}

/** Puts a file back the way it was: old content, or no file at all. Used to undo a failed step. */
export async function restoreFile(file: string, previous: string | undefined, mode?: number): Promise<void> {
  if (previous === undefined) await fs.rm(file, { force: true });
  else await writeFileAtomic(file, previous, { mode });
}

async function existingMode(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).mode & 0o777;
  } catch {
    return undefined;
  }
}

export function fileError(action: 'read' | 'write', file: string, error: unknown): AppError {
  const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  const denied = code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
  const next = denied
    ? 'Check the permissions of the file and its folder, or point --config at a writable path.'
    : 'Check that the path exists and is a regular file.';
  return new AppError(
    denied ? 'FORBIDDEN' : 'INTERNAL_SERVER_ERROR',
    `Cannot ${action} ${file} (${code}). ${next}`,
    {
      details: { file, errno: code },
      cause: error,
    },
  );
}
