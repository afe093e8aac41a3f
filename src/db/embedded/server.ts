/**
 * The embedded MongoDB-compatible server: a TCP listener on 127.0.0.1 that frames wire-protocol
 * messages and runs each command synchronously against in-memory storage.
 */
import net from 'node:net';
import { runCommand } from './commands/dispatch';
import { helloReply } from './commands/admin';
import { Storage } from './storage';
import { expireDocuments } from './ttl';
import type { Doc } from './values';
import { encodeMsg, encodeReply, MORE_TO_COME, OP_MSG, OP_QUERY, parseMessage } from './wire';

export interface EmbeddedServerOptions {
  port?: number;
  /** How often the TTL monitor runs (mongod: 60 s). */
  ttlIntervalMs?: number;
}

export interface EmbeddedServer {
  readonly port: number;
  readonly storage: Storage;
  /** Runs one TTL pass now (the monitor also runs on its own interval). */
  expireNow(): number;
  stop(): Promise<void>;
}

const MAX_MESSAGE = 48 * 1024 * 1024;

export async function startEmbeddedServer(options: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
  const storage = new Storage();
  const sockets = new Set<net.Socket>();
  let nextConnectionId = 1;
  let nextRequestId = 1;

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const connectionId = nextConnectionId++;
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const replies: Buffer[] = [];
      while (pending.length >= 4) {
        const length = pending.readInt32LE(0);
        if (length < 16 || length > MAX_MESSAGE) {
          socket.destroy();
          return;
        }
        if (pending.length < length) break;
        const message = pending.subarray(0, length);
        pending = pending.subarray(length);
        const reply = handle(message, connectionId);
        if (reply) replies.push(reply);
      }
      if (replies.length)
        socket.write(replies.length === 1 ? (replies[0] as Buffer) : Buffer.concat(replies));
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });

  function handle(message: Buffer, connectionId: number): Buffer | undefined {
    let request;
    try {
      request = parseMessage(message);
    } catch (err) {
      const errmsg = `malformed message: ${err instanceof Error ? err.message : String(err)}`;
      return encodeMsg(
        { ok: 0, errmsg, code: 9, codeName: 'FailedToParse' },
        nextRequestId++,
        message.readInt32LE(4),
      );
    }
    if (request.opCode === OP_QUERY) {
      const db = (request.fullCollectionName ?? 'admin.$cmd').split('.')[0] as string;
      const name = Object.keys(request.command)[0] ?? '';
      const reply = ['isMaster', 'ismaster', 'hello'].includes(name)
        ? helloReply({ connectionId }, name !== 'hello')
        : runCommand(storage, db, stripMeta(request.command), connectionId);
      return encodeReply(reply, nextRequestId++, request.requestId);
    }
    if (request.opCode !== OP_MSG) {
      const errmsg = `opcode ${request.opCode} is not supported by the embedded MongoDB-compatible server; set MONGODB_URI to use a real MongoDB`;
      return encodeMsg(
        { ok: 0, errmsg, code: 115, codeName: 'CommandNotSupported' },
        nextRequestId++,
        request.requestId,
      );
    }
    const db = typeof request.command.$db === 'string' ? request.command.$db : 'admin';
    const reply = runCommand(storage, db, stripMeta(request.command), connectionId);
    if (request.flags & MORE_TO_COME) return undefined;
    return encodeMsg(reply, nextRequestId++, request.requestId);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  const ttl = setInterval(() => expireDocuments(storage), options.ttlIntervalMs ?? 1000);
  ttl.unref();

  return {
    port: address.port,
    storage,
    expireNow: () => expireDocuments(storage),
    async stop() {
      clearInterval(ttl);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const metaFields = [
  '$db',
  'lsid',
  '$clusterTime',
  '$readPreference',
  'readConcern',
  'writeConcern',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
  'comment',
  'maxTimeMS',
  '$audit',
  'bypassDocumentValidation',
  'hint',
  'allowDiskUse',
  'noCursorTimeout',
  'mayBypassWriteConcern',
];

function stripMeta(cmd: Doc): Doc {
  for (const f of metaFields) delete cmd[f];
  return cmd;
}
