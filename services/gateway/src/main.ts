import { gatewayEnvSchema, parseEnv, runUntilSignalled } from '@ingest/config';
import { buildGateway } from './build-gateway';

runUntilSignalled('gateway', () => buildGateway(parseEnv(gatewayEnvSchema)));
