import { Foundation1763900000000 } from './1763900000000-foundation';
import { Segments1763900001000 } from './1763900001000-segments';
import { Content1763900002000 } from './1763900002000-content';
import { Models1763900003000 } from './1763900003000-models';
import { Messaging1763900004000 } from './1763900004000-messaging';
import { Experiments1763900005000 } from './1763900005000-experiments';
import { Journeys1763900006000 } from './1763900006000-journeys';
import { MessagingKinds1763900007000 } from './1763900007000-messaging-kinds';
import { ExperimentsWinnerPolicy1763900008000 } from './1763900008000-experiments-winner-policy';
import { ExperimentKpis1763900009000 } from './1763900009000-experiment-kpis';
import { IngestStatsFillfactor1763900010000 } from './1763900010000-ingest-stats-fillfactor';
import { SegmentTransitionsLog1763900011000 } from './1763900011000-segment-transitions-log';
import { EventsWindowIndex1763900012000 } from './1763900012000-events-window-index';
import { SegmentMembershipsWithoutFks1763900013000 } from './1763900013000-segment-memberships-without-fks';

/** Every migration, in order; the data source runs them at start-up and `npm run migrate` runs them alone. */
export const migrations = [
  Foundation1763900000000,
  Segments1763900001000,
  Content1763900002000,
  Models1763900003000,
  Messaging1763900004000,
  Experiments1763900005000,
  Journeys1763900006000,
  MessagingKinds1763900007000,
  ExperimentsWinnerPolicy1763900008000,
  ExperimentKpis1763900009000,
  IngestStatsFillfactor1763900010000,
  SegmentTransitionsLog1763900011000,
  EventsWindowIndex1763900012000,
  SegmentMembershipsWithoutFks1763900013000,
];
