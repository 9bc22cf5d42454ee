import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CART_EVENTS } from '../journey-watches';
import type { PublishedVersion } from '../journey.types';
import { CART_NODE, NodeOutcome, RunRow } from './run-row';

export function startNode(version: PublishedVersion): string {
  return version.definition.start ?? version.definition.nodes[0].id;
}

/**
 * The end of a cart_abandoned run's window. The order check reads the event log itself rather than trusting
 * that the inbox already cancelled the run: an order ingested by another process a moment ago may not have been
 * processed yet, and a customer who ordered must never get the reminder.
 */
@Injectable()
export class CartCheck {
  async check(manager: EntityManager, run: RunRow, version: PublishedVersion): Promise<NodeOutcome> {
    const cart = run.context.cart!;
    const [ordered] = await manager.query(
      `SELECT 1 FROM events WHERE customer_id = $1 AND event = $2 AND "timestamp" >= $3 LIMIT 1`,
      [run.customerId, CART_EVENTS.ordered, cart.startedAt],
    );
    if (ordered) return { kind: 'end', status: 'exited', reason: 'ordered', outcome: 'ordered' };
    run.context.event = {
      ...(cart.cartId !== undefined && { cart_id: cart.cartId }),
      products: cart.products,
      startedAt: cart.startedAt,
    };
    delete run.context.cart;
    return {
      kind: 'next',
      to: startNode(version),
      outcome: 'cart_abandoned',
      detail: { products: cart.products.length },
    };
  }
}

export { CART_NODE };
