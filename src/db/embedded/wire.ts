/**
 * MongoDB wire protocol framing: OP_QUERY (legacy handshake), OP_REPLY, and OP_MSG with
 * kind-0 bodies and kind-1 document sequences (which become arrays on the command).
 */
import { deserialize, serialize } from 'bson';
import type { Doc } from './values';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;
export const OP_COMPRESSED = 2012;

const CHECKSUM_PRESENT = 1;
export const MORE_TO_COME = 2;

const deserializeOptions = { promoteValues: false, promoteBuffers: false, bsonRegExp: false } as const;

export interface Request {
  requestId: number;
  opCode: number;
  flags: number;
  /** For OP_QUERY: the full collection name, e.g. "admin.$cmd". */
  fullCollectionName?: string;
  command: Doc;
}

/** Parses one complete message (header included). */
export function parseMessage(buf: Buffer): Request {
  const requestId = buf.readInt32LE(4);
  const opCode = buf.readInt32LE(12);
  if (opCode === OP_MSG) {
    const flags = buf.readUInt32LE(16);
    const end = flags & CHECKSUM_PRESENT ? buf.length - 4 : buf.length;
    let offset = 20;
    let command: Doc | undefined;
    const sequences: [string, Doc[]][] = [];
    while (offset < end) {
      const kind = buf[offset];
      offset += 1;
      const size = buf.readInt32LE(offset);
      if (kind === 0) {
        command = deserialize(buf.subarray(offset, offset + size), deserializeOptions) as Doc;
        offset += size;
      } else if (kind === 1) {
        const sectionEnd = offset + size;
        let p = offset + 4;
        const nul = buf.indexOf(0, p);
        const identifier = buf.toString('utf8', p, nul);
        p = nul + 1;
        const docs: Doc[] = [];
        while (p < sectionEnd) {
          const docSize = buf.readInt32LE(p);
          docs.push(deserialize(buf.subarray(p, p + docSize), deserializeOptions) as Doc);
          p += docSize;
        }
        sequences.push([identifier, docs]);
        offset = sectionEnd;
      } else {
        throw new Error(`Unknown OP_MSG section kind ${String(kind)}`);
      }
    }
    if (!command) throw new Error('OP_MSG without a body section');
    for (const [id, docs] of sequences) command[id] = docs;
    return { requestId, opCode, flags, command };
  }
  if (opCode === OP_QUERY) {
    const flags = buf.readInt32LE(16);
    const nul = buf.indexOf(0, 20);
    const fullCollectionName = buf.toString('utf8', 20, nul);
    let p = nul + 1 + 8; // numberToSkip, numberToReturn
    const size = buf.readInt32LE(p);
    let command = deserialize(buf.subarray(p, p + size), deserializeOptions) as Doc;
    p += size;
    // Legacy wrapped form: { $query: {...}, $readPreference: ... }.
    if (command.$query && typeof command.$query === 'object') command = command.$query as Doc;
    return { requestId, opCode, flags, fullCollectionName, command };
  }
  return { requestId, opCode, flags: 0, command: {} };
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

export function encodeMsg(doc: Doc, requestId: number, responseTo: number): Buffer {
  const body = serialize(doc, { ignoreUndefined: true });
  const prefix = Buffer.alloc(5); // flagBits (0) + section kind 0
  return Buffer.concat([header(16 + 5 + body.length, requestId, responseTo, OP_MSG), prefix, body]);
}

export function encodeReply(doc: Doc, requestId: number, responseTo: number): Buffer {
  const body = serialize(doc, { ignoreUndefined: true });
  const fields = Buffer.alloc(20);
  fields.writeInt32LE(8, 0); // AwaitCapable
  fields.writeBigInt64LE(0n, 4); // cursorID
  fields.writeInt32LE(0, 12); // startingFrom
  fields.writeInt32LE(1, 16); // numberReturned
  return Buffer.concat([header(16 + 20 + body.length, requestId, responseTo, OP_REPLY), fields, body]);
}
