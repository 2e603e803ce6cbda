import type { LoadPlan } from '@ingest/contracts';
import { DirectLoad } from './direct-load';
import type { LoadStrategy, LoadTarget } from './load-strategy';
import { MergeLoad } from './merge-load';
import { StagedLoad } from './staged-load';

/** The strategy for a plan (as carried by chunk tasks and stored on the job). */
export function loadStrategyFor(plan: LoadPlan, target: LoadTarget): LoadStrategy {
  switch (plan.kind) {
    case 'direct':
      return new DirectLoad(plan, target);
    case 'merge':
      return new MergeLoad(plan, target);
    case 'staged':
      return new StagedLoad(plan, target);
  }
}
