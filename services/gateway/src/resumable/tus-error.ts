import type { ERRORS } from '@tus/utils';

type TusErrorShape = (typeof ERRORS)[keyof typeof ERRORS];

/** A tus protocol error (`status_code`, `body`, as @tus/server answers it) thrown as an Error. */
export class TusError extends Error {
  readonly status_code: number;
  readonly body: string;

  constructor(shape: TusErrorShape) {
    super(shape.body.trim());
    this.status_code = shape.status_code;
    this.body = shape.body;
  }
}
