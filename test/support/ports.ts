import { createServer } from 'net';

/**
 * The first of `count` consecutive free local ports (the estate listens on a run of them).
 * Fixed ports per Jest worker collide when several test runs share a machine; ports found
 * free now almost never do.
 */
export async function freePorts(count: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 20000 + Math.floor(Math.random() * 20000);
    let ok = true;
    for (let p = first; p < first + count && ok; p++) ok = await free(p);
    if (ok) return first;
  }
  throw new Error(`no ${count} consecutive free ports`);
}
