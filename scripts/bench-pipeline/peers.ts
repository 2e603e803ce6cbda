/**
 * The tools users would pick instead (--peers): each loads the raw file into a
 * table of its own with the shape's DDL, doing the conversions itself, before
 * the services exist. Their tables are verified like the pipeline's.
 */
import { join, relative } from 'node:path';
import type { CsvFile } from '../bench-support/csv-generator';
import { log, sec } from './bench-output';
import { duckdbPeer } from './duckdb-comparison';
import { ROOT } from './endpoints';
import type { Peer } from './peer-process';
import { pgloaderPeer } from './pgloader-comparison';
import { typedTableDdl } from './psql-baseline';
import type { BaselineFigures, RunContext } from './run-model';

export const PEERS: Record<string, Peer> = { pgloader: pgloaderPeer, duckdb: duckdbPeer };

export const peerTable = (name: string): string => `bench_${name}`;

/** Each peer of --peers on the raw file (a failed load is a problem of the run). */
export async function runPeers(
  run: RunContext,
  csv: CsvFile,
  figures: BaselineFigures,
): Promise<void> {
  for (const name of run.args.peers) {
    const peer = PEERS[name];
    if (peer === undefined) throw new Error(`unknown peer ${name}`);
    const missing = peer.unavailable();
    if (missing !== null) {
      figures.peersSkipped.push(`${name}: ${missing}`);
      log(`${name}: ${missing}; skipping it`);
      continue;
    }
    const table = peerTable(name);
    await run.db.query(typedTableDdl(run.shape.schema, table));
    log(`${name} on the raw file ...`);
    const result = await peer.load(run, csv.path, table);
    figures.peers.push(result);
    log(`${name}: exit ${result.code} after ${sec(result.seconds)} s`);
    if (result.code !== 0) {
      run.problems.push(
        `${name} exited with code ${result.code} (log: ${relative(ROOT, join(run.logDir, `${name}.log`))}): ` +
          result.tail.replace(/\s*\n\s*/g, ' | ').slice(-1000),
      );
    }
    await run.admin.query('CHECKPOINT');
  }
}
