export const MESSAGE_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A Segment message after validation, with the server-side timestamp already resolved. */
export interface IncomingMessage {
  type: MessageType;
  messageId: string;
  /** True when the client sent no messageId, so the message cannot be deduplicated. */
  generatedMessageId: boolean;
  userId?: string;
  anonymousId?: string;
  /** alias: the id being merged into userId. */
  previousId?: string;
  /** track: the event name; page/screen: the page name, stored as the event. */
  event?: string;
  properties: JsonObject;
  traits: JsonObject;
  context: JsonObject;
  timestamp: Date;
  originalTimestamp?: Date;
  sentAt?: Date;
  receivedAt: Date;
}

export const ORDER_COMPLETED = 'Order Completed';

/** NOTIFY channel that wakes segment workers when customers were queued in customer_changes. */
export const CUSTOMER_CHANGES_CHANNEL = 'waymark_customer_changes';
