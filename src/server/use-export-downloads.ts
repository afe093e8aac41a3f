/**
 * useExportDownloads: serves finished analytics exports at their signed, expiring URLs
 * (`/analytics/exports/<id>?expires=…&signature=…`). The handler checks the signature and expiry
 * and answers null for any other path, which Yoga then routes as usual.
 */
import type { Plugin } from 'graphql-yoga';

export type DownloadHandler = (request: Request) => Promise<Response | null>;

export function useExportDownloads(handler: DownloadHandler | null): Plugin {
  if (!handler) return {};
  return {
    async onRequest({ request, endResponse }) {
      const response = await handler(request);
      if (response) endResponse(response);
    },
  };
}
