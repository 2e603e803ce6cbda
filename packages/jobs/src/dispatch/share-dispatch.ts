/** A live job's place in the dispatch: chunks in flight (dispatched, not committed) and waiting. */
export interface DispatchCandidate {
  jobId: string;
  tenant: string;
  /** Milliseconds since the epoch: among equals, the older job goes first. */
  createdAt: number;
  inFlight: number;
  /** Recorded chunks not dispatched yet. */
  waiting: number;
}

export interface DispatchLimits {
  /** Chunks of one job in flight at once (its window). */
  jobWindow: number;
  /** Chunks of all jobs in flight at once; 0: no limit beyond the windows. */
  maxInFlight: number;
  /** Chunks of one tenant in flight at once; 0: no limit. */
  tenantMaxInFlight: number;
  /** A tenant's share relative to others (default 1): weight 2 gets twice the chunks. */
  tenantWeights: ReadonlyMap<string, number>;
}

/**
 * How many chunks of each job to dispatch now: free places go one at a time to
 * the tenant with the fewest chunks in flight for its weight, and within it to
 * its job with the fewest in flight (the older on a tie) — round robin across
 * tenants, then across a tenant's jobs, with every job bounded by its window and
 * every tenant by its limit. Counts in flight include what is already
 * dispatched, so a tenant that holds many loaders is served last.
 */
export function shareDispatch(
  candidates: readonly DispatchCandidate[],
  limits: DispatchLimits,
): Map<string, number> {
  const granted = new Map<string, number>();
  const tenants = new Map<string, { inFlight: number; jobs: DispatchCandidate[] }>();
  let total = 0;
  for (const c of candidates) {
    const t = tenants.get(c.tenant) ?? { inFlight: 0, jobs: [] };
    t.inFlight += c.inFlight;
    t.jobs.push(c);
    tenants.set(c.tenant, t);
    total += c.inFlight;
  }
  let free = limits.maxInFlight > 0 ? limits.maxInFlight - total : Number.POSITIVE_INFINITY;
  const load = (c: DispatchCandidate) => c.inFlight + (granted.get(c.jobId) ?? 0);
  const open = (c: DispatchCandidate) =>
    (granted.get(c.jobId) ?? 0) < c.waiting && load(c) < limits.jobWindow;
  const byTurn = (a: DispatchCandidate, b: DispatchCandidate) =>
    load(a) - load(b) || a.createdAt - b.createdAt || a.jobId.localeCompare(b.jobId);

  while (free > 0) {
    let best: { tenant: string; share: number; job: DispatchCandidate } | undefined;
    for (const [tenant, t] of tenants) {
      if (limits.tenantMaxInFlight > 0 && t.inFlight >= limits.tenantMaxInFlight) continue;
      const job = t.jobs.filter(open).sort(byTurn)[0];
      if (!job) continue;
      const share = t.inFlight / (limits.tenantWeights.get(tenant) ?? 1);
      const earlier = best
        ? job.createdAt - best.job.createdAt || tenant.localeCompare(best.tenant)
        : -1;
      if (!best || share < best.share || (share === best.share && earlier < 0)) {
        best = { tenant, share, job };
      }
    }
    if (!best) break;
    granted.set(best.job.jobId, (granted.get(best.job.jobId) ?? 0) + 1);
    const t = tenants.get(best.tenant);
    if (t) t.inFlight++;
    free--;
  }
  return granted;
}
