// The floor of `list -A`: the same lists the plugin makes, in pages of the same size, one after the
// other over one keep-alive connection, each page run through JSON.parse and then dropped. Nothing is
// kept or summarised: what is left of the plugin's time and memory above this is its own work.
// Reads { url, ca, token, pageSize, lists: [{ path, labelSelector }] } from BENCH_RAW_LIST (the
// token stays off the command line) and prints the number of items of each list.
import https from 'node:https';

const { url, ca, token, pageSize, lists } = JSON.parse(process.env.BENCH_RAW_LIST);
const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });

function get(path, query) {
  const u = new URL(url.replace(/\/$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
  return new Promise((resolve, reject) => {
    const req = https.get(u, { agent, headers: { Accept: 'application/json', Authorization: `Bearer ${token}` } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const counts = [];
for (const { path, labelSelector } of lists) {
  let cont;
  let n = 0;
  do {
    const res = await get(path, { labelSelector, limit: pageSize, continue: cont });
    // A resource type the cluster does not serve (IngressRoute without Traefik's CRD): as the plugin.
    if (res.status === 404) break;
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body.slice(0, 200)}`);
    const page = JSON.parse(res.body);
    n += page.items?.length ?? 0;
    cont = page.metadata?.continue || undefined;
  } while (cont);
  counts.push(n);
}
agent.destroy();
console.log(JSON.stringify(counts));
