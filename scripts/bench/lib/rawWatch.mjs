// The floor of `watch`: one watch of the instances' pods, as the plugin's pod informer opens it, whose
// events are only split into lines and run through JSON.parse; each event becomes one line on stdout,
// as each transition does for the plugin. Reads { url, ca, token, path, labelSelector } from BENCH_RAW_WATCH
// (the token stays off the command line); prints "ready" once the stream is open.
import https from 'node:https';

const { url, ca, token, path, labelSelector } = JSON.parse(process.env.BENCH_RAW_WATCH);
const u = new URL(url.replace(/\/$/, '') + path);
u.searchParams.set('watch', '1');
u.searchParams.set('labelSelector', labelSelector);
// From now on: no ADDED events for what exists, only the changes to come.
const list = await new Promise((resolve, reject) => {
  const l = new URL(u);
  l.searchParams.delete('watch');
  l.searchParams.set('limit', '1');
  https.get(l, { ca, headers: { Accept: 'application/json', Authorization: `Bearer ${token}` } }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => resolve(JSON.parse(body)));
  }).on('error', reject);
});
u.searchParams.set('resourceVersion', list.metadata.resourceVersion);
https.get(u, { ca, headers: { Accept: 'application/json', Authorization: `Bearer ${token}` } }, (res) => {
  process.stdout.write('ready\n');
  let buf = '';
  res.setEncoding('utf8');
  res.on('data', (d) => {
    buf += d;
    let out = '';
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim() || JSON.parse(line).type === 'BOOKMARK') continue;
      out += '.\n';
    }
    if (out) process.stdout.write(out);
  });
});
