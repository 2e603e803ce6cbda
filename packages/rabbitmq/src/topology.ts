import { QUEUES, type QueueName } from '@ingest/contracts';
import type { Channel } from 'amqplib';

/** Redeliveries after which a message is dead-lettered instead of retried forever. */
export const DEFAULT_DELIVERY_LIMIT = 5;

export interface Topology {
  /** Physical queue name for a logical one (the prefix isolates deployments and tests). */
  name(queue: QueueName): string;
  deadLetterQueue: string;
}

export const topologyFor = (prefix: string): Topology => ({
  name: (queue) => `${prefix}${queue}`,
  deadLetterQueue: `${prefix}ingest.dead`,
});

/**
 * Declares every queue: quorum queues (replicated, durable) with a delivery limit,
 * dead-lettering into one inspectable queue. Idempotent; every service runs it at start.
 */
export async function assertTopology(
  channel: Channel,
  topology: Topology,
  deliveryLimit = DEFAULT_DELIVERY_LIMIT,
): Promise<void> {
  await channel.assertQueue(topology.deadLetterQueue, {
    durable: true,
    arguments: { 'x-queue-type': 'quorum' },
  });
  for (const queue of Object.values(QUEUES)) {
    await channel.assertQueue(topology.name(queue), {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': deliveryLimit,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': topology.deadLetterQueue,
      },
    });
  }
}

/** Removes every queue of a topology (tests use it to clean up their prefix). */
export async function deleteTopology(channel: Channel, topology: Topology): Promise<void> {
  for (const queue of Object.values(QUEUES)) await channel.deleteQueue(topology.name(queue));
  await channel.deleteQueue(topology.deadLetterQueue);
}
