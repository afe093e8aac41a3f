/**
 * The database chain: tier selection from options and environment, validation of the
 * configuration, the memory-server tier giving up quickly without a mongod, the embedded server on
 * a worker thread (and its fallback), and `npm run db`.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { startDatabase } from '../../src/db/chain';
import * as threadModule from '../../src/db/embedded/thread';
import { probeMongodBinary } from '../../src/db/memory-server';
import { databaseFromUri, redactUri, withDatabase } from '../../src/db/uri';

const silent = pino({ level: 'silent' });
const noMongod: NodeJS.ProcessEnv = { MONGOMS_SYSTEM_BINARY: '/nonexistent/mongod' };

describe('startDatabase', () => {
  it('starts the embedded tier and serves the driver', async () => {
    const handle = await startDatabase({
      mode: 'embedded',
      dbName: 'chain_embedded',
      logger: silent,
      env: {},
    });
    try {
      expect(handle.tier).toBe('embedded');
      expect(handle.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/chain_embedded$/);
      const client = await new MongoClient(handle.uri).connect();
      await client.db().collection('x').insertOne({ a: 1 });
      expect(await client.db('chain_embedded').collection('x').countDocuments()).toBe(1);
      await client.close();
    } finally {
      await handle.stop();
    }
  });

  it('runs the embedded server on a worker thread when asked, and stops it', async () => {
    const logs: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
    const handle = await startDatabase({
      mode: 'embedded',
      dbName: 'chain_thread',
      logger,
      env: {},
      embeddedThread: true,
    });
    const client = await new MongoClient(handle.uri, { serverSelectionTimeoutMS: 1000 }).connect();
    try {
      expect(JSON.parse(logs.at(-1)!)).toMatchObject({ tier: 'embedded', thread: true });
      const docs = client.db().collection<{ _id: number }>('x');
      await docs.insertMany([{ _id: 1 }, { _id: 2 }]);
      expect(await docs.countDocuments()).toBe(2);
      // The same semantics as in-process: a duplicate _id is refused with code 11000.
      await expect(docs.insertOne({ _id: 1 })).rejects.toMatchObject({ code: 11000 });
    } finally {
      await client.close();
      await handle.stop();
    }
    // Stopped: nothing listens on that port any more.
    await expect(new MongoClient(handle.uri, { serverSelectionTimeoutMS: 300 }).connect()).rejects.toThrow();
  });

  it('falls back to an in-process embedded server when the thread cannot start', async () => {
    const thread = jest
      .spyOn(threadModule, 'startEmbeddedServerThread')
      .mockRejectedValueOnce(new Error('no threads here'));
    const logs: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
    const handle = await startDatabase({
      mode: 'embedded',
      dbName: 'chain_fallback',
      logger,
      env: {},
      embeddedThread: true,
    });
    try {
      expect(thread).toHaveBeenCalled();
      expect(logs.some((l) => /thread did not start/.test(l) && /no threads here/.test(l))).toBe(true);
      expect(JSON.parse(logs.at(-1)!)).toMatchObject({ tier: 'embedded', thread: false });
      const client = await new MongoClient(handle.uri).connect();
      await client.db().collection('x').insertOne({ a: 1 });
      await client.close();
    } finally {
      await handle.stop();
    }
  });

  it('uses MONGODB_URI as given, with the requested database name, and starts nothing', async () => {
    const logs: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
    const env = { MONGODB_URI: 'mongodb://user:secret@db1:27017,db2:27017/prod?replicaSet=rs0' };
    const handle = await startDatabase({ logger, env });
    expect(handle).toMatchObject({ tier: 'uri', dbName: 'prod', uri: env.MONGODB_URI });
    const renamed = await startDatabase({ logger, env, dbName: 'other' });
    expect(renamed.uri).toBe('mongodb://user:secret@db1:27017,db2:27017/other?replicaSet=rs0');
    await renamed.stop();
    expect(logs.join('')).toContain('"tier":"uri"');
    expect(logs.join('')).not.toContain('secret');
  });

  it('rejects invalid configuration with CONFIG_INVALID', async () => {
    await expect(
      startDatabase({ logger: silent, env: { MONGODB_URI: 'postgres://x' } }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(startDatabase({ logger: silent, env: { DB_MODE: 'sqlite' } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    await expect(startDatabase({ logger: silent, env: { DB_MODE: 'uri' } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/MONGODB_URI/),
    });
  });

  it('refuses DB_MODE=memory-server quickly when no mongod can be had', async () => {
    await expect(
      startDatabase({ logger: silent, env: { ...noMongod, DB_MODE: 'memory-server' } }),
    ).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: expect.stringMatching(/MONGOMS_SYSTEM_BINARY/),
    });
  });

  it('falls through to the embedded tier by default when no mongod can be had', async () => {
    const logs: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
    const handle = await startDatabase({
      logger,
      env: { MONGOMS_RUNTIME_DOWNLOAD: 'false' },
      dbName: 'fallback',
    });
    try {
      expect(handle.tier).toBe('embedded');
      expect(logs.join('')).toContain('mongodb-memory-server unavailable');
      expect(logs.join('')).toContain('"tier":"embedded"');
    } finally {
      await handle.stop();
    }
  });
});

describe('probeMongodBinary', () => {
  it('reports a missing system binary and an unreachable download host', async () => {
    expect(await probeMongodBinary(500, noMongod)).toMatchObject({ available: false });
    expect(await probeMongodBinary(500, { MONGOMS_SYSTEM_BINARY: process.execPath })).toMatchObject({
      available: true,
    });
    const unreachable = await probeMongodBinary(500, { MONGOMS_DOWNLOAD_MIRROR: 'https://127.0.0.1:1' });
    expect(unreachable.available).toBe(false);
  });
});

describe('uri helpers', () => {
  it('reads and replaces the database name', () => {
    expect(databaseFromUri('mongodb://h:1/db?x=1')).toBe('db');
    expect(databaseFromUri('mongodb://h:1/')).toBeUndefined();
    expect(databaseFromUri('http://h')).toBeUndefined();
    expect(withDatabase('mongodb+srv://c.example.net', 'a b')).toBe('mongodb+srv://c.example.net/a%20b');
    expect(() => withDatabase('nope', 'x')).toThrow();
    expect(redactUri('mongodb://u:p@h/db')).toBe('mongodb://u:***@h/db');
  });
});

describe('npm run db', () => {
  it('prints one MONGODB_URI line and serves until interrupted', async () => {
    const tsx = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const child = spawn(tsx, [path.join(__dirname, '..', '..', 'src', 'db', 'cli.ts')], {
      env: { ...process.env, DB_MODE: 'embedded', MONGODB_URI: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const uri = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^MONGODB_URI=(\S+)\n/.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const client = await new MongoClient(uri).connect();
    expect(await client.db().command({ ping: 1 })).toMatchObject({ ok: 1 });
    await client.close();
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
  }, 30_000);
});

describe('startEmbeddedServerThread', () => {
  it('refuses a thread that cannot listen, with the reason', async () => {
    const first = await threadModule.startEmbeddedServerThread();
    try {
      // Same port again: the second thread's listen fails and the start is refused with why.
      await expect(threadModule.startEmbeddedServerThread({ port: first.port })).rejects.toThrow(
        /EADDRINUSE/,
      );
    } finally {
      await first.stop();
    }
  });
});
