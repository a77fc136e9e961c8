import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** True when the server closed the socket after answering. */
  closed: boolean;
}

/**
 * Writes `head` (request line and headers, CRLF-terminated, blank line included) and then `body`
 * chunks on a raw socket, and reads the answer; resolves once the server closes the socket or the
 * answer is complete. For requests fetch cannot make: lying Content-Length, partial bodies, oversize
 * headers. Never waits for ever: rejects after `timeoutMs` (a generous budget, not an assertion).
 */
export function rawRequest(url: string, head: string, body: (string | Buffer)[] = [], timeoutMs = 30_000): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) {
        if (!closed) return;
        settled = true;
        clearTimeout(timer);
        reject(new Error(`connection closed without an answer (${JSON.stringify(text.slice(0, 200))})`));
        return;
      }
      const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      const answerBody = text.slice(split + 4);
      const length = headers['content-length'];
      if (!closed && (length === undefined || Buffer.byteLength(answerBody) < Number(length))) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: answerBody, closed });
    };
    const timer = setTimeout(() => {
      settled = true;
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      finish(false);
    });
    socket.on('close', () => finish(true));
    // The server may close while we still write (that is the point of early refusals).
    socket.on('error', () => finish(true));
    socket.write(head);
    for (const chunk of body) socket.write(chunk);
  });
}
