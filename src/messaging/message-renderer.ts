import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { CustomerFactsRepository, type StoredCustomerFacts } from '../content/customer-facts.repository';
import { TemplateRenderer } from '../content/template-renderer';
import { TemplatesService } from '../content/templates.service';
import { LinkSigner } from './link-signer';
import { rewriteForTracking } from './track-links';

/** What a message is rendered from: its stored template version and context. */
export interface RenderableMessageRow {
  id: string;
  customer_id: string;
  template_id: string;
  template_version: number;
  context: {
    event?: Record<string, unknown>;
    journey?: Record<string, unknown>;
    variant?: string;
    blocks?: Record<string, number>;
  };
}

export interface RenderedForSending {
  templateKey: string;
  from: string | null;
  replyTo: string | null;
  subject: string;
  html: string;
  text: string;
  /** The click targets by index (stored on the message: a click redirects only to one of them). */
  links: string[];
  /** The signed unsubscribe token, for the List-Unsubscribe header. */
  unsubscribeToken: string;
}

/** What a claimed batch of messages reads once for all of them: the customers' facts. */
export interface BatchReads {
  facts: Promise<Map<string, StoredCustomerFacts>>;
}

type StoredVersion = Awaited<ReturnType<TemplatesService['findVersion']>>;

/** Template versions kept per process; the sender renders from a few, and an entry is a few kilobytes. */
const VERSION_CACHE_SIZE = 256;

/**
 * Renders a message from its stored template version and context with the customer's facts, and the signed links
 * (`links.unsubscribe`, `links.preferences`, `links.viewInBrowser`). For sending, http(s) links become click
 * redirects and an open pixel is added; for a browser view (`/v/:token`) there is no pixel (a view is not an open).
 */
@Injectable()
export class MessageRenderer {
  private readonly base: string;
  /** By `templateId@version`: a version never changes (a PUT adds one), nor does a template's key. */
  private readonly versions = new Map<string, Promise<StoredVersion>>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly templates: TemplatesService,
    private readonly facts: CustomerFactsRepository,
    private readonly renderer: TemplateRenderer,
    private readonly signer: LinkSigner,
  ) {
    this.base = config.publicUrl.replace(/\/+$/, '');
  }

  /** Reads for a batch of messages: the facts of all their customers, in one query. */
  batchReads(customerIds: string[]): BatchReads {
    const facts = this.facts.loadMany([...new Set(customerIds)]);
    facts.catch(() => undefined); // awaited (and reported) per message
    return { facts };
  }

  async forSending(row: RenderableMessageRow, batch?: BatchReads): Promise<RenderedForSending> {
    const { version, rendered, sign, unsubscribeToken } = await this.render(row, batch);
    const tracked = rewriteForTracking(
      rendered.html,
      (url) => this.tracked(url),
      (index) => `${this.base}/t/c/${sign({ kind: 'c', messageId: row.id, index })}`,
      `${this.base}/t/o/${sign({ kind: 'o', messageId: row.id })}`,
    );
    return {
      templateKey: version.key,
      from: version.from,
      replyTo: version.replyTo,
      subject: rendered.subject,
      html: tracked.html,
      text: rendered.text,
      links: tracked.links,
      unsubscribeToken,
    };
  }

  /**
   * The HTML again, for the browser: no open pixel. A link that was in the message as sent keeps its click redirect
   * (same index, so it still goes where it went); a link the re-render produced anew (the customer's data changed)
   * stays a plain link rather than pointing a redirect at another URL.
   */
  async forBrowser(row: RenderableMessageRow, sentLinks: string[]): Promise<string> {
    const { rendered, sign } = await this.render(row);
    return rewriteForTracking(
      rendered.html,
      (url) => this.tracked(url) && sentLinks.includes(url),
      (_, url) => `${this.base}/t/c/${sign({ kind: 'c', messageId: row.id, index: sentLinks.indexOf(url) })}`,
      null,
    ).html;
  }

  /** A stored version, read once per process while it stays among the most recently used. */
  private version(templateId: string, version: number): Promise<StoredVersion> {
    const key = `${templateId}@${version}`;
    const cached = this.versions.get(key);
    if (cached) {
      this.versions.delete(key); // re-inserted below: Map order is the recency order
      this.versions.set(key, cached);
      return cached;
    }
    const pending = this.templates.findVersion(templateId, version);
    this.versions.set(key, pending);
    // A failed read (the database was away) is not remembered.
    pending.catch(() => this.versions.get(key) === pending && this.versions.delete(key));
    if (this.versions.size > VERSION_CACHE_SIZE) this.versions.delete(this.versions.keys().next().value!);
    return pending;
  }

  /** Links to Waymark's own pages (unsubscribe, preferences, view, tracking) are never click-tracked. */
  private tracked(url: string): boolean {
    return !['/u/', '/p/', '/v/', '/t/'].some((p) => url.startsWith(`${this.base}${p}`));
  }

  private async render(row: RenderableMessageRow, batch?: BatchReads) {
    const version = await this.version(row.template_id, row.template_version);
    const stored = (await batch?.facts)?.get(row.customer_id) ?? (await this.facts.load(row.customer_id));
    const sign = await this.signer.signer();
    const unsubscribeToken = sign({ kind: 'u', messageId: row.id });
    const rendered = await this.renderer.render(version, {
      customer: stored.customer,
      segments: stored.segments,
      event: row.context?.event,
      journey: row.context?.journey,
      variant: row.context?.variant,
      blockOverrides: row.context?.blocks,
      tokens: {
        unsubscribe: unsubscribeToken,
        preferences: sign({ kind: 'p', messageId: row.id }),
        viewInBrowser: sign({ kind: 'v', messageId: row.id }),
      },
    });
    return { version, rendered, sign, unsubscribeToken };
  }
}
