import type { JobView } from '@ingest/contracts';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { queryString, unreachable } from '../api-client';
import { apiErrorOf, ApiError, ConnectionError } from '../cli-errors';
import type { Connection } from '../connection';
import type {
  UploadEvents,
  UploadRequest,
  UploadResult,
  UploadSource,
  UploadTransport,
} from './upload-transport';

/** Statuses worth another attempt of the same upload: the answer was unclear or passing. */
const RETRYABLE = new Set([502, 503, 504]);

/** How long to wait for `100 Continue` before sending the body anyway (as curl does). */
const CONTINUE_WAIT_MS = 1000;

interface Body {
  contentType: string;
  length: number;
  open(): Readable;
}

/** The file as the raw body of `PUT /v1/jobs/raw`. */
function rawBody(source: UploadSource): Body {
  return {
    contentType: 'text/csv',
    length: source.size,
    open: () => createReadStream(source.path),
  };
}

/**
 * `POST /v1/jobs` multipart: the `schema` field first (the gateway reads it before the file),
 * then the file part, streamed from disk with a Content-Length known in advance.
 */
function multipartBody(source: UploadSource, schema: unknown): Body {
  const boundary = `csv-ingest-${randomBytes(12).toString('hex')}`;
  const safeName = source.name.replace(/["\r\n\\]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="schema"\r\n` +
      `Content-Type: application/json\r\n\r\n${JSON.stringify(schema)}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${safeName}"\r\n` +
      `Content-Type: text/csv\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + source.size + tail.length,
    open: () => {
      const out = new PassThrough();
      void (async () => {
        out.write(head);
        try {
          await pipeline(createReadStream(source.path), out, { end: false });
          out.end(tail);
        } catch (error) {
          out.destroy(error as Error);
        }
      })();
      return out;
    },
  };
}

interface Answer {
  status: number;
  body: string;
}

const readAll = async (res: IncomingMessage): Promise<string> => {
  const parts: Buffer[] = [];
  for await (const part of res) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
};

/**
 * One request streaming the body with its Content-Length. `Expect: 100-continue` lets the
 * gateway refuse (a bad key, a bad option, a file over the limit) before a byte is sent.
 */
function send(
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  body: Body,
  onBytes: (sent: number) => void,
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, {
      method,
      headers: {
        ...headers,
        'Content-Type': body.contentType,
        'Content-Length': String(body.length),
        Expect: '100-continue',
      },
    });
    let started = false;
    let sent = 0;
    const start = () => {
      if (started) return;
      started = true;
      clearTimeout(fallback);
      const stream = body.open();
      stream.on('data', (chunk: Buffer) => {
        sent += chunk.length;
        onBytes(sent);
      });
      stream.on('error', (error) => req.destroy(error));
      stream.pipe(req);
    };
    const fallback = setTimeout(start, CONTINUE_WAIT_MS);
    req.on('continue', start);
    req.on('response', (res) => {
      clearTimeout(fallback);
      readAll(res).then(
        (text) => {
          resolve({ status: res.statusCode ?? 0, body: text });
          // Refused before the body: nothing more to send on this connection.
          if (!started) req.destroy();
        },
        (error: unknown) => reject(error as Error),
      );
    });
    req.on('error', (error) => {
      clearTimeout(fallback);
      reject(error);
    });
  });
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The upload as one streamed request (`PUT /v1/jobs/raw`, or a multipart `POST /v1/jobs`
 * when a schema goes with the file), for a gateway without tus. It cannot resume: a cut
 * connection starts the file again, under the same Idempotency-Key, so the retry returns
 * the job the first attempt made if it made one.
 */
export class DirectTransport implements UploadTransport {
  readonly name = 'direct' as const;

  constructor(
    private readonly connection: Connection,
    private readonly retryDelaysMs: readonly number[] = [1000, 3000, 5000],
  ) {}

  async upload(request: UploadRequest, events: UploadEvents): Promise<UploadResult> {
    const { source, params, schema } = request;
    const withSchema = schema !== null && schema !== undefined;
    const path = withSchema ? '/v1/jobs' : '/v1/jobs/raw';
    const url = new URL(`${this.connection.url}${path}${queryString(params)}`);
    const body = withSchema ? multipartBody(source, schema) : rawBody(source);
    const headers: OutgoingHttpHeaders = {
      'Idempotency-Key': request.idempotencyKey ?? `csv-ingest-${randomUUID()}`,
    };
    if (this.connection.key !== null) headers.Authorization = `Bearer ${this.connection.key}`;
    const progress = (sent: number) => events.progress(Math.min(sent, source.size), source.size);

    for (let attempt = 0; ; attempt++) {
      let failure: ApiError | ConnectionError;
      try {
        const answer = await send(url, withSchema ? 'POST' : 'PUT', headers, body, progress);
        if (answer.status >= 200 && answer.status < 300) {
          const job = JSON.parse(answer.body) as JobView;
          events.progress(source.size, source.size);
          events.jobCreated(job.id);
          return { jobId: job.id, job, resumed: false };
        }
        failure = apiErrorOf(answer.status, answer.body);
        if (!RETRYABLE.has(answer.status)) throw failure;
      } catch (error) {
        if (error instanceof ApiError) throw error;
        failure = unreachable(this.connection.url, error);
      }
      const wait = this.retryDelaysMs[attempt];
      if (wait === undefined) throw failure;
      events.retrying(failure.message, attempt + 1);
      await delay(wait);
    }
  }
}
