/**
 * Scaling of a run against its reference run (--reference, or 1 GiB first from
 * --size 4GiB on): end-to-end time against linear scaling, and whether any
 * service's peak memory grew with the file.
 */
import { sizeLabel } from '../bench-support/args';
import { int, sec, table } from './bench-output';
import type { RunSummary } from './run-model';

export interface ScalingSection {
  lines: string[];
  json: Record<string, unknown>;
}

export function scalingSection(ref: RunSummary, big: Omit<RunSummary, 'code'>): ScalingSection {
  const factor = big.bytes / ref.bytes;
  const linear = (b: number | undefined, r: number | undefined) =>
    b === undefined || r === undefined ? undefined : b / (r * factor);
  const e2e = linear(big.e2eSeconds, ref.e2eSeconds);
  const psql = linear(big.psqlSeconds, ref.psqlSeconds);
  const refLabel = sizeLabel(ref.size);
  const bigLabel = sizeLabel(big.size);
  const rss = big.peaks.map((p) => {
    const r = ref.peaks.find((q) => q.name === p.name);
    const refMiB = r === undefined ? undefined : r.hwmKiB / 1024;
    const bigMiB = p.hwmKiB / 1024;
    return {
      name: p.name,
      referenceMiB: refMiB,
      thisRunMiB: bigMiB,
      differenceMiB: refMiB === undefined ? undefined : bigMiB - refMiB,
    };
  });
  // RSS moves by tens of MiB with GC timing: only growth past 32 MiB and 20 % counts.
  const grown = rss.filter(
    (x) =>
      x.referenceMiB !== undefined &&
      x.thisRunMiB - x.referenceMiB > Math.max(32, 0.2 * x.referenceMiB),
  );
  const signed = (n: number | undefined) =>
    n === undefined ? '–' : `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(0)}`;
  const ratio = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(2));
  const overPsql = (r: Omit<RunSummary, 'code'>) =>
    r.e2eSeconds === undefined || r.psqlSeconds === undefined
      ? '–'
      : `${(r.e2eSeconds / r.psqlSeconds).toFixed(2)}×`;
  const lines = [
    '',
    `scaling: this run (${bigLabel}, ${int(big.bytes)} bytes) against the reference run ` +
      `${ref.runId} (${refLabel}, ${int(ref.bytes)} bytes); size factor ${factor.toFixed(2)}`,
    ...table(
      ['seconds', refLabel, bigLabel, `${bigLabel} ÷ (${refLabel} × ${factor.toFixed(2)})`],
      [
        [
          '(b) end to end',
          sec(ref.e2eSeconds),
          sec(big.e2eSeconds),
          e2e === undefined
            ? '–'
            : `${ratio(e2e)} (target ≤ 1.10: ${e2e <= 1.1 ? 'met' : 'MISSED'})`,
        ],
        ['(a) psql \\copy', sec(ref.psqlSeconds), sec(big.psqlSeconds), ratio(psql)],
      ],
    ),
    "(1.00 = perfectly linear; psql's own ratio shows how far the machine itself was from it)",
    `(b)/(a) end to end ÷ psql \\copy: ${overPsql(ref)} at ${refLabel}, ${overPsql(big)} at ${bigLabel}`,
    ...table(
      ['peak RSS (VmHWM), MiB', refLabel, bigLabel, 'difference'],
      rss.map((x) => [
        x.name,
        x.referenceMiB === undefined ? '–' : x.referenceMiB.toFixed(0),
        x.thisRunMiB.toFixed(0),
        signed(x.differenceMiB),
      ]),
    ),
    grown.length === 0
      ? 'memory: flat (no service grew by more than 32 MiB and 20 %)'
      : `memory NOT flat: ${grown.map((x) => `${x.name} ${signed(x.differenceMiB)} MiB`).join(', ')}`,
  ];
  const json = {
    reference: {
      runId: ref.runId,
      size: refLabel,
      bytes: ref.bytes,
      records: ref.records,
      endToEndSeconds: ref.e2eSeconds,
      psqlSeconds: ref.psqlSeconds,
    },
    sizeFactor: factor,
    endToEndLinearity: e2e,
    psqlLinearity: psql,
    target: 1.1,
    peakRssMiB: rss,
    memoryFlat: grown.length === 0,
  };
  return { lines, json };
}
