import { Injectable } from '@nestjs/common';
import { CommonException } from '../common/errors/common.exception';
import { CustomerFactsRepository } from './customer-facts.repository';
import type { RenderInput } from './render-context';
import { RenderedMessage, TemplateRenderer } from './template-renderer';
import type { PreviewTemplateDto } from './templates.dto';
import { TemplatesService } from './templates.service';

export interface PreviewView extends RenderedMessage {
  template: { id: string; key: string; version: number };
  from: string | null;
  replyTo: string | null;
  /** The stored customer rendered for, when `customerId` was given. */
  customerId: string | null;
  segments: string[];
}

/**
 * Renders a version for a stored customer (profile, stats, scores and segments from the database) or for a
 * supplied context, and reports each block's chosen variant and the condition outcomes that chose it.
 */
@Injectable()
export class PreviewService {
  constructor(
    private readonly templates: TemplatesService,
    private readonly facts: CustomerFactsRepository,
    private readonly renderer: TemplateRenderer,
  ) {}

  async preview(ref: string, dto: PreviewTemplateDto): Promise<PreviewView> {
    const ctx = dto.context;
    if (dto.customerId && (ctx?.customer || ctx?.segments)) {
      throw CommonException.validation([
        {
          path: ctx.customer ? 'context.customer' : 'context.segments',
          message: 'comes from the database when customerId is given',
        },
      ]);
    }
    const version = await this.templates.findVersion(ref, dto.version);
    const stored = dto.customerId ? await this.facts.load(dto.customerId) : null;
    const input: RenderInput = {
      customer: stored?.customer ?? ctx?.customer,
      segments: stored?.segments ?? ctx?.segments,
      event: ctx?.event,
      journey: ctx?.journey,
      variant: ctx?.variant,
      tokens: ctx?.tokens,
      links: ctx?.links,
    };
    const rendered = await this.renderer.render(version, input, { strict: dto.strict });
    return {
      template: { id: version.id, key: version.key, version: version.version },
      from: version.from,
      replyTo: version.replyTo,
      customerId: stored?.customer.id ?? null,
      segments: input.segments ?? [],
      ...rendered,
    };
  }
}
