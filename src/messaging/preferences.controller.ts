import { Controller, Get, Header, HttpCode, Param, Post, Query, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../common/auth/auth.decorators';
import { HtmlPageFilter } from './html-page.filter';
import { escapeHtml, htmlPage } from './html-page';
import { PreferenceActionQuery } from './messaging.dto';
import { PreferencesUseCase, SubscriptionState } from './preferences.usecase';

function preferencesPage(token: string, s: SubscriptionState, done?: string): string {
  const who = s.email ? `<strong>${escapeHtml(s.email)}</strong>` : 'this address';
  const form = (action: string, label: string) =>
    `<form method="post" action="${escapeHtml(encodeURIComponent(token))}?action=${action}">` +
    `<button type="submit">${label}</button></form>`;
  const state = s.subscribed
    ? `<p>${who} is subscribed to our marketing email.</p>${form('unsubscribe', 'Unsubscribe')}`
    : s.canResubscribe
      ? `<p>${who} is not subscribed to our marketing email.</p>${form('resubscribe', 'Resubscribe')}`
      : `<p>${who} does not receive our email: ${
          s.suppression === 'bounce'
            ? 'mail to it bounced'
            : s.suppression === 'complaint'
              ? 'it was reported as spam'
              : 'our team removed it'
        }. It cannot be resubscribed here.</p>`;
  return htmlPage(
    'Email preferences',
    `<h1>Email preferences</h1>${done ? `<p role="status">${escapeHtml(done)}</p>` : ''}${state}`,
  );
}

/** Recipients' preferences page: the address's subscription state, unsubscribe and resubscribe. No API key. */
@ApiExcludeController()
@Controller('p')
@UseFilters(HtmlPageFilter)
export class PreferencesController {
  constructor(private readonly preferences: PreferencesUseCase) {}

  @Get(':token')
  @Public()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async show(@Param('token') token: string): Promise<string> {
    return preferencesPage(token, await this.preferences.state(token));
  }

  @Post(':token')
  @Public()
  @HttpCode(200)
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async change(@Param('token') token: string, @Query() query: PreferenceActionQuery): Promise<string> {
    const state = await this.preferences.execute(token, query.action);
    return preferencesPage(
      token,
      state,
      query.action === 'unsubscribe' ? 'You are unsubscribed.' : 'You are subscribed again.',
    );
  }
}
