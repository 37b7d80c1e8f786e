/**
 * A deliberately dumb HTTP/1.1 client over a plain TCP socket, for abuse tests: the request line
 * and headers go out byte for byte as given (no URL normalisation of `../`, no header
 * validation, no automatic Content-Type), so malformed requests reach the server as written.
 */
import { connect } from 'node:net';

export type HeaderValue = string | Buffer;

export interface RawRequest {
  method: string;
  /** Sent verbatim as the request target (percent-encode what must be encoded). */
  path: string;
  /** In order; duplicates allowed. `Host` and `Connection: close` are added unless given. */
  headers?: Array<[string, HeaderValue]>;
  body?: string | Buffer;
  /** Send the body with `Transfer-Encoding: chunked` instead of `Content-Length`. */
  chunked?: boolean;
  /** Do not add a `Content-Length` header (the caller wrote its own, or wants none). */
  noContentLength?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as bytes (de-chunked). */
  raw: Buffer;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
  /** Milliseconds from connect to the end of the response. */
  ms: number;
}

export async function rawRequest(port: number, request: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  const started = performance.now();
  const headers = [...(request.headers ?? [])];
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  if (!has('host')) headers.unshift(['Host', `127.0.0.1:${port}`]);
  if (!has('connection')) headers.push(['Connection', 'close']);
  const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
  if (body !== undefined && !request.noContentLength) {
    if (request.chunked) headers.push(['Transfer-Encoding', 'chunked']);
    else if (!has('content-length')) headers.push(['Content-Length', String(body.length)]);
  }

  const head = Buffer.concat([
    Buffer.from(`${request.method} ${request.path} HTTP/1.1\r\n`, 'latin1'),
    ...headers.map(([name, value]) => Buffer.concat([Buffer.from(`${name}: `, 'latin1'), Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1'), Buffer.from('\r\n')])),
    Buffer.from('\r\n'),
  ]);

  return new Promise<RawResponse>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const received = Buffer.concat(chunks);
      // A server may answer early (e.g. a refused oversized body) and reset the connection while
      // the rest of the body is still being written: a complete response still counts.
      try {
        const parsed = parseResponse(received, true);
        if (parsed) {
          resolve({ ...parsed, ms: performance.now() - started });
          return;
        }
      } catch (parseError) {
        reject(parseError);
        return;
      }
      reject(error ?? new Error(`no complete HTTP response (${received.length} bytes received)`));
    };
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms: ${request.method} ${request.path.slice(0, 200)}`)), timeoutMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      // Stop as soon as a complete response is in (some servers keep the socket half open).
      try {
        if (parseResponse(Buffer.concat(chunks))) finish();
      } catch {
        // incomplete or malformed so far: wait for more
      }
    });
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (error) => finish(error));
    socket.on('connect', () => {
      socket.write(head);
      if (body !== undefined) {
        if (request.chunked) {
          // Several chunks, so the server cannot learn the size up front.
          const size = 16 * 1024;
          for (let offset = 0; offset < body.length; offset += size) {
            const piece = body.subarray(offset, offset + size);
            socket.write(`${piece.length.toString(16)}\r\n`);
            socket.write(piece);
            socket.write('\r\n');
          }
          socket.write('0\r\n\r\n');
        } else {
          socket.write(body);
        }
      }
    });
  });
}

/** Parses a complete response, or answers null while it is incomplete. */
function parseResponse(data: Buffer, closed = false): Omit<RawResponse, 'ms'> | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const headText = data.subarray(0, end).toString('latin1');
  const [statusLine, ...lines] = headText.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine.slice(0, 100))}`);
  const status = Number(match[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  let rest = data.subarray(end + 4);
  let raw: Buffer;
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
    raw = Buffer.alloc(0);
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const pieces: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      if (lineEnd < 0) return null;
      const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size');
      if (size === 0) break;
      if (rest.length < lineEnd + 2 + size + 2) return null;
      pieces.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    raw = Buffer.concat(pieces);
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (rest.length < length) return null;
    raw = rest.subarray(0, length);
  } else {
    // No length: the body runs to the end of the connection; only complete once closed.
    if (!closed) return null;
    raw = rest;
  }
  const text = raw.toString('utf8');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status, headers, raw, text, json };
}
