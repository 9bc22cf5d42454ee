import { Controller, Get, Header, Param, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../common/auth/auth.decorators';
import { HtmlPageFilter } from './html-page.filter';
import { ViewInBrowserUseCase } from './view-in-browser.usecase';

/** A sent message's HTML in the browser (no open is recorded). No API key. */
@ApiExcludeController()
@Controller('v')
@UseFilters(HtmlPageFilter)
export class ViewInBrowserController {
  constructor(private readonly view: ViewInBrowserUseCase) {}

  @Get(':token')
  @Public()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @Header('X-Robots-Tag', 'noindex')
  show(@Param('token') token: string): Promise<string> {
    return this.view.execute(token);
  }
}
