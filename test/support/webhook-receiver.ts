import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A local webhook receiver (node:http on 127.0.0.1) that records every POST. `respondWith` sets the
 * statuses of the next answers (then 200 again), to make a receiver that fails for a while.
 */
export class WebhookReceiver {
  readonly messages: ReceivedMessage[] = [];
  private statuses: number[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // kept as text
        }
        this.messages.push({ body, headers: req.headers });
        res.writeHead(this.statuses.shift() ?? 200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/learnloop`;
    return this;
  }

  respondWith(...statuses: number[]): void {
    this.statuses = statuses;
  }

  clear(): void {
    this.messages.length = 0;
    this.statuses = [];
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
