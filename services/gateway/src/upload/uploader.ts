import type { UploadLeases } from '@ingest/access';
import { newUploadKey, type ObjectStore } from '@ingest/object-store';
import { errors } from '@ingest/errors';
import { assertWebhookUrl, type Cidr } from '@ingest/net-guard';
import { parseTableSchema } from '@ingest/normalize';
import type { DatasetRepository } from '@ingest/datasets';
import type { Request, Response } from 'express';
import { sendContinue } from '../http/expect-continue';
import { holdUploadSlot } from '../http/upload-slot';
import type { IntakeResult, JobIntake } from '../job-intake';
import { resolveJobOptions, type JobOptions, type JobSchema } from './job-options';
import {
  removeUpload,
  storeMeteredUpload,
  type MinimumPace,
  type StoredUpload,
  type WriteTracker,
} from './metered-upload';
import { MULTIPART_ENVELOPE_BYTES, receiveMultipartFile } from './multipart-file';
import { RequestSchema } from './request-schema';
import type { StreamedJob } from './streamed-job';
import type { UploadRequest } from './upload-request';

export interface UploaderDeps {
  intake: JobIntake;
  store: ObjectStore;
  datasets: DatasetRepository;
  leases: UploadLeases;
  /** Non-public callback addresses the operator allows (WEBHOOK_ALLOWED_CIDRS). */
  webhookAllow: readonly Cidr[];
  /** Slowest acceptable upload body. */
  pace: MinimumPace;
  /** Raw uploads of declared length are stored as segments of this size (0: one object). */
  segmentBytes: number;
  /** Records each write in progress (a sweep cleans up after a gateway that died). */
  tracker?: WriteTracker;
}

/** How an upload request was answered. */
export interface UploadOutcome extends IntakeResult {
  /** Answered before the body was read (the connection is closed after the answer). */
  bodyUnread?: boolean;
  /** An earlier job of the same Idempotency-Key. */
  replayed?: boolean;
}

/** `encoding=utf-16…` needs no BOM, so its bytes are half NULs: the sniff keeps to magic numbers. */
const declaresUtf16 = (request: UploadRequest): boolean =>
  request.dialectOverrides.encoding === 'utf-16le' ||
  request.dialectOverrides.encoding === 'utf-16be';

/** Tells a job that loads while its upload arrives of each stored prefix, and of the upload's failure. */
const streamingHooks = (job: StreamedJob | null) =>
  job
    ? {
        onDurable: (bytes: number) => job.durable(bytes),
        // Loaders stop reading a job that ended, rather than fail on its missing segments.
        beforeRemove: (reason: Error) => job.abort(reason),
      }
    : {};

/** Decided before the body is read: an answer already, or what the upload goes on with. */
type Preparation =
  { answer: UploadOutcome } | { schema: JobSchema | null; options: JobOptions | null };

/**
 * Takes a parsed upload request from its checks to a job: the callback URL and
 * the dataset are checked and an earlier job is looked for before any byte is
 * read; then one of the caller's upload slots is held while the body streams
 * into storage; then the job is created. Whatever fails after the body was
 * stored, the stored copy is removed again.
 */
export class Uploader {
  constructor(private readonly deps: UploaderDeps) {}

