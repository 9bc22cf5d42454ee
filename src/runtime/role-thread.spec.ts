import { loadConfig } from '../config/config';
import { threadRoles } from './role-thread';

describe('threadRoles', () => {
  it.each([
    ['all roles (the default: WORKER_THREAD off)', {}, []],
    ['all roles with WORKER_THREAD=true', { WORKER_THREAD: 'true' }, ['worker', 'scheduler']],
    ['api and worker', { WAYMARK_ROLES: 'api,worker', WORKER_THREAD: 'true' }, ['worker']],
    ['api only: nothing to move', { WAYMARK_ROLES: 'api', WORKER_THREAD: 'true' }, []],
    [
      'no api: the process has no HTTP loop to protect',
      { WAYMARK_ROLES: 'worker,scheduler', WORKER_THREAD: 'true' },
      [],
    ],
  ])('%s', (_, env, expected) => {
    expect(threadRoles(loadConfig(env))).toEqual(expected);
  });
});
