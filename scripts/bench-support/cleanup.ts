/** Removes what one benchmark run created besides its database: queues, hot state, bucket. */
import { spawnSync } from 'node:child_process';
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import amqp from 'amqplib';
import { QUEUES } from '@ingest/contracts';

export async function deleteQueues(rabbitmqUrl: string, prefix: string): Promise<void> {
  const connection = await amqp.connect(rabbitmqUrl);
  try {
    const channel = await connection.createChannel();
    for (const queue of [...Object.values(QUEUES), 'ingest.dead']) {
      await channel.deleteQueue(`${prefix}${queue}`);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Deletes the run's Redis keys (all under its unique prefix) with redis-cli. */
export function deleteRedisKeys(redisUrl: string, prefix: string): number {
  const scan = spawnSync(
    'redis-cli',
    ['--no-auth-warning', '-u', redisUrl, '--scan', '--pattern', `${prefix}*`],
    { encoding: 'utf8' },
  );
  if (scan.status !== 0) throw new Error(`redis-cli --scan failed: ${scan.stderr}`);
  const keys = scan.stdout.split('\n').filter((k) => k.length > 0);
  for (let i = 0; i < keys.length; i += 500) {
    const del = spawnSync(
      'redis-cli',
      ['--no-auth-warning', '-u', redisUrl, 'DEL', ...keys.slice(i, i + 500)],
      {
        encoding: 'utf8',
      },
    );
    if (del.status !== 0) throw new Error(`redis-cli DEL failed: ${del.stderr}`);
  }
  return keys.length;
}

export function s3Client(endpoint: string): S3Client {
  // This script's own client only; it would otherwise print the SDK's Node 22 notice mid-report.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    endpoint,
    region: process.env.S3_REGION ?? 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: process.env.S3_ACCESS_KEY_ID ?? 'S3RVER',
      secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? 'S3RVER',
    },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Empties and deletes the run's bucket (a bucket that was never created is fine). */
export async function deleteBucket(endpoint: string, bucket: string): Promise<number> {
  const client = s3Client(endpoint);
  let deleted = 0;
  try {
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      return 0;
    }
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
      const keys = (page.Contents ?? []).map((o) => o.Key).filter((k): k is string => !!k);
      if (keys.length === 0) break;
      for (const Key of keys) {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
        deleted++;
      }
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return deleted;
}
