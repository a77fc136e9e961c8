import { type RequestListener, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Queue } from 'bullmq';
import express from 'express';

/** `node:http`: no framework at all; `express`: the smallest Express 5 app doing it (express.json() and one route). */
export type BareFramework = 'node:http' | 'express';

/**
 * The floors under the ingress: a server that parses the JSON body, derives the job id and calls
 * `queue.add` — no auth, rate limit, validation, metrics or logging — either on bare `node:http`
 * or as the smallest Express 5 app that does it (express.json() and one route). Measured with the
 * same load generator, they split the ingress's cost into "HTTP itself on this machine", "what
 * Express adds to it" and "our middleware stack". Benchmark fixtures, not second ingresses.
 */
export async function startBareEnqueueServer(
  framework: BareFramework,
  queue: Queue,
  path: string,
  jobIdFor: (question: Record<string, unknown>) => string,
  jobOptions: object,
): Promise<{ url: string; close(): Promise<void> }> {
  const enqueue = async (question: Record<string, unknown>) => {
    const job = await queue.add('validate', { question }, { ...jobOptions, jobId: jobIdFor(question) });
    return { jobId: job.id, queue: queue.name };
  };
  let listener: RequestListener;
  if (framework === 'express') {
    // As lean as Express gets: no ETag or X-Powered-By, and the answer written as the bare server
    // writes it (res.json would add an ETag hash per response), so the gap to node:http is Express's
    // own request/response objects, router and body parser.
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    app.use(express.json({ limit: '1mb' }));
    app.post(path, async (req, res) => {
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify(await enqueue(req.body as Record<string, unknown>)));
    });
    listener = app;
  } else {
    listener = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          try {
            const answer = await enqueue(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
            res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
          } catch (error) {
            res.writeHead(500).end(String(error));
          }
        })();
      });
    };
  }
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
