import type { QueueName } from '@ingest/contracts';

/** Publishes one message and resolves only once the broker has confirmed it durably. */
export interface MessagePublisher {
  publish(queue: QueueName, message: object, options?: { messageId?: string }): Promise<void>;
}
