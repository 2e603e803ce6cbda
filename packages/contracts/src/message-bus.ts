import type { QueueName } from './messages';

/** Publishes one message and resolves only once the broker has confirmed it durably. */
export interface MessagePublisher {
  publish(queue: QueueName, message: object, options?: { messageId?: string }): Promise<void>;
}

/** A message the broker gave up on, as the dead-letter queue holds it. */
export interface DeadMessage {
  /** The queue it died in (with the deployment's prefix). */
  queue: string;
  /** `delivery_limit` (redelivered too often), `rejected` (a consumer refused it), `expired`, … */
  reason: string;
  /** Deliveries it had before it died, when the broker says. */
  deliveries: number | null;
  messageId: string | null;
  /** The parsed JSON body, or null when it is not JSON. */
  body: unknown;
}
