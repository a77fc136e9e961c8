import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** Node's parser errors as statuses: oversize headers, timeouts, anything else malformed. */
function statusOf(error: NodeJS.ErrnoException): [number, string, string] {
  if (error.code === 'HPE_HEADER_OVERFLOW') return [431, 'headers_too_large', 'request headers are too large'];
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'request_timeout', 'the request was not received in time'];
  return [400, 'bad_request', 'malformed HTTP request'];
}

/**
 * Errors Node's HTTP parser meets before Express sees a request (431, 408, malformed requests),
 * answered in the uniform error body instead of Node's bare status line, and the socket closed.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, code, message] = statusOf(error);
    const body = JSON.stringify({ error: { code, message } });
    const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[status];
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