  /** `POST /v1/jobs`: a multipart form whose `file` part is the upload. */
  async acceptMultipart(
    req: Request,
    res: Response,
    request: UploadRequest,
  ): Promise<UploadOutcome> {
    // The form's other parts come on top of the file: only a length beyond both is refused early.
    const envelope = MULTIPART_ENVELOPE_BYTES;
    const prepared = await this.prepare(request, res, envelope);
    if ('answer' in prepared) return prepared.answer;
    sendContinue(req, res);
    const schema = new RequestSchema(prepared.schema);
    const { declaredBytes } = request.limits;
    let streamed: { job: StreamedJob; options: JobOptions } | null = null;
    let schemaBeforeFile = false;
    const receiving = receiveMultipartFile(req, res, this.deps.store, {
      limitBytes: request.limits.maxUploadBytes,
      pace: this.deps.pace,
      // The whole request's length bounds the file part's, and less the envelope, from below.
      expectedBytes: declaredBytes,
      atLeastBytes: declaredBytes === undefined ? undefined : declaredBytes - envelope,
      segmentBytes: this.deps.segmentBytes,
      // Fields sent before the file part are checked before a byte is stored; the job the
      // file loads into while it arrives takes its options from them.
      beforeStore: (fields, fileName, objectKey) => {
        schema.takeField(fields);
        schemaBeforeFile = fields?.schema !== undefined;
        let options: JobOptions;
        try {
          options = resolveJobOptions(request, schema.current, fileName || null);
        } catch {
          // Options that need a field sent after the file part: the job waits for the form's end.
          return {};
        }
        const job = this.streamedJob(options, objectKey, null);
        streamed = job ? { job, options } : null;
        return streamingHooks(job);
      },
      tracker: this.deps.tracker,
      textChecks: !declaresUtf16(request),
    });
    const file = await receiving.catch(async (e: unknown) => {
      await (streamed as { job: StreamedJob } | null)?.job.abort(e);
      throw e;
    });
    if (!file) throw errors.missingFile();
    const started = streamed as { job: StreamedJob; options: JobOptions } | null;
    if (started?.job.exists) {
      const fields = req.body as Record<string, unknown> | undefined;
      if (fields?.schema !== undefined && !schemaBeforeFile) {
        // Its rows have been loading with the schema known when the file part began.
        const refused = errors.validation(
          `the schema field came after a file part larger than ${this.deps.segmentBytes} bytes, which loads while it arrives: send the schema field before the file`,
        );
        await started.job.abort(refused);
        await removeUpload(this.deps.store, file).catch(() => undefined);
        await file.tracking?.close();
        throw refused;
      }
      return this.finishStreamed(file, started.job, started.options);
    }
    return this.accept(res, file, () => {
      // A schema field sent after the file part is only seen now.
      schema.takeField(req.body as Record<string, unknown> | undefined);
      return resolveJobOptions(request, schema.current, file.originalname || null);
    });
  }

  /** `PUT /v1/jobs/raw`: the request body is the upload. */
  async acceptRaw(req: Request, res: Response, request: UploadRequest): Promise<UploadOutcome> {
    const prepared = await this.prepare(request, res, 0);
    if ('answer' in prepared) return prepared.answer;
    const options = prepared.options ?? resolveJobOptions(request, prepared.schema, null);
    const { maxUploadBytes, declaredBytes } = request.limits;
    sendContinue(req, res);
    const objectKey = newUploadKey();
    const streamed = this.streamedJob(options, objectKey, declaredBytes ?? null);
    let stored: StoredUpload;
    try {
      stored = await storeMeteredUpload(this.deps.store, objectKey, req, maxUploadBytes, {
        expectedBytes: declaredBytes,
        exactBytes: declaredBytes,
        segmentBytes: this.deps.segmentBytes,
        pace: this.deps.pace,
        tracker: this.deps.tracker,
        textChecks: !declaresUtf16(request),
        ...streamingHooks(streamed),
      });
    } catch (e) {
      await streamed?.abort(e);
      throw e;
    }
    if (streamed?.exists) return this.finishStreamed(stored, streamed, options);
    return this.accept(res, stored, () => options);
  }

  /**
   * The job of an upload that may load while it arrives: it becomes one with the
   * first whole segment stored, so an upload of more than one segment starts
   * loading then, and a smaller one is a job once it is stored. Null when the
   * upload is stored first: dedupe=content must see the whole body, and a
   * declared length of one segment or less gains nothing.
   */
  private streamedJob(
    options: JobOptions,
    objectKey: string,
    length: number | null,
  ): StreamedJob | null {
    const { segmentBytes } = this.deps;
    if (segmentBytes <= 0 || options.dedupeContent) return null;
    if (length !== null && length <= segmentBytes) return null;
    return this.deps.intake.streamed(options, { objectKey, segmentBytes, length });
  }

  /**
   * The last byte of an upload whose job exists since its first segment: the
   * job goes on (or, on a Content-Digest mismatch, fails and its objects go).
   * A client gone by now changes nothing: its job was visible, and loading.
   */
  private async finishStreamed(
    stored: StoredUpload,
    job: StreamedJob,
    options: JobOptions,
  ): Promise<UploadOutcome> {
    try {
      await job.finish({ bytes: stored.bytes, sha256: stored.sha256 });
    } catch (e) {
      await removeUpload(this.deps.store, stored).catch(() => undefined);
      throw e;
    } finally {
      // The job row owns the objects since the first segment.
      await stored.tracking?.close();
    }
    return { job: await this.deps.intake.view(job.id, options.tenant), created: true };
  }

