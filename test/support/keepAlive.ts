import http from 'node:http';
import https from 'node:https';

/**
 * Two GETs of `url` through one kept-alive agent with no idle timeout of its own (so it keeps a
 * socket until the server closes it: Node's keepSocketAlive), `idleMs` apart: whether each went
 * out on a reused socket. [false, true] means the server left the idle connection open.
 */
export async function reusedAfterIdle(url: string, idleMs: number, ca?: string): Promise<[boolean, boolean]> {
  const secure = url.startsWith('https:');
  const agent = secure ? new https.Agent({ keepAlive: true, ...(ca ? { ca } : {}) }) : new http.Agent({ keepAlive: true });
  const get = () =>
    new Promise<boolean>((resolve, reject) => {
      const req = (secure ? https : http).request(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(req.reusedSocket));
      });
      req.on('error', reject);
      req.end();
    });
  try {
    const first = await get();
    await new Promise((r) => setTimeout(r, idleMs));
    return [first, await get()];
  } finally {
    agent.destroy();
  }
}
