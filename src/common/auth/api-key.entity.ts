import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ApiKeyRole } from './auth.decorators';

@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text') role!: ApiKeyRole;
  @Column({ type: 'bytea', name: 'key_hash', select: false }) keyHash!: Buffer;
  @Column('text') prefix!: string;
  @Column({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'last_used_at', nullable: true }) lastUsedAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
}
