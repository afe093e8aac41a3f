/**
 * Routes a command document to its handler. The command name is the first key, matched
 * case-sensitively like MongoDB (plus the legacy lowercase aliases the driver may send).
 */
import { Int32 } from 'bson';
import { fail, MongoCommandError, unsupported } from '../errors';
import type { Storage } from '../storage';
import type { Doc } from '../values';
import * as admin from './admin';
import type { Handler } from './context';
import * as crud from './crud';
import * as indexes from './indexes';

const handlers: Record<string, Handler> = {
  hello: admin.hello,
  isMaster: admin.isMaster,
  ismaster: admin.isMaster,
  ping: admin.ping,
  buildInfo: admin.buildInfo,
  buildinfo: admin.buildInfo,
  endSessions: admin.endSessions,
  killAllSessions: admin.endSessions,
  connectionStatus: admin.connectionStatus,
  create: admin.create,
  drop: admin.drop,
  dropDatabase: admin.dropDatabase,
  listCollections: admin.listCollections,
  listDatabases: admin.listDatabases,
  insert: crud.insert,
  find: crud.find,
  getMore: crud.getMore,
  killCursors: crud.killCursors,
  update: crud.update,
  delete: crud.remove,
  findAndModify: crud.findAndModify,
  findandmodify: crud.findAndModify,
  count: crud.count,
  distinct: crud.distinct,
  aggregate: crud.aggregate,
  createIndexes: indexes.createIndexes,
  listIndexes: indexes.listIndexes,
  dropIndexes: indexes.dropIndexes,
  deleteIndexes: indexes.dropIndexes,
};

const transactionCommands = new Set(['commitTransaction', 'abortTransaction']);

/** Runs one command synchronously and returns the reply document (errors become `ok: 0`). */
export function runCommand(storage: Storage, db: string, cmd: Doc, connectionId: number): Doc {
  try {
    const name = Object.keys(cmd)[0];
    if (!name) fail(59, 'no such command: empty command document');
    // A standalone server refuses transactions; so do we, with the same code.
    if (
      cmd.startTransaction !== undefined ||
      cmd.autocommit !== undefined ||
      transactionCommands.has(name) ||
      cmd.txnNumber !== undefined
    ) {
      fail(20, 'Transaction numbers are only allowed on a replica set member or mongos');
    }
    const handler = handlers[name];
    if (!handler) unsupported(`The command '${name}'`, 59);
    return handler({ storage, db, cmd, connectionId });
  } catch (err) {
    if (err instanceof MongoCommandError) {
      return { ok: 0, errmsg: err.message, code: new Int32(err.code), codeName: err.codeName, ...err.extra };
    }
    const message = err instanceof Error ? err.message : String(err);
    return {
      ok: 0,
      errmsg: `embedded server internal error: ${message}`,
      code: new Int32(1),
      codeName: 'InternalError',
    };
  }
}
