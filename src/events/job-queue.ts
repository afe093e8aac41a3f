/**
 * The agenda instance behind queued listeners and other jobs. Storage is
 * MongoBackend on the app's database; pick-up is notified in-process through an
 * InMemoryNotificationChannel, so a job queued by this process starts without
 * waiting for a poll. Jobs queued by another process (API -> worker) are found by
 * polling every JOB_POLL_INTERVAL_MS; a shared channel (Redis) would remove that wait.
 */
import { Agenda, InMemoryNotificationChannel } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { Db } from 'mongodb';
import type { Logger } from '../shared/logger';

export interface JobQueueOptions {
  db: Db;
  logger: Logger;
  name?: string;
  pollIntervalMs: number;
  lockLifetimeMs: number;
  maxConcurrency?: number;
}

export interface JobQueue {
  agenda: Agenda;
  /** Starts processing jobs in this process (not called in API_ONLY mode). */
  startWorker(): Promise<void>;
  readonly working: boolean;
  /** Waits for running jobs (up to timeoutMs), then stops; unfinished jobs are unlocked for another worker. */
  stop(timeoutMs: number): Promise<void>;
  /** True when the job store answers. */
  ping(): Promise<boolean>;
}

export async function createJobQueue(options: JobQueueOptions): Promise<JobQueue> {
  const logger = options.logger.child({ component: 'jobs' });
  const agenda = new Agenda({
    backend: new MongoBackend({ mongo: options.db }),
    notificationChannel: new InMemoryNotificationChannel(),
    name: options.name ?? `ai-platform-${process.pid}`,
    processEvery: options.pollIntervalMs,
    defaultLockLifetime: options.lockLifetimeMs,
    maxConcurrency: options.maxConcurrency ?? 20,
    removeOnComplete: true,
  });
  agenda.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  agenda.on('fail', (error: Error | string, job: { attrs?: { name?: string; failCount?: number } }) =>
    logger.warn({ err: error, job: job.attrs?.name, failCount: job.attrs?.failCount }, 'job failed'),
  );
  agenda.on('retry exhausted', (error: Error, job: { attrs: { name: string } }) =>
    logger.error({ err: error, job: job.attrs.name }, 'job gave up after its last retry'),
  );
  await agenda.ready;
  let working = false;
  let stopped = false;
  return {
    agenda,
    get working() {
      return working;
    },
    async startWorker() {
      await agenda.start();
      working = true;
      logger.info({ pollIntervalMs: options.pollIntervalMs }, 'job worker started');
    },
    async stop(timeoutMs) {
      if (stopped) return;
      stopped = true;
      if (working) {
        const result = await agenda.drain({ timeout: timeoutMs, closeConnection: false });
        if (result.timedOut)
          logger.warn({ running: result.running }, 'jobs still running at shutdown deadline');
        await agenda.stop(false);
      } else {
        await agenda.stop(false);
      }
      working = false;
    },
    async ping() {
      try {
        await options.db.command({ ping: 1 });
        return true;
      } catch {
        return false;
      }
    },
  };
}
