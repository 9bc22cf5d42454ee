import { Controller, Get, Header, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../common/auth/auth.decorators';
import { HtmlPageFilter } from './html-page.filter';
import { escapeHtml as escape, htmlPage as page } from './html-page';
import { UnsubscribeUseCase } from './unsubscribe.usecase';

/** Recipients' unsubscribe links: a confirmation page (GET) and RFC 8058 one-click (POST). No API key. */
@ApiExcludeController()
@Controller('u')
@UseFilters(HtmlPageFilter)
export class UnsubscribeController {
  constructor(private readonly unsubscribe: UnsubscribeUseCase) {}

  @Get(':token')
  @Public()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async confirm(@Param('token') token: string): Promise<string> {
    const target = await this.unsubscribe.resolve(token);
    const who = target.email ? ` for <strong>${escape(target.email)}</strong>` : '';
    return page(
      'Unsubscribe',
      `<h1>Unsubscribe</h1><p>Stop marketing email${who}?</p>` +
        `<form method="post" action="${escape(encodeURIComponent(token))}"><button type="submit">Unsubscribe</button></form>`,
    );
  }

  @Post(':token')
  @Public()
  @HttpCode(200)
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async oneClick(@Param('token') token: string): Promise<string> {
    await this.unsubscribe.execute(token);
    return page(
      'Unsubscribed',
      '<h1>You are unsubscribed</h1><p>You will not receive marketing email from us.</p>',
    );
  }
}
