import { Injectable } from '@nestjs/common';
import { CustomersService } from '../customers/customers.service';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { EnrolCustomerUseCase, type EnrolResult } from './engine/enrol-customer.usecase';
import { JourneyVersionsRepository } from './journey-versions.repository';
import type { EnrolDto } from './journeys.dto';
import { JourneysException } from './journeys.exception';
import { JourneysService } from './journeys.service';

/** `POST /v1/journeys/:id/enrol`: a run started by the API, under the same re-entry policy as any trigger. */
@Injectable()
export class EnrolViaApiUseCase {
  constructor(
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    private readonly journeys: JourneysService,
    private readonly versions: JourneyVersionsRepository,
    private readonly customers: CustomersService,
    private readonly enrol: EnrolCustomerUseCase,
  ) {}

  async execute(ref: string, dto: EnrolDto): Promise<EnrolResult> {
    const customerId = await this.customers.resolveId(dto.customer);
    return this.tx.run(async (manager) => {
      const journey = await this.journeys.get(ref, manager);
      if (journey.status !== 'live' || journey.currentVersion === null)
        throw JourneysException.notLive(journey.key, journey.status);
      const version = await this.versions.get(journey.id, journey.currentVersion, manager);
      return this.enrol.execute(manager, version, {
        customerId,
        runKey: dto.key ?? '',
        context: { event: dto.context ?? {} },
        at: this.clock.now(),
      });
    });
  }
}
