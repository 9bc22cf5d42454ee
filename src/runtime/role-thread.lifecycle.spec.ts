import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../config/config';
import { RoleThread } from './role-thread';

/** Real worker threads running small scripts that behave as the role thread's entry would, or fail as it might. */
describe('RoleThread', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-role-thread-'));
  const config = loadConfig({ WAYMARK_ROLES: 'worker' });
  const logger = pino({ level: 'silent' });
  const script = (name: string, body: string) => {
    const file = path.join(dir, `${name}.js`);
    fs.writeFileSync(file, `const { parentPort, workerData } = require('node:worker_threads');\n${body}\n`);
    return file;
  };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts once the thread reports ready, passes the config, and stop waits for the thread to end', async () => {
    const marker = path.join(dir, 'stopped');
    const entry = script(
      'ok',
      `parentPort.on('message', (m) => { if (m.type === 'stop') { require('node:fs').writeFileSync(${JSON.stringify(marker)}, workerData.config.roles.join(',')); process.exit(0); } });
       parentPort.postMessage({ type: 'ready' });`,
    );
    const crashes: string[] = [];
    const thread = await RoleThread.start(config, logger, (r) => crashes.push(r), entry);
    await thread.stop();
    expect(fs.readFileSync(marker, 'utf8')).toBe('worker');
    expect(crashes).toEqual([]);
  });

  it('rejects when the thread reports that its application failed to start', async () => {
    const entry = script(
      'failed',
      `parentPort.postMessage({ type: 'failed', message: 'no database' }); parentPort.close();`,
    );
    await expect(RoleThread.start(config, logger, () => undefined, entry)).rejects.toThrow(
      /failed to start: no database/,
    );
  });

  it('rejects when the thread ends or throws before it is ready', async () => {
    await expect(
      RoleThread.start(config, logger, () => undefined, script('ends', `process.exit(3);`)),
    ).rejects.toThrow(/exit code 3/);
    await expect(
      RoleThread.start(
        config,
        logger,
        () => undefined,
        script('throws', `throw new Error('boom at start');`),
      ),
    ).rejects.toThrow(/boom at start/);
  });

  it('reports a crash after start-up to the process, which must then stop', async () => {
    const entry = script(
      'crashes',
      `parentPort.postMessage({ type: 'ready' }); setTimeout(() => { throw new Error('lost it'); }, 50);`,
    );
    let crashed!: (reason: string) => void;
    const reason = new Promise<string>((resolve) => (crashed = resolve));
    const thread = await RoleThread.start(config, logger, (r) => crashed(r), entry);
    (thread as unknown as { worker: { postMessage(m: unknown): void } }).worker.postMessage({
      type: 'crash',
    });
    expect(await reason).toMatch(/lost it/);
  });
});
