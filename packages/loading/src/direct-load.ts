import type { LoadPlan } from '@ingest/contracts';
import type { CopyTarget, LoadStrategy, LoadTarget } from './load-strategy';
import { columnList, targetTable } from './sql-names';

/** `direct` (append): each chunk COPYs straight into the table — the fast path. */
export class DirectLoad implements LoadStrategy {
  readonly positions = false;
  readonly publishesAtEnd = false;

  constructor(
    readonly plan: Extract<LoadPlan, { kind: 'direct' }>,
    private readonly target: LoadTarget,
  ) {}

  async prepare(): Promise<void> {}
  async beforeCopy(): Promise<void> {}

  copyTarget(): CopyTarget {
    return { relation: targetTable(this.target), columns: columnList(this.target.columns) };
  }

  async afterCopy(): Promise<void> {}
  async publish(): Promise<void> {}
  async cleanUp(): Promise<void> {}
}
