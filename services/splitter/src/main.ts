import { parseEnv, runUntilSignalled, splitterEnvSchema } from '@ingest/config';
import { buildSplitter } from './splitter-service';

runUntilSignalled('splitter', () => buildSplitter(parseEnv(splitterEnvSchema)));
