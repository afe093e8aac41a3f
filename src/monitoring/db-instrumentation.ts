/**
 * Database: command latency from the driver's command monitoring (the client must be
 * created with `monitorCommands: true`). The subject is "<command> <collection>" so a
 * slow pattern is attributable; heartbeats and handshakes are skipped.
 */
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, MongoClient } from 'mongodb';
import type { Instruments } from './instruments';

const ignored = new Set([
  'hello',
  'isMaster',
  'ismaster',
  'ping',
  'saslStart',
  'saslContinue',
  'endSessions',
]);

export function observeMongoCommands(client: MongoClient, instruments: Instruments): () => void {
  const subjects = new Map<number, string>();
  const onStarted = (event: CommandStartedEvent) => {
    if (ignored.has(event.commandName)) return;
    const target = event.command[event.commandName];
    const collection = typeof target === 'string' ? target : '';
    subjects.set(event.requestId, collection ? `${event.commandName} ${collection}` : event.commandName);
  };
  const onDone = (event: CommandSucceededEvent | CommandFailedEvent, failed: boolean) => {
    const subject = subjects.get(event.requestId);
    if (subject === undefined) return;
    subjects.delete(event.requestId);
    const code = failed
      ? `MONGO_${String((event as CommandFailedEvent).failure?.name ?? 'ERROR')}`
      : undefined;
    instruments.record('db_command', subject, event.duration, code);
  };
  const onSucceeded = (event: CommandSucceededEvent) => onDone(event, false);
  const onFailed = (event: CommandFailedEvent) => onDone(event, true);
  client.on('commandStarted', onStarted);
  client.on('commandSucceeded', onSucceeded);
  client.on('commandFailed', onFailed);
  return () => {
    client.off('commandStarted', onStarted);
    client.off('commandSucceeded', onSucceeded);
    client.off('commandFailed', onFailed);
  };
}
