/**
 * The embedded server's wire protocol on a raw socket: the legacy OP_QUERY handshake, OP_MSG
 * with kind-1 document sequences, moreToCome (no reply), refused legacy opcodes and
 * malformed messages, with the connection staying usable.
 */
import net from 'node:net';
import { deserialize, serialize, type Document } from 'bson';
import { type EmbeddedServer, startEmbeddedServer } from '../../src/db/embedded/server';

let server: EmbeddedServer;
let socket: net.Socket;
let requestId = 1;
let received = Buffer.alloc(0);
const waiters: (() => void)[] = [];

beforeAll(async () => {
  server = await startEmbeddedServer();
  socket = net.connect(server.port, '127.0.0.1');
  socket.on('data', (d: Buffer) => {
    received = Buffer.concat([received, d]);
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise((r) => socket.once('connect', r));
});

afterAll(async () => {
  socket.destroy();
  await server.stop();
});

function header(length: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId++, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

function opMsg(body: Document, sequences: [string, Document[]][] = [], flags = 0): Buffer {
  const parts: Buffer[] = [Buffer.alloc(4), Buffer.from([0]), Buffer.from(serialize(body))];
  parts[0]!.writeUInt32LE(flags, 0);
  for (const [id, docs] of sequences) {
    const payload = Buffer.concat([Buffer.from(`${id}\0`), ...docs.map((d) => Buffer.from(serialize(d)))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(payload.length + 4, 0);
    parts.push(Buffer.from([1]), size, payload);
  }
  const rest = Buffer.concat(parts);
  return Buffer.concat([header(16 + rest.length, 2013), rest]);
}

function opQuery(collection: string, query: Document): Buffer {
  const name = Buffer.from(`${collection}\0`);
  const nums = Buffer.alloc(8);
  nums.writeInt32LE(-1, 4);
  const rest = Buffer.concat([Buffer.alloc(4), name, nums, Buffer.from(serialize(query))]);
  return Buffer.concat([header(16 + rest.length, 2004), rest]);
}

async function reply(): Promise<{ opCode: number; doc: Document }> {
  while (received.length < 4 || received.length < received.readInt32LE(0)) {
    await new Promise<void>((r) => waiters.push(r));
  }
  const length = received.readInt32LE(0);
  const msg = received.subarray(0, length);
  received = received.subarray(length);
  const opCode = msg.readInt32LE(12);
  const bodyStart = opCode === 1 ? 36 : 21;
  return { opCode, doc: deserialize(msg.subarray(bodyStart)) };
}

describe('embedded wire protocol', () => {
  it('answers the legacy OP_QUERY handshake with OP_REPLY', async () => {
    socket.write(opQuery('admin.$cmd', { isMaster: 1, client: { driver: { name: 'raw' } } }));
    const r = await reply();
    expect(r.opCode).toBe(1);
    expect(r.doc).toMatchObject({ ismaster: true, ok: 1, maxWireVersion: 21 });
    socket.write(opQuery('admin.$cmd', { $query: { ping: 1 } }));
    expect((await reply()).doc).toMatchObject({ ok: 1 });
  });

  it('reads kind-1 document sequences as the command array', async () => {
    socket.write(opMsg({ insert: 'seq', $db: 'wire' }, [['documents', [{ _id: 1 }, { _id: 2 }]]]));
    expect((await reply()).doc).toMatchObject({ n: 2, ok: 1 });
    socket.write(opMsg({ count: 'seq', $db: 'wire' }));
    expect((await reply()).doc).toMatchObject({ n: 2 });
  });

  it('sends no reply for moreToCome (unacknowledged) messages', async () => {
    socket.write(
      opMsg({ insert: 'seq', documents: [{ _id: 3 }], $db: 'wire', writeConcern: { w: 0 } }, [], 2),
    );
    socket.write(opMsg({ count: 'seq', $db: 'wire' }));
    expect((await reply()).doc).toMatchObject({ n: 3 });
  });

  it('refuses legacy write opcodes with code 115 and keeps the connection', async () => {
    const body = Buffer.concat([
      Buffer.alloc(4),
      Buffer.from('wire.seq\0'),
      Buffer.from(serialize({ _id: 9 })),
    ]);
    socket.write(Buffer.concat([header(16 + body.length, 2002), body]));
    const r = await reply();
    expect(r.doc).toMatchObject({ ok: 0, code: 115 });
    expect(r.doc.errmsg).toMatch(/opcode 2002 .*MONGODB_URI/);
    socket.write(opMsg({ ping: 1, $db: 'admin' }));
    expect((await reply()).doc).toMatchObject({ ok: 1 });
  });

  it('answers a malformed OP_MSG with FailedToParse', async () => {
    const bad = Buffer.concat([Buffer.alloc(4), Buffer.from([7, 1, 2, 3, 4])]);
    socket.write(Buffer.concat([header(16 + bad.length, 2013), bad]));
    expect((await reply()).doc).toMatchObject({ ok: 0, code: 9 });
  });

  it('drops a connection that sends an impossible message length', async () => {
    const other = net.connect(server.port, '127.0.0.1');
    await new Promise((r) => other.once('connect', r));
    const closed = new Promise((r) => other.once('close', r));
    const h = Buffer.alloc(16);
    h.writeInt32LE(8, 0);
    other.write(h);
    await closed;
    expect(other.destroyed).toBe(true);
  });
});
