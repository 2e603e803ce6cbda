/** How many rejected rows a job tolerates: a count, or a share of the rows seen. */
export type RejectBudget =
  { kind: 'count'; max: number } | { kind: 'ratio'; max: number } | { kind: 'unlimited' };

/**
 * `max_rejects` as given (schema field or query parameter): 10, "10", "5%",
 * "0.5%"; undefined means unlimited (bad rows are never fatal by default).
 * Returns null for anything else.
 */
export function parseRejectBudget(value: number | string | undefined): RejectBudget | null {
  if (value === undefined) return { kind: 'unlimited' };
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 ? { kind: 'count', max: value } : null;
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return { kind: 'count', max: Number(text) };
  const m = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (m === null) return null;
  const percent = Number(m[1]);
  return percent <= 100 ? { kind: 'ratio', max: percent / 100 } : null;
}

/**
 * True once the rejects exceed the budget. A ratio is judged on the rows seen
 * so far (`rejected / (loaded + rejected)`), so callers decide at the end of
 * the job, or mid-way only for counts.
 */
export function exceedsRejectBudget(
  budget: RejectBudget,
  rejected: number,
  total: number,
): boolean {
  switch (budget.kind) {
    case 'unlimited':
      return false;
    case 'count':
      return rejected > budget.max;
    case 'ratio':
      return total > 0 && rejected / total > budget.max;
  }
}
