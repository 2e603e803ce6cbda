import { jobParamsOf } from './upload-command';

describe('jobParamsOf: CLI options under the API names', () => {
  it('names each option as the query parameter / tus metadata key, leaving out what is unset', () => {
    expect(
      jobParamsOf({
        table: 'people',
        mode: 'upsert',
        upsertKey: 'id,email',
        atomic: true,
        chunkSize: '32MiB',
        maxRejects: '5%',
        header: 'false',
        dedupe: true,
      }),
    ).toEqual({
      table: 'people',
      mode: 'upsert',
      key: 'id,email',
      atomic: 'true',
      chunk_size: '32MiB',
      max_rejects: '5%',
      header: 'false',
      dedupe: 'content',
    });
    expect(jobParamsOf({ table: 't' })).toEqual({ table: 't' });
  });
});
