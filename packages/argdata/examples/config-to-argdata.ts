// Turns a small cloudabi-run YAML configuration into argdata, prints the bytes
// in hex, the descriptor list, and the argdata decoded back to YAML.
//
//   pnpm --filter @cabi/argdata example [config.yaml]
//
// Tags are resolved by a stand-in callback that hands out numbers 100, 101, …
// and describes what a real runtime would open; `cabi run` does the real thing.
import { readFileSync } from 'node:fs';
import { argdataToYaml, decode, encode, type TagRequest, yamlToArgdata } from '../src/index.js';

const SAMPLE = `%TAG ! tag:nuxi.nl,2015:cloudabi/
---
# A web server: where to log, what to serve, where to listen.
logfile: !fd stderr
root: !file
  path: /srv/www
socket: !socket
  bind: 0.0.0.0:8080
workers: 4
timeout: 2.5
hosts: [example.com, www.example.com]
`;

const path = process.argv[2];
const text = path === undefined ? SAMPLE : readFileSync(path, 'utf8');
let next = 100;
const describe = (r: TagRequest): string => {
  switch (r.tag) {
    case 'fd':
      return `host fd ${r.fd}${r.name === undefined ? '' : ` (${r.name})`}`;
    case 'file':
      return `open ${r.path} (${r.mode})`;
    case 'socket':
      return `${r.type} socket, ${r.bind !== undefined ? 'bind' : 'connect'} ${JSON.stringify(r.bind ?? r.connect)}`;
    case 'executable':
      return 'the executable';
  }
};

const value = yamlToArgdata(text, {
  filename: path ?? 'sample.yaml',
  resolveTag: (r) => {
    const id = next++;
    console.log(`${r.filename}:${r.line}:${r.column}: !${r.tag} → resource ${id}: ${describe(r)}`);
    return id;
  },
});
const { bytes, fds } = encode(value);
console.log(`\nargdata (${bytes.length} bytes):`);
for (let i = 0; i < bytes.length; i += 16) {
  const row = Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
  console.log(`  ${i.toString(16).padStart(4, '0')}  ${row}`);
}
console.log(`fds: [${fds.join(', ')}]  (guest fd i = resource fds[i])\n`);
console.log(argdataToYaml(decode(bytes)));
