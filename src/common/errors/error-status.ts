import { CommonErrorCode } from './common.exception';
import { ApiKeysErrorCode } from '../auth/api-keys.exception';
import { CustomersErrorCode } from '../../customers/customers.exception';
import { IngestionErrorCode } from '../../ingestion/ingestion.exception';
import { ContentErrorCode } from '../../content/content.exception';
import { SegmentsErrorCode } from '../../segments/segments.exception';
import { AnalyticsErrorCode } from '../../analytics/analytics.exception';
import { MessagingErrorCode } from '../../messaging/messaging.exception';
import { ExperimentsErrorCode } from '../../experiments/experiments.exception';
import { JourneysErrorCode } from '../../journeys/journeys.exception';

export type ErrorCode =
  | CommonErrorCode
  | ApiKeysErrorCode
  | CustomersErrorCode
  | SegmentsErrorCode
  | IngestionErrorCode
  | ContentErrorCode
  | AnalyticsErrorCode
  | MessagingErrorCode
  | ExperimentsErrorCode
  | JourneysErrorCode;

/** Every error code's HTTP status, in one exhaustive table: adding a code without a status does not compile. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  [CommonErrorCode.VALIDATION_FAILED]: 400,
  [CommonErrorCode.MALFORMED_JSON]: 400,
  [CommonErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [CommonErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [CommonErrorCode.UNAUTHENTICATED]: 401,
  [CommonErrorCode.FORBIDDEN]: 403,
  [CommonErrorCode.NOT_FOUND]: 404,
  [CommonErrorCode.METHOD_NOT_ALLOWED]: 405,
  [CommonErrorCode.INTERNAL]: 500,
  [ApiKeysErrorCode.API_KEY_NOT_FOUND]: 404,
  [CustomersErrorCode.CUSTOMER_NOT_FOUND]: 404,
  [IngestionErrorCode.INVALID_MESSAGE]: 400,
  [IngestionErrorCode.IMPORT_TOO_LARGE]: 413,
  [IngestionErrorCode.INVALID_CSV_HEADER]: 400,
  [ContentErrorCode.TEMPLATE_NOT_FOUND]: 404,
  [ContentErrorCode.TEMPLATE_KEY_TAKEN]: 409,
  [ContentErrorCode.TEMPLATE_ARCHIVED]: 409,
  [ContentErrorCode.INVALID_TEMPLATE]: 422,
  [ContentErrorCode.TEMPLATE_RENDER_FAILED]: 422,
  [AnalyticsErrorCode.MODEL_NOT_FOUND]: 404,
  [AnalyticsErrorCode.INVALID_MODEL_OPTIONS]: 422,
  [AnalyticsErrorCode.CALIBRATION_OUTSIDE_DATA]: 422,
  [AnalyticsErrorCode.TOO_FEW_CUSTOMERS]: 422,
  [AnalyticsErrorCode.TOO_FEW_REPEAT_BUYERS]: 422,
  [AnalyticsErrorCode.ALL_ZERO_FREQUENCIES]: 422,
  [AnalyticsErrorCode.UNFITTABLE_DATA]: 422,
  [AnalyticsErrorCode.INSUFFICIENT_TRAINING_DATA]: 422,
  [AnalyticsErrorCode.MODEL_NOT_CONVERGED]: 422,
  [AnalyticsErrorCode.MODEL_FIT_IN_PROGRESS]: 409,
  [SegmentsErrorCode.SEGMENT_NOT_FOUND]: 404,
  [SegmentsErrorCode.SEGMENT_KEY_TAKEN]: 409,
  [SegmentsErrorCode.INVALID_SEGMENT_DEFINITION]: 422,
  [SegmentsErrorCode.SEGMENT_IN_USE]: 409,
  [SegmentsErrorCode.SEGMENT_ARCHIVED]: 409,
  [MessagingErrorCode.MESSAGE_NOT_FOUND]: 404,
  [MessagingErrorCode.SUPPRESSION_NOT_FOUND]: 404,
  [MessagingErrorCode.LINK_NOT_FOUND]: 404,
  [MessagingErrorCode.RESUBSCRIBE_NOT_ALLOWED]: 409,
  [MessagingErrorCode.INBOUND_TOKEN_NOT_FOUND]: 404,
  [ExperimentsErrorCode.EXPERIMENT_NOT_FOUND]: 404,
  [ExperimentsErrorCode.EXPERIMENT_KEY_TAKEN]: 409,
  [ExperimentsErrorCode.EXPERIMENT_RUNNING]: 409,
  [ExperimentsErrorCode.EXPERIMENT_NOT_RUNNING]: 409,
  [ExperimentsErrorCode.ASSIGNMENT_NOT_FOUND]: 404,
  [ExperimentsErrorCode.INVALID_EXPERIMENT_DEFINITION]: 422,
  [JourneysErrorCode.JOURNEY_NOT_FOUND]: 404,
  [JourneysErrorCode.JOURNEY_KEY_TAKEN]: 409,
  [JourneysErrorCode.INVALID_JOURNEY]: 422,
  [JourneysErrorCode.JOURNEY_ARCHIVED]: 409,
  [JourneysErrorCode.JOURNEY_NOT_PUBLISHED]: 409,
  [JourneysErrorCode.JOURNEY_NOT_LIVE]: 409,
  [JourneysErrorCode.RUN_NOT_FOUND]: 404,
};
