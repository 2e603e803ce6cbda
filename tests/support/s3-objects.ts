import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

/** Lists object keys in a test bucket straight from the S3 server. */
export async function listObjectKeys(env: Record<string, string>): Promise<string[]> {
  const client = new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    const out = await client.send(new ListObjectsV2Command({ Bucket: env.S3_BUCKET }));
    return (out.Contents ?? []).map((o) => o.Key ?? '');
  } finally {
    client.destroy();
  }
}
