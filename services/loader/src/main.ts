import { loaderEnvSchema, parseEnv, runUntilSignalled } from '@ingest/config';
import { buildLoader } from './loader-service';

runUntilSignalled('loader', () => buildLoader(parseEnv(loaderEnvSchema)));
