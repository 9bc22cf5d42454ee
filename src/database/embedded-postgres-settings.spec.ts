import { embeddedPostgresSettings, settingsArguments } from './embedded-postgres-settings';

const GB = 1024 ** 3;

describe('embedded PostgreSQL settings', () => {
  it.each([
    [0.5 * GB, '128MB', '512MB', '64MB'],
    [4 * GB, '1024MB', '2048MB', '128MB'],
    [24 * GB, '2048MB', '12288MB', '512MB'],
    [256 * GB, '2048MB', '16384MB', '512MB'],
  ])(
    'with %d bytes of memory: buffers %s, cache %s, maintenance %s',
    (memory, buffers, cache, maintenance) => {
      expect(embeddedPostgresSettings(memory)).toEqual({
        shared_buffers: buffers,
        effective_cache_size: cache,
        maintenance_work_mem: maintenance,
        max_wal_size: '2GB',
      });
    },
  );

  it('renders postgres -c arguments', () => {
    expect(settingsArguments({ shared_buffers: '1024MB', max_wal_size: '2GB' })).toBe(
      '-c shared_buffers=1024MB -c max_wal_size=2GB',
    );
  });
});
