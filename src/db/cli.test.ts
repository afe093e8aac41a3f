import { MongoClient } from 'mongodb';
import { main } from './cli';

describe('npm run db entry point', () => {
  it('prints only the MONGODB_URI line on stdout and stops on SIGINT', async () => {
    const previous = {
      mode: process.env.DB_MODE,
      uri: process.env.MONGODB_URI,
      level: process.env.LOG_LEVEL,
    };
    const sigtermBefore = process.listeners('SIGTERM');
    process.env.DB_MODE = 'embedded';
    process.env.LOG_LEVEL = 'silent';
    delete process.env.MONGODB_URI;
    const writes: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const exited = new Promise<number | undefined>((resolve) => {
      jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
        resolve(code);
        return undefined as never;
      }) as typeof process.exit);
    });
    try {
      await main();
      write.mockRestore();
      expect(writes).toHaveLength(1);
      const uri = /^MONGODB_URI=(\S+)\n$/.exec(writes[0] as string)?.[1] as string;
      const client = await new MongoClient(uri).connect();
      expect(await client.db().command({ ping: 1 })).toMatchObject({ ok: 1 });
      await client.close();
      process.emit('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      jest.restoreAllMocks();
      for (const l of process.listeners('SIGTERM'))
        if (!sigtermBefore.includes(l)) process.removeListener('SIGTERM', l);
      Object.assign(process.env, { DB_MODE: previous.mode, LOG_LEVEL: previous.level });
      if (previous.mode === undefined) delete process.env.DB_MODE;
      if (previous.level === undefined) delete process.env.LOG_LEVEL;
      if (previous.uri !== undefined) process.env.MONGODB_URI = previous.uri;
    }
  });
});
