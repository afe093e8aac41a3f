/**
 * Handshake, administration and namespace commands: hello, ping, buildInfo, sessions,
 * create/drop, listCollections, listDatabases, dropDatabase.
 */
import { Binary, Int32, Long } from 'bson';
import { fail, unsupported } from '../errors';
import { compileFilter } from '../matcher';
import { type Doc, isPlainObject } from '../values';
import { type CommandContext, collectionName, cursorReply, type Handler } from './context';

const ok = new Int32(1);

/** MongoDB 7.0's wire version: inside the range driver v7 accepts (9..29). */
export const MAX_WIRE_VERSION = 21;

export function helloReply(ctx: Pick<CommandContext, 'connectionId'>, legacy: boolean): Doc {
  return {
    ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
    helloOk: true,
    // No topologyVersion: advertising it commits a server to streaming awaitable hello replies
    // (moreToCome). Without it the driver polls hello, which is all a standalone needs.
    maxBsonObjectSize: new Int32(16 * 1024 * 1024),
    maxMessageSizeBytes: new Int32(48000000),
    maxWriteBatchSize: new Int32(100000),
    localTime: new Date(),
    logicalSessionTimeoutMinutes: new Int32(30),
    connectionId: new Int32(ctx.connectionId),
    minWireVersion: new Int32(0),
    maxWireVersion: new Int32(MAX_WIRE_VERSION),
    readOnly: false,
    ok,
  };
}

export const hello: Handler = (ctx) => helloReply(ctx, false);
export const isMaster: Handler = (ctx) => helloReply(ctx, true);
export const ping: Handler = () => ({ ok });

export const buildInfo: Handler = () => ({
  version: '7.0.0',
  gitVersion: 'embedded',
  versionArray: [new Int32(7), new Int32(0), new Int32(0), new Int32(0)],
  bits: new Int32(64),
  maxBsonObjectSize: new Int32(16 * 1024 * 1024),
  storageEngines: ['embedded-memory'],
  javascriptEngine: 'none',
  modules: [],
  ok,
});

export const endSessions: Handler = () => ({ ok });

export const create: Handler = (ctx) => {
  const name = collectionName(ctx, 'create');
  for (const opt of [
    'capped',
    'timeseries',
    'validator',
    'viewOn',
    'clusteredIndex',
    'collation',
    'changeStreamPreAndPostImages',
    'encryptedFields',
  ]) {
    if (ctx.cmd[opt] !== undefined && ctx.cmd[opt] !== false) unsupported(`The collection option ${opt}`);
  }
  if (ctx.storage.collection(ctx.db, name)) fail(48, `Collection ${ctx.db}.${name} already exists.`);
  ctx.storage.ensureCollection(ctx.db, name);
  return { ok };
};

export const drop: Handler = (ctx) => {
  const name = collectionName(ctx, 'drop');
  ctx.storage.dropCollection(ctx.db, name);
  return { ns: `${ctx.db}.${name}`, nIndexesWas: new Int32(0), ok };
};

export const dropDatabase: Handler = (ctx) => {
  ctx.storage.dropDatabase(ctx.db);
  return { dropped: ctx.db, ok };
};

export const listCollections: Handler = (ctx) => {
  const colls = ctx.storage.dbs.get(ctx.db);
  const infos: Doc[] = [...(colls?.values() ?? [])].map((c) => ({
    name: c.name,
    type: 'collection',
    options: {},
    info: { readOnly: false, uuid: new Binary(Buffer.alloc(16), 4) },
    idIndex: { v: new Int32(2), key: { _id: new Int32(1) }, name: '_id_' },
  }));
  const filter = isPlainObject(ctx.cmd.filter) ? compileFilter(ctx.cmd.filter) : undefined;
  const selected = filter ? infos.filter((i) => filter(i)) : infos;
  const out = ctx.cmd.nameOnly === true ? selected.map((i) => ({ name: i.name, type: i.type })) : selected;
  const batchSize = isPlainObject(ctx.cmd.cursor)
    ? (ctx.cmd.cursor.batchSize as number | undefined)
    : undefined;
  return cursorReply(
    ctx,
    `${ctx.db}.$cmd.listCollections`,
    out,
    batchSize === undefined ? undefined : Number(batchSize),
  );
};

export const listDatabases: Handler = (ctx) => {
  const dbs = [...ctx.storage.dbs.keys()].map((name) => ({
    name,
    sizeOnDisk: Long.fromNumber(0),
    empty: false,
  }));
  if (ctx.cmd.nameOnly === true) return { databases: dbs.map((d) => ({ name: d.name })), ok };
  return { databases: dbs, totalSize: Long.fromNumber(0), totalSizeMb: Long.fromNumber(0), ok };
};

export const connectionStatus: Handler = () => ({
  authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] },
  ok,
});
