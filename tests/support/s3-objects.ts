import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { FsObjectStore } from '@ingest/object-store';
import { Readable } from 'node:stream';

/**
 * The test system's objects, looked at beside the services: straight on the S3 server, or
 * through the filesystem adapter when the environment stores them in a directory
 * (TEST_STORAGE_BACKEND=fs, see createTestEnvironment).
 */
const directoryOf = (env: Record<string, string>): FsObjectStore | null =>
  env.STORAGE_BACKEND === 'fs' ? new FsObjectStore({ root: env.STORAGE_DIR ?? '' }) : null;

async function keysIn(store: FsObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of store.list('')) keys.push(...page.map((o) => o.key));
  return keys;
}

const clientFor = (env: Record<string, string>) =>
  new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

/** Lists object keys in a test bucket straight from the S3 server. */
export async function listObjectKeys(env: Record<string, string>): Promise<string[]> {
  const directory = directoryOf(env);
  if (directory) return keysIn(directory);
  const client = clientFor(env);
  try {
    const out = await client.send(new ListObjectsV2Command({ Bucket: env.S3_BUCKET }));
    return (out.Contents ?? []).map((o) => o.Key ?? '');
  } finally {
    client.destroy();
  }
}

/** The test bucket's keys that start with `prefix` (a job's object, segments and derived objects). */
export async function keysStartingWith(
  env: Record<string, string>,
  prefix: string,
): Promise<string[]> {
  return (await listObjectKeys(env)).filter((k) => k.startsWith(prefix));
}

/** Stores `body` at `key` straight on the S3 server, as a writer that left it behind would. */
export async function putObject(
  env: Record<string, string>,
  key: string,
  body: string | Buffer,
): Promise<void> {
  const directory = directoryOf(env);
  if (directory) {
    const bytes = Buffer.from(body);
    return directory.put(key, Readable.from([bytes]), bytes.length);
  }
  const client = clientFor(env);
  try {
    await client.send(new PutObjectCommand({ Bucket: env.S3_BUCKET, Key: key, Body: body }));
  } finally {
    client.destroy();
  }
}

/** Deletes every object of a test bucket, then the bucket. */
export async function removeBucket(env: Record<string, string>): Promise<void> {
  const client = clientFor(env);
  try {
    let token: string | undefined;
    do {
      const out = await client.send(
        new ListObjectsV2Command({ Bucket: env.S3_BUCKET, ContinuationToken: token }),
      );
      for (const o of out.Contents ?? []) {
        await client.send(new DeleteObjectCommand({ Bucket: env.S3_BUCKET, Key: o.Key }));
      }
      token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
    await client.send(new DeleteBucketCommand({ Bucket: env.S3_BUCKET }));
  } finally {
    client.destroy();
  }
}
