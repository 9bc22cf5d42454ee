import { Module } from '@nestjs/common';
import { ContentModule } from '../content/content.module';
import { CustomersModule } from '../customers/customers.module';
import { EmailEventsController } from './email-events.controller';
import { EmailEventsUseCase } from './email-events.usecase';
import { LinkSigner } from './link-signer';
import { MailTransport } from './mail-transport';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';
import { BatchGuard } from './batch-guard';
import { CustomerEventRecorder } from './customer-events';
import { SentRecorder } from './sent-recorder';
import { SendMessagesUseCase } from './send-messages.usecase';
import { SenderWorker } from './sender-worker';
import { SuppressionsController } from './suppressions.controller';
import { SuppressionsService } from './suppressions.service';
import { TrackingController } from './tracking.controller';
import { TrackingUseCase } from './tracking.usecase';
import { UnsubscribeController } from './unsubscribe.controller';
import { UnsubscribeUseCase } from './unsubscribe.usecase';
import { InboundController } from './inbound.controller';
import { InboundUnsubscribeUseCase } from './inbound-unsubscribe.usecase';
import { MessageRenderer } from './message-renderer';
import { PreferencesController } from './preferences.controller';
import { PreferencesUseCase } from './preferences.usecase';
import { ViewInBrowserController } from './view-in-browser.controller';
import { ViewInBrowserUseCase } from './view-in-browser.usecase';

@Module({
  imports: [CustomersModule, ContentModule],
  controllers: [
    MessagesController,
    SuppressionsController,
    UnsubscribeController,
    TrackingController,
    EmailEventsController,
    PreferencesController,
    ViewInBrowserController,
    InboundController,
  ],
  providers: [
    MessagesService,
    SuppressionsService,
    SendMessagesUseCase,
    BatchGuard,
    SentRecorder,
    CustomerEventRecorder,
    SenderWorker,
    MailTransport,
    LinkSigner,
    UnsubscribeUseCase,
    TrackingUseCase,
    EmailEventsUseCase,
    MessageRenderer,
    PreferencesUseCase,
    ViewInBrowserUseCase,
    InboundUnsubscribeUseCase,
  ],
  exports: [MessagesService, SuppressionsService, SendMessagesUseCase, MailTransport],
})
export class MessagingModule {}
