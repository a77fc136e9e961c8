import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Queue } from 'bullmq';

/**
 * The floor under the ingress: a bare `node:http` server that parses the JSON body, derives the
 * job id and calls `queue.add` — no Express, auth, rate limit, validation, metrics or logging.
 * Measured with the same load generator, it splits the ingress's cost into "HTTP itself on this
 * machine" and "our middleware stack". A benchmark fixture, not a second ingress.
 */
export async function startBareEnqueueServer(
  queue: Queue,
  jobIdFor: (question: Record<string, unknown>) => string,
  jobOptions: object,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const question = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          const job = await queue.add('validate', { question }, { ...jobOptions, jobId: jobIdFor(question) });
          res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ jobId: job.id, queue: queue.name }));
        } catch (error) {
          res.writeHead(500).end(String(error));
        }
      })();
    });
  });
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
