/**
 * Conformance: agenda 6 with MongoBackend through the database chain — now, schedule, every,
 * unique, failure recording and retries, and two worker processes never running a job twice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { MongoBackend } from '@agendajs/mongo-backend';
import { Agenda, constant, InMemoryNotificationChannel } from 'agenda';
import { useTestDb } from './support';

const ctx = useTestDb();
const agendas: Agenda[] = [];

function makeAgenda(): Agenda {
  const agenda = new Agenda({
    backend: new MongoBackend({ mongo: ctx().db }),
    notificationChannel: new InMemoryNotificationChannel(),
    processEvery: 100,
  });
  agendas.push(agenda);
  return agenda;
}

afterEach(async () => {
  await Promise.all(agendas.splice(0).map((a) => a.stop()));
  await ctx().db.collection('agendaJobs').deleteMany({});
});

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('agenda', () => {
  it('runs a now() job exactly once and records completion', async () => {
    const agenda = makeAgenda();
    const runs: unknown[] = [];
    agenda.define('say-hello', async (job) => {
      runs.push(job.attrs.data);
    });
    await agenda.start();
    await agenda.now('say-hello', { to: 'world' });
    await eventually(
      async () =>
        !!(await ctx()
          .db.collection('agendaJobs')
          .findOne({ name: 'say-hello', lastFinishedAt: { $type: 'date' } })),
    );
    expect(runs).toEqual([{ to: 'world' }]);
    const indexes = await ctx().db.collection('agendaJobs').listIndexes().toArray();
    expect(indexes.map((i) => i.name)).toContain('findAndLockNextJobIndex');
  });

  it('runs a scheduled job no earlier than its time', async () => {
    const agenda = makeAgenda();
    const ranAt: Date[] = [];
    agenda.define('later', async () => {
      ranAt.push(new Date());
    });
    await agenda.start();
    const when = new Date(Date.now() + 400);
    await agenda.schedule(when, 'later', {});
    await eventually(() => ranAt.length === 1);
    expect(ranAt[0]!.getTime()).toBeGreaterThanOrEqual(when.getTime());
  });

  it('repeats an every() job and keeps a single job document', async () => {
    const agenda = makeAgenda();
    let runs = 0;
    agenda.define('tick', async () => {
      runs += 1;
    });
    await agenda.start();
    await agenda.every(200, 'tick');
    await eventually(() => runs >= 2);
    expect(await ctx().db.collection('agendaJobs').countDocuments({ name: 'tick' })).toBe(1);
  });

  it('stores one job per unique key', async () => {
    const agenda = makeAgenda();
    agenda.define('sync-user', async () => {});
    for (let i = 0; i < 3; i += 1) {
      await agenda
        .create('sync-user', { userId: 42, attempt: i })
        .unique({ 'data.userId': 42 })
        .schedule(new Date(Date.now() + 60_000))
        .save();
    }
    await agenda
      .create('sync-user', { userId: 7 })
      .unique({ 'data.userId': 7 })
      .schedule(new Date(Date.now() + 60_000))
      .save();
    const jobs = await ctx().db.collection('agendaJobs').find({ name: 'sync-user' }).toArray();
    expect(jobs.map((j) => j.data.userId).sort()).toEqual([42, 7].sort());
    expect(jobs.find((j) => j.data.userId === 42)?.data.attempt).toBe(2);
  });

  it('records failures and retries with backoff until the job succeeds', async () => {
    const agenda = makeAgenda();
    let attempts = 0;
    agenda.define(
      'flaky',
      async () => {
        attempts += 1;
        if (attempts < 3) throw new Error(`boom ${attempts}`);
      },
      { backoff: constant({ delay: 50, maxRetries: 5 }) },
    );
    agenda.define('broken', async () => {
      throw new Error('always broken');
    });
    const failures: string[] = [];
    agenda.on('fail', (err: Error) => failures.push(err.message));
    await agenda.start();
    await agenda.now('flaky', {});
    await agenda.now('broken', {});
    await eventually(() => attempts >= 3 && failures.includes('always broken'));
    // agenda resets failCount once a retry succeeds but keeps the last failure reason.
    await eventually(
      async () =>
        !!(await ctx()
          .db.collection('agendaJobs')
          .findOne({ name: 'flaky', failCount: 0, failReason: 'boom 2' })),
    );
    expect(attempts).toBe(3);
    const broken = await ctx().db.collection('agendaJobs').findOne({ name: 'broken' });
    expect(broken).toMatchObject({ failReason: 'always broken', failCount: 1 });
    expect(broken?.failedAt).toBeInstanceOf(Date);
    expect(failures).toEqual(expect.arrayContaining(['boom 1', 'boom 2', 'always broken']));
  });

  it('never runs one job twice across two worker processes', async () => {
    const { db, handle } = ctx();
    await db.collection('runs').createIndex({ jobId: 1 }, { unique: true });
    const producer = makeAgenda();
    producer.define('shared-work', async () => {});
    const total = 60;
    for (let i = 0; i < total; i += 1) await producer.now('shared-work', { i });
    const script = path.join(__dirname, 'fixtures', 'agenda-worker.ts');
    const tsx = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const workers: ChildProcess[] = ['w1', 'w2'].map((name) =>
      spawn(tsx, [script, handle.uri, name], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    const errors: string[] = [];
    for (const w of workers) w.stderr?.on('data', (d: Buffer) => errors.push(d.toString()));
    try {
      await eventually(
        async () => (await db.collection('runs').countDocuments()) >= total || errors.length > 0,
        60_000,
      );
      // Give both workers a moment to (wrongly) pick anything up again before checking.
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              w.once('exit', () => resolve());
              w.kill('SIGTERM');
            }),
        ),
      );
    }
    expect(errors.join('')).toBe('');
    const runs = await db.collection('runs').find().toArray();
    expect(runs).toHaveLength(total);
    expect(new Set(runs.map((r) => r.jobId)).size).toBe(total);
  }, 90_000);
});
