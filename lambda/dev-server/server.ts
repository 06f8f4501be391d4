/**
 * A small HTTP adapter that turns node:http requests into API Gateway proxy events for the same
 * webhook function Lambda runs. It is transport only: every rule lives in the webhook.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PayloadTooLargeError } from '../errors';
import { errorResponse } from '../http/responses';
import type { Webhook, WebhookEvent } from '../webhook';

/** Like API Gateway's own payload limit, a transport cap far above the webhook's body limit. */
const TRANSPORT_LIMIT_BYTES = 1024 * 1024;

export interface RunningServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > TRANSPORT_LIMIT_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function toEvent(request: IncomingMessage, body: string): WebhookEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  let path = '/';
  try {
    path = new URL(request.url ?? '/', 'http://localhost').pathname;
  } catch {
    // An unparseable target routes nowhere: the webhook answers 404.
    path = '/\u0000';
  }
  return {
    httpMethod: request.method ?? 'GET',
    path,
    headers,
    body: body === '' ? null : body,
    isBase64Encoded: false,
    requestContext: {
      requestId: randomUUID(),
      identity: { sourceIp: request.socket.remoteAddress ?? 'unknown' },
    },
  };
}

/** Another process listens on the port: a user's mistake to name, not a crash to trace. */
export class PortInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    options?: ErrorOptions,
  ) {
    super(`port ${port} on ${host} is already in use`, options);
    this.name = 'PortInUseError';
  }
}

export async function startServer(
  webhook: Webhook,
  options: { host?: string; port?: number } = {},
): Promise<RunningServer> {
  const server = createServer(async (request, response) => {
    try {
      const body = await readBody(request);
      // The rest of an oversized body is never read: close the connection rather than reuse it.
      if (body === undefined) response.shouldKeepAlive = false;
      const result =
        body === undefined
          ? errorResponse(new PayloadTooLargeError(TRANSPORT_LIMIT_BYTES))
          : await webhook(toEvent(request, body));
      response.writeHead(result.statusCode, result.headers as Record<string, string>);
      response.end(result.body);
    } catch (error) {
      const result = errorResponse(error);
      if (!response.headersSent)
        response.writeHead(result.statusCode, result.headers as Record<string, string>);
      response.end(result.body);
    }
  });
  const host = options.host ?? '127.0.0.1';
  const wanted = options.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(host, wanted, { cause: error }) : error),
    );
    server.listen(wanted, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
