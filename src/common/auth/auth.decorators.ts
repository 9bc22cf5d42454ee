import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';

export const API_KEY_ROLES = ['admin', 'ingest', 'read'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export const AUTH_METADATA = 'waymark:auth';
export const PUBLIC_METADATA = 'waymark:public';

/**
 * The least role an endpoint needs. `admin` may do everything; `ingest` and `read` only their own endpoints.
 * Combines the guard's metadata with the OpenAPI security description.
 */
export function Auth(role: ApiKeyRole) {
  return applyDecorators(
    SetMetadata(AUTH_METADATA, role),
    ApiBearerAuth(),
    ...(role === 'ingest' ? [ApiBasicAuth()] : []),
    ApiUnauthorizedResponse({ description: 'No API key, or an unknown or revoked one' }),
    ApiForbiddenResponse({
      description: `Needs the ${role === 'admin' ? 'admin' : `${role} or admin`} role`,
    }),
  );
}

export const Public = () => SetMetadata(PUBLIC_METADATA, true);
