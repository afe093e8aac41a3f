/**
 * Queue: per job name, wait (due → started) and run time from agenda's own events,
 * failures by code and retries; backlog, running and oldest pending age are read from
 * agenda's collection (`agendaJobs`), so they are true for every process sharing it.
 */
import type { Agenda, Job } from 'agenda';
import type { Db } from 'mongodb';
import { errorCodeOf, type Instruments, type QueueState } from './instruments';

type AnyJob = Pick<Job, 'attrs'>;

interface LockedAttrs {
  _id?: unknown;
  nextRunAt?: Date | null;
}
type LockFn = (...args: unknown[]) => Promise<LockedAttrs | undefined>;

/**
 * Agenda moves `nextRunAt` on before it emits 'start', so the due time is taken when
 * the job is locked: the two lock calls of this instance's repository are wrapped
 * (results untouched) to remember each locked job's due time by id.
 */
function rememberDueTimes(agenda: Agenda): Map<string, Date> {
  const due = new Map<string, Date>();
  const repo = agenda.db as unknown as Record<'lockJob' | 'getNextJobToRun', LockFn | undefined>;
  for (const method of ['lockJob', 'getNextJobToRun'] as const) {
    const original = repo[method];
    if (typeof original !== 'function') continue;
    repo[method] = async (...args: unknown[]) => {
      const locked = await original.apply(repo, args);
      if (locked?._id != null && locked.nextRunAt) due.set(String(locked._id), new Date(locked.nextRunAt));
      return locked;
    };
  }
  return due;
}

export function observeAgenda(agenda: Agenda, instruments: Instruments): () => void {
  const started = new WeakMap<object, number>();
  const dueTimes = rememberDueTimes(agenda);
  const onStart = (job: AnyJob) => {
    started.set(job, instruments.timer());
    const id = String(job.attrs._id);
    const due = dueTimes.get(id);
    dueTimes.delete(id);
    const ranAt = job.attrs.lastRunAt ?? instruments.clock.now();
    if (due) instruments.record('job_wait', job.attrs.name, Math.max(0, ranAt.getTime() - due.getTime()));
    if ((job.attrs.failCount ?? 0) > 0) instruments.recordRetry(job.attrs.name);
  };
  const onFail = (error: unknown, job: AnyJob) => finish(job, errorCodeOf(error));
  const onSuccess = (job: AnyJob) => finish(job);
  const finish = (job: AnyJob, code?: string) => {
    const t0 = started.get(job);
    if (t0 === undefined) return;
    started.delete(job);
    instruments.record('job_run', job.attrs.name, instruments.timer() - t0, code);
  };
  agenda.on('start', onStart);
  agenda.on('success', onSuccess);
  agenda.on('fail', onFail);
  return () => {
    agenda.off('start', onStart);
    agenda.off('success', onSuccess);
    agenda.off('fail', onFail);
  };
}

interface JobRow {
  _id: string;
  backlog: number;
  running: number;
  failed: number;
  oldestDue: Date | null;
}

/** Backlog per job name: due (nextRunAt <= now), not locked; running: locked. */
export async function readQueueState(db: Db, now: Date, collection = 'agendaJobs'): Promise<QueueState[]> {
  const rows = await db
    .collection(collection)
    .aggregate<JobRow>([
      { $match: { $or: [{ nextRunAt: { $lte: now } }, { lockedAt: { $ne: null } }] } },
      {
        $group: {
          _id: '$name',
          backlog: { $sum: { $cond: [{ $eq: [{ $ifNull: ['$lockedAt', null] }, null] }, 1, 0] } },
          running: { $sum: { $cond: [{ $eq: [{ $ifNull: ['$lockedAt', null] }, null] }, 0, 1] } },
          failed: { $sum: { $cond: [{ $gt: [{ $ifNull: ['$failCount', 0] }, 0] }, 1, 0] } },
          oldestDue: {
            $min: { $cond: [{ $eq: [{ $ifNull: ['$lockedAt', null] }, null] }, '$nextRunAt', null] },
          },
        },
      },
    ])
    .toArray();
  return rows
    .map((r) => ({
      job: r._id,
      backlog: r.backlog,
      running: r.running,
      failed: r.failed,
      oldestPendingAgeMs: r.oldestDue ? Math.max(0, now.getTime() - new Date(r.oldestDue).getTime()) : 0,
    }))
    .sort((a, b) => a.job.localeCompare(b.job));
}
