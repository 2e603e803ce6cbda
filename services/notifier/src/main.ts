import { notifierEnvSchema, parseEnv, runUntilSignalled } from '@ingest/config';
import { buildNotifier } from './notifier-service';

runUntilSignalled('notifier', () => buildNotifier(parseEnv(notifierEnvSchema)));
