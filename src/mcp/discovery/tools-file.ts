/**
 * `.mcp.tools.json`: the discovered tools of every server, with the server's info, when they were
 * discovered and the fingerprint of the configuration they were discovered with. Writes go to a
 * temporary file that is renamed over the old one, so a reader never sees half a file, and writes
 * from this process are serialised so concurrent refreshes do not drop each other's entries.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { logger as rootLogger, type Logger } from '../../shared/logger';

const toolSchema = z
  .object({
    name: z.string(),
    title: z.string().optional(),
    description: z.string().optional(),
    inputSchema: z.record(z.string(), z.unknown()),
    outputSchema: z.record(z.string(), z.unknown()).optional(),
    annotations: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();
export type DiscoveredTool = z.infer<typeof toolSchema>;

const entrySchema = z.object({
  tools: z.array(toolSchema),
  serverInfo: z.object({ name: z.string(), version: z.string() }).passthrough().optional(),
  discoveredAt: z.string(),
  fingerprint: z.string(),
});
export type ToolsFileEntry = z.infer<typeof entrySchema>;

const fileSchema = z.object({
  version: z.literal(1),
  servers: z.record(z.string(), entrySchema),
});
export type ToolsFile = z.infer<typeof fileSchema>;

export function emptyToolsFile(): ToolsFile {
  return { version: 1, servers: {} };
}

/** Missing or unreadable files read as empty: the cache is rebuilt, never trusted blindly. */
export async function readToolsFile(file: string, logger: Logger = rootLogger): Promise<ToolsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return emptyToolsFile();
  }
  try {
    const parsed = fileSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    logger.warn({ file }, 'ignoring .mcp.tools.json with an unexpected shape; it will be rewritten');
  } catch {
    logger.warn({ file }, 'ignoring malformed .mcp.tools.json; it will be rewritten');
  }
  return emptyToolsFile();
}

const locks = new Map<string, Promise<unknown>>();

/** Read-modify-write under a per-file lock, then an atomic rename. */
export async function updateToolsFile(
  file: string,
  change: (current: ToolsFile) => void,
  logger: Logger = rootLogger,
): Promise<ToolsFile> {
  const key = path.resolve(file);
  const previous = locks.get(key) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(async () => {
      const current = await readToolsFile(key, logger);
      change(current);
      const tmp = `${key}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await writeFile(tmp, `${JSON.stringify(current, null, 2)}\n`, 'utf8');
        await rename(tmp, key);
      } catch (error) {
        await unlink(tmp).catch(() => undefined);
        throw error;
      }
      return current;
    });
  locks.set(key, run);
  try {
    return await run;
  } finally {
    if (locks.get(key) === run) locks.delete(key);
  }
}

export function toDiscoveredTool(tool: DiscoveredTool): DiscoveredTool {
  return {
    name: tool.name,
    ...(tool.title !== undefined ? { title: tool.title } : {}),
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema !== undefined ? { outputSchema: tool.outputSchema } : {}),
    ...(tool.annotations !== undefined ? { annotations: tool.annotations } : {}),
  };
}
