import { error, type ApiOperation, type ApiResponse } from './api-operation';

/**
 * The tus 1.0 resumable upload routes: the protocol (https://tus.io/protocols/resumable-upload)
 * is its own contract — tus headers in, tus headers out — so only its outline is described here.
 */
const tus = (
  method: ApiOperation['method'],
  path: string,
  id: string,
  summary: string,
  responses: Record<number, ApiResponse>,
  extra: Partial<ApiOperation> = {},
): ApiOperation => ({
  method,
  path,
  id,
  tag: 'uploads',
  summary,
  authenticated: method !== 'options',
  responses,
  ...extra,
});

export const TUS_OPERATIONS: readonly ApiOperation[] = [
  tus(
    'options',
    '/v1/uploads',
    'discoverTus',
    'tus discovery: Tus-Version, Tus-Extension, Tus-Max-Size',
    {
      204: { description: 'The tus protocol versions and extensions offered' },
    },
  ),
  tus('options', '/v1/uploads/{id}', 'discoverTusUpload', 'tus discovery (on an upload URL)', {
    204: { description: 'The tus protocol versions and extensions offered' },
  }),
  tus(
    'post',
    '/v1/uploads',
    'createUpload',
    'Create a resumable upload (Upload-Length, Upload-Metadata carries filename, table and the job options); the job exists from now on, status receiving',
    {
      201: {
        description: 'Created; Location is the upload, Ingest-Job-Id its job',
        headers: ['Location'],
      },
      400: error('A bad option in Upload-Metadata (VALIDATION_FAILED, SCHEMA_INVALID, …)'),
      413: error('UPLOAD_TOO_LARGE'),
      503: error(
        'UPLOADS_BUSY (bytes sent with the creation found no room; Retry-After), STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE or DATABASE_UNAVAILABLE',
      ),
    },
    { body: { media: 'application/offset+octet-stream' } },
  ),
  tus(
    'head',
    '/v1/uploads/{id}',
    'getUploadOffset',
    'Where the upload stands: Upload-Offset, Upload-Length',
    {
      200: { description: 'Upload-Offset and Upload-Length headers' },
      404: { description: 'UPLOAD_NOT_FOUND' },
      410: { description: 'The upload expired' },
    },
  ),
  tus(
    'patch',
    '/v1/uploads/{id}',
    'appendUpload',
    'Send bytes from Upload-Offset on; the last byte stores the job and queues it',
    {
      204: { description: 'Stored; Upload-Offset is the new offset' },
      404: error('UPLOAD_NOT_FOUND'),
      409: { description: 'Upload-Offset is not where the upload stands' },
      410: { description: 'The upload expired' },
      503: error(
        'UPLOADS_BUSY (no room in the gateway for another tus request; Retry-After), STORAGE_UNAVAILABLE or DATABASE_UNAVAILABLE',
      ),
    },
    { body: { media: 'application/offset+octet-stream' } },
  ),
  tus(
    'delete',
    '/v1/uploads/{id}',
    'terminateUpload',
    'Termination: cancels the job, deletes what was stored',
    {
      204: { description: 'Terminated' },
      404: error('UPLOAD_NOT_FOUND'),
    },
  ),
];
