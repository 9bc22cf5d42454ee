import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('customers')
export class CustomerEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ type: 'text', name: 'external_id', nullable: true }) externalId!: string | null;
  @Column({ type: 'text', nullable: true }) email!: string | null;
  @Column('jsonb') traits!: Record<string, unknown>;
  @Column({ type: 'text', nullable: true }) timezone!: string | null;
  @Column({ type: 'boolean', name: 'marketing_consent', nullable: true }) marketingConsent!: boolean | null;
  @Column({ type: 'text', name: 'consent_source', nullable: true }) consentSource!: string | null;
  @Column({ type: 'timestamptz', name: 'consent_at', nullable: true }) consentAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'updated_at' }) updatedAt!: Date;
}

@Entity('customer_identities')
export class CustomerIdentityEntity {
  @PrimaryColumn('text') kind!: 'userId' | 'anonymousId' | 'email';
  @PrimaryColumn('text') value!: string;
  @Column({ type: 'uuid', name: 'customer_id' }) customerId!: string;
  @Column({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
}

const numeric = { to: (v: number) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

@Entity('customer_stats')
export class CustomerStatsEntity {
  @PrimaryColumn({ type: 'uuid', name: 'customer_id' }) customerId!: string;
  @Column({ type: 'timestamptz', name: 'first_seen_at', nullable: true }) firstSeenAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'last_seen_at', nullable: true }) lastSeenAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'first_order_at', nullable: true }) firstOrderAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'last_order_at', nullable: true }) lastOrderAt!: Date | null;
  @Column({ type: 'integer', name: 'orders_count' }) ordersCount!: number;
  @Column({ type: 'numeric', name: 'revenue_total', transformer: numeric }) revenueTotal!: number;
  @Column({ type: 'numeric', name: 'avg_order_value', transformer: numeric, insert: false, update: false })
  avgOrderValue!: number | null;
  @Column({ type: 'integer', name: 'events_count' }) eventsCount!: number;
  @Column({ type: 'jsonb', name: 'event_counts' }) eventCounts!: Record<string, number>;
  @Column({ type: 'timestamptz', name: 'updated_at' }) updatedAt!: Date;
}
