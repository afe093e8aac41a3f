/**
 * The mongodb-memory-server tier. It is used only when a mongod binary can be had quickly:
 * MONGOMS_SYSTEM_BINARY, a cached download, or a download host that answers within a few
 * seconds. It never waits on a download that cannot succeed.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';

export interface MemoryServerHandle {
  uri: string;
  stop(): Promise<void>;
}

export interface BinaryProbe {
  /** Why the tier is (un)available, for the start-up log. */
  reason: string;
  available: boolean;
}

const DOWNLOAD_HOST = 'fastdl.mongodb.org';

/** Resolves whether `host:443` accepts a TCP connection within `timeoutMs`. */
export function canReach(host: string, timeoutMs: number, port = 443): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function probeMongodBinary(
  timeoutMs = 3000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BinaryProbe> {
  const system = env.MONGOMS_SYSTEM_BINARY;
  if (system) {
    return existsSync(system)
      ? { available: true, reason: `MONGOMS_SYSTEM_BINARY=${system}` }
      : { available: false, reason: `MONGOMS_SYSTEM_BINARY points at a missing file (${system})` };
  }
  try {
    const { DryMongoBinary } = await import('mongodb-memory-server');
    const options = await DryMongoBinary.generateOptions();
    const cached = await DryMongoBinary.locateBinary(options);
    if (cached) return { available: true, reason: `cached mongod at ${cached}` };
  } catch {
    // Not installed or cannot resolve a platform: fall through to the download probe.
  }
  if (env.MONGOMS_RUNTIME_DOWNLOAD === 'false' || env.MONGOMS_RUNTIME_DOWNLOAD === '0') {
    return { available: false, reason: 'no cached mongod and MONGOMS_RUNTIME_DOWNLOAD is off' };
  }
  const host = env.MONGOMS_DOWNLOAD_MIRROR ? new URL(env.MONGOMS_DOWNLOAD_MIRROR).hostname : DOWNLOAD_HOST;
  const reachable = await canReach(host, timeoutMs);
  return reachable
    ? { available: true, reason: `mongod downloadable from ${host}` }
    : {
        available: false,
        reason: `no mongod binary: none cached and ${host} unreachable within ${timeoutMs} ms`,
      };
}

export async function startMemoryServer(dbName: string): Promise<MemoryServerHandle> {
  const { MongoMemoryServer } = await import('mongodb-memory-server');
  const server = await MongoMemoryServer.create({ instance: { dbName } });
  return {
    uri: server.getUri(dbName),
    async stop() {
      await server.stop({ doCleanup: true, force: true });
    },
  };
}