  /**
   * The options of a resumable upload, checked at its creation as those of
   * POST /v1/jobs before its body: the callback URL, the dataset, the schema
   * (one or the other), the table.
   */
  async resolveOptions(
    request: UploadRequest,
    declared: JobSchema | null,
    fileName: string | null,
  ): Promise<JobOptions> {
    if (request.webhookUrl) {
      await assertWebhookUrl(request.webhookUrl, { allow: this.deps.webhookAllow });
    }
    const dataset = await this.datasetSchema(request);
    if (dataset !== null && declared !== null) {
      throw errors.validation('send either a schema or a dataset, not both');
    }
    return resolveJobOptions(request, declared ?? dataset, fileName);
  }

  /**
   * A forbidden callback URL or an unknown dataset is refused, and an earlier
   * job of the same Idempotency-Key — or, with dedupe=content, of a declared
   * Content-Digest already loaded into the table — answers, all before the
   * body is read. A declared Content-Length beyond the caller's limit (plus
   * `envelopeBytes` the request may carry besides the upload) is a 413. Then an
   * upload slot is held until the response closes. A client that sent
   * `Expect: 100-continue` has sent no body byte until all of this passed.
   */
  private async prepare(
    request: UploadRequest,
    res: Response,
    envelopeBytes: number,
  ): Promise<Preparation> {
    const { intake } = this.deps;
    if (request.webhookUrl) {
      await assertWebhookUrl(request.webhookUrl, { allow: this.deps.webhookAllow });
    }
    const schema = await this.datasetSchema(request);
    const replay = await intake.findReplay(request);
    if (replay) {
      return { answer: { job: replay, created: false, bodyUnread: true, replayed: true } };
    }
    // Multipart uploads may name their table only in the file part: their check comes later.
    let options: JobOptions | null = null;
    if (request.table !== null) {
      options = resolveJobOptions(request, schema, null);
      const same = await intake.findSameContent(options);
      if (same) {
        return { answer: { job: same, created: false, deduplicated: true, bodyUnread: true } };
      }
    }
    const { keyId, limits } = request;
    if (
      limits.declaredBytes !== undefined &&
      limits.declaredBytes > limits.maxUploadBytes + envelopeBytes
    ) {
      throw errors.uploadTooLarge(limits.maxUploadBytes);
    }
    await holdUploadSlot(this.deps.leases, keyId, limits.maxConcurrentUploads, res);
    return { schema, options };
  }

  private async datasetSchema(request: UploadRequest): Promise<JobSchema | null> {
    if (request.dataset === null) return null;
    const dataset = await this.deps.datasets.get(request.tenant, request.dataset);
    if (!dataset) throw errors.datasetNotFound(request.dataset);
    return { schema: parseTableSchema(dataset.schema), source: 'dataset' };
  }

  /**
   * Makes the stored upload a job. On any failure — and when an earlier job
   * of the same key or content takes its place — the stored copy is removed.
   * The record of the write is confirmed first (a sweep that took it for
   * abandoned has removed the objects) and forgotten only once the job row
   * holds the key, so the objects always have an owner a sweep can see.
   * A client that is gone by then (it, or a proxy in front, gave up waiting) was
   * told nothing was created, so nothing is: a retry then loads the file once.
   */
  private async accept(
    res: Response,
    stored: StoredUpload,
    resolve: () => JobOptions,
  ): Promise<UploadOutcome> {
    let result: IntakeResult;
    try {
      const options = resolve();
      if (stored.bytes === 0) throw errors.emptyFile();
      if (options.declaredSha256 !== null && options.declaredSha256 !== stored.sha256) {
        throw errors.digestMismatch(options.declaredSha256, stored.sha256);
      }
      if (stored.tracking && !(await stored.tracking.confirm())) {
        throw errors.storageUnavailable(new Error('the upload outlived its lease and was removed'));
      }
      if (res.socket === null || res.socket.destroyed) throw errors.uploadAborted();
      result = await this.deps.intake.accept(stored, options);
    } catch (e) {
      await removeUpload(this.deps.store, stored).catch(() => undefined);
      await stored.tracking?.close();
      throw e;
    }
    if (!result.created) await removeUpload(this.deps.store, stored).catch(() => undefined);
    await stored.tracking?.close();
    return result;
  }
}
