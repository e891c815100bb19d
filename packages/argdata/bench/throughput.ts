// Encode/decode throughput for a ~1 MiB cloudabi-run style configuration.
// Run with `pnpm bench` (prints MiB/s; nothing is asserted).
import {
  ArgdataMap,
  ArgdataReader,
  type ArgdataValue,
  argdataToYaml,
  decode,
  encode,
  Fd,
  Timestamp,
  yamlToArgdata,
} from '../src/index.js';

/** A config of many small services: strings, ints, floats, bools, fds, lists, maps. */
function makeConfig(targetBytes: number): ArgdataValue {
  const services: ArgdataValue[] = [];
  const config = new ArgdataMap([
    ['version', 3n],
    ['started', new Timestamp(1_700_000_000_000_000_000n)],
    ['services', services],
  ]);
  for (let i = 0; encode(config).bytes.length < targetBytes; i++) {
    for (let k = 0; k < 64; k++, i++) {
      services.push(
        new ArgdataMap([
          ['name', `service-${i}`],
          ['port', BigInt(1024 + (i % 60000))],
          ['weight', (i % 17) / 7],
          ['enabled', i % 3 !== 0],
          ['log', new Fd(3 + (i % 50))],
          ['tags', ['alpha', 'beta', `shard-${i % 32}`]],
          [
            'limits',
            new ArgdataMap([
              ['memory', BigInt(i) * 1_048_576n],
              ['cpu', 0.25],
            ]),
          ],
          ['motd', 'Grüße aus Köln — ünïcödé text'],
        ]),
      );
    }
  }
  return config;
}

function time(label: string, bytes: number, f: () => unknown): void {
  // Warm up, then run for at least ~1 s.
  for (let i = 0; i < 3; i++) f();
  let runs = 0;
  const start = performance.now();
  let now = start;
  while (now - start < 1000) {
    f();
    runs++;
    now = performance.now();
  }
  const seconds = (now - start) / 1000 / runs;
  const mib = bytes / (1024 * 1024);
  console.log(
    `${label.padEnd(34)} ${(mib / seconds).toFixed(1).padStart(8)} MiB/s  (${(seconds * 1000).toFixed(2)} ms per run)`,
  );
}

/** Visits every value with the zero-copy reader and calls the matching getter. */
function walk(bytes: Uint8Array): number {
  let n = 0;
  const stack = [new ArgdataReader(bytes)];
  while (stack.length > 0) {
    const r = stack.pop()!;
    n++;
    switch (r.type) {
      case 'map':
        for (const [k, v] of r.mapIterate()) stack.push(k, v);
        break;
      case 'seq':
        for (const v of r.seqIterate()) stack.push(v);
        break;
      case 'str':
        r.getStr();
        break;
      case 'int':
        r.getInt('i64');
        break;
      case 'float':
        r.getFloat();
        break;
      case 'bool':
        r.getBool();
        break;
      case 'fd':
        r.getFd();
        break;
      case 'timestamp':
        r.getTimestamp();
        break;
      default:
        break;
    }
  }
  return n;
}

const config = makeConfig(1 << 20);
const { bytes, fds } = encode(config);
const yaml = argdataToYaml(config);
const yamlBytes = new TextEncoder().encode(yaml).length;
const resolveTag = () => 7;
console.log(
  `config: ${(bytes.length / 1048576).toFixed(2)} MiB of argdata, ${fds.length} distinct fds, ` +
    `${(yamlBytes / 1048576).toFixed(2)} MiB as YAML`,
);
time('encode (value → argdata)', bytes.length, () => encode(config));
time('decode (argdata → value)', bytes.length, () => decode(bytes));
time('reader walk (zero-copy getters)', bytes.length, () => walk(bytes));
time('YAML → argdata value (YAML bytes)', yamlBytes, () => yamlToArgdata(yaml, { resolveTag }));
time('argdata value → YAML (YAML bytes)', yamlBytes, () => argdataToYaml(config));
