import { cell } from './test-cell';

describe('uuid', () => {
  it.each([
    ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['a0eebc999c0b4ef8bb6d6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000'],
    ['{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '!INVALID_UUID'],
    ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1', '!INVALID_UUID'],
    ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111', '!INVALID_UUID'],
    ['g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '!INVALID_UUID'],
    ['not-a-uuid', '!INVALID_UUID'],
  ])('%j → %j', (raw, expected) => {
    expect(cell({ type: 'uuid' }, raw)).toBe(expected);
  });
});
