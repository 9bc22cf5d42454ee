import { ApiKeyEntity } from '../common/auth/api-key.entity';
import { CustomerEntity, CustomerIdentityEntity, CustomerStatsEntity } from '../customers/customer.entity';

export const entities = [ApiKeyEntity, CustomerEntity, CustomerIdentityEntity, CustomerStatsEntity];
