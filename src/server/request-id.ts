/**
 * Request ids: taken from a well-formed `x-request-id` header (so a proxy's id
 * carries through) or generated; echoed back on the response and put on every log
 * line of the request.
 */
import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

const ids = new WeakMap<Request, string>();

export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (!id) {
    const header = request.headers.get('x-request-id');
    id = header && /^[\w.:-]{1,128}$/.test(header) ? header : randomUUID();
    ids.set(request, id);
  }
  return id;
}

export function useRequestId(): Plugin {
  return {
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIdOf(request));
    },
  };
}
