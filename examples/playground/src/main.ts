/**
 * The playground page: pick or drop a CloudABI executable, edit its config and its in-memory
 * files, run it (in a Worker by default), and watch its output, its system calls and how it ended.
 */
import { memoryHost } from '@cabi/kernel/memory';
import {
  clearTree,
  type FileTree,
  loadFromOpfs,
  opfsAvailable,
  type RunResult,
  readTree,
  runProgram,
  saveToOpfs,
  traceFilter,
  type WebTraceEvent,
  writeTree,
} from '@cabi/kernel/web';
import { EXAMPLES } from './examples.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const exampleSelect = $<HTMLSelectElement>('example');
const configText = $<HTMLTextAreaElement>('config');
const terminal = $<HTMLPreElement>('terminal');
const traceView = $<HTMLPreElement>('trace');
const traceFilterInput = $<HTMLInputElement>('trace-filter');
const statusView = $<HTMLSpanElement>('status');
const runButton = $<HTMLButtonElement>('run');
const stopButton = $<HTMLButtonElement>('stop');
const stdinInput = $<HTMLInputElement>('stdin');
const stdinEof = $<HTMLButtonElement>('stdin-eof');
const treeView = $<HTMLUListElement>('tree');
const viewer = $<HTMLPreElement>('viewer');

const fs = memoryHost();
let executable: Uint8Array | null = null;
let programName = '';
let running: AbortController | null = null;

// ---- Program selection -------------------------------------------------------------------------

for (const example of EXAMPLES) exampleSelect.add(new Option(example.name, example.name));

async function selectExample(name: string): Promise<void> {
  const example = EXAMPLES.find((e) => e.name === name)!;
  $('example-description').textContent = example.description;
  configText.value = example.config;
  clearTree(fs);
  writeTree(fs, example.files);
  renderTree();
  const response = await fetch(example.url);
  executable = new Uint8Array(await response.arrayBuffer());
  setProgram(example.name);
}

function setProgram(name: string): void {
  programName = name;
  $('program-name').textContent = `${name} (${executable?.length ?? 0} bytes)`;
  runButton.disabled = running !== null || executable === null;
}

async function takeFile(file: File): Promise<void> {
  executable = new Uint8Array(await file.arrayBuffer());
  setProgram(file.name);
}

exampleSelect.addEventListener('change', () => void selectExample(exampleSelect.value));
$<HTMLInputElement>('pick').addEventListener('change', (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) void takeFile(file);
});
const drop = $('drop');
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const file = event.dataTransfer?.files[0];
  if (file) void takeFile(file);
});

// ---- Files -------------------------------------------------------------------------------------

const isDirectory = (value: FileTree[string]): value is FileTree =>
  typeof value === 'object' && !(value instanceof Uint8Array) && typeof value.symlink !== 'string';

function renderTree(): void {
  treeView.replaceChildren();
  const walk = (tree: FileTree, prefix: string, depth: number) => {
    for (const name of Object.keys(tree).sort()) {
      const value = tree[name]!;
      const path = `${prefix}${name}`;
      const li = document.createElement('li');
      const entry = document.createElement('span');
      entry.className = 'entry';
      entry.style.paddingLeft = `${depth * 1.2}em`;
      const size = document.createElement('span');
      size.className = 'size';
      if (value instanceof Uint8Array) {
        entry.textContent = name;
        size.textContent = `${value.length} B`;
        entry.addEventListener('click', () => showFile(path, value));
      } else if (isDirectory(value)) {
        entry.textContent = `${name}/`;
      } else if (typeof value === 'object') {
        entry.textContent = `${name} -> ${value.symlink}`;
      }
      const remove = document.createElement('button');
      remove.className = 'delete';
      remove.type = 'button';
      remove.title = `delete ${path}`;
      remove.textContent = '×';
      remove.addEventListener('click', () => {
        deletePath(path);
        renderTree();
      });
      li.append(entry, size, remove);
      li.dataset.path = path;
      treeView.append(li);
      if (isDirectory(value)) walk(value, `${path}/`, depth + 1);
    }
  };
  walk(readTree(fs.root), '', 0);
}

function showFile(path: string, bytes: Uint8Array): void {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 16384));
  const printable = [...bytes.subarray(0, 512)].every((b) => b >= 9 && b !== 0x7f);
  viewer.hidden = false;
  viewer.textContent = `${path} (${bytes.length} bytes)\n\n${printable ? text : hexdump(bytes.subarray(0, 512))}`;
}

function hexdump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = [...bytes.subarray(i, i + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    lines.push(`${i.toString(16).padStart(6, '0')}  ${row}`);
  }
  return lines.join('\n');
}

/** A tree holding `content` at `path` (a/b/c → {a: {b: {c: content}}}). */
function treeAt(path: string, content: Uint8Array | string): FileTree {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) throw new Error(`"${path}" is not a path below the root`);
  let tree: FileTree = { [parts.pop()!]: content };
  while (parts.length > 0) tree = { [parts.pop()!]: tree };
  return tree;
}

function deletePath(path: string): void {
  const tree = readTree(fs.root);
  const parts = path.split('/');
  let dir: FileTree = tree;
  for (const part of parts.slice(0, -1)) dir = dir[part] as FileTree;
  delete dir[parts[parts.length - 1]!];
  clearTree(fs);
  writeTree(fs, tree);
}

$('add-file').addEventListener('click', () => {
  try {
    writeTree(fs, treeAt($<HTMLInputElement>('new-path').value, $<HTMLTextAreaElement>('new-content').value));
    renderTree();
  } catch (error) {
    alert((error as Error).message);
  }
});
$<HTMLInputElement>('upload').addEventListener('change', async (event) => {
  for (const file of (event.target as HTMLInputElement).files ?? []) {
    writeTree(fs, { [file.name]: new Uint8Array(await file.arrayBuffer()) });
  }
  renderTree();
});
const opfsStatus = $('opfs-status');
if (!opfsAvailable()) {
  $<HTMLButtonElement>('save-opfs').disabled = true;
  $<HTMLButtonElement>('load-opfs').disabled = true;
  opfsStatus.textContent = 'browser storage unavailable here';
}
$('save-opfs').addEventListener('click', async () => {
  try {
    const saved = await saveToOpfs('playground', fs);
    opfsStatus.textContent = `saved ${saved.files} files, ${saved.bytes} bytes`;
  } catch (error) {
    opfsStatus.textContent = (error as Error).message;
  }
});
$('load-opfs').addEventListener('click', async () => {
  try {
    opfsStatus.textContent = (await loadFromOpfs('playground', fs)) ? 'loaded' : 'nothing saved yet';
    renderTree();
  } catch (error) {
    opfsStatus.textContent = (error as Error).message;
  }
});

// ---- Terminal and stdin ------------------------------------------------------------------------

const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };

function print(text: string, className: 'stdout' | 'stderr' | 'note'): void {
  const span = document.createElement('span');
  span.className = className;
  span.textContent = text;
  terminal.append(span);
  terminal.scrollTop = terminal.scrollHeight;
}

/** Lines typed by the user, waiting for the program to read them; null marks end of input. */
const typed: (Uint8Array | null)[] = [];
let reader: ((chunk: Uint8Array | null) => void) | null = null;
function supply(chunk: Uint8Array | null): void {
  if (reader) {
    const deliver = reader;
    reader = null;
    deliver(chunk);
  } else typed.push(chunk);
}
function nextInput(): Promise<Uint8Array | null> {
  if (typed.length > 0) return Promise.resolve(typed.shift()!);
  return new Promise((resolve) => {
    reader = resolve;
  });
}
$<HTMLFormElement>('stdin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const line = `${stdinInput.value}\n`;
  stdinInput.value = '';
  print(line, 'note');
  supply(new TextEncoder().encode(line));
});
stdinEof.addEventListener('click', () => {
  supply(null);
  stdinInput.disabled = true;
  stdinEof.disabled = true;
});

// ---- Trace -------------------------------------------------------------------------------------

const MAX_TRACE = 50_000;
let events: WebTraceEvent[] = [];
let shown = 0;
let filter = traceFilter('');
let renderQueued = false;

function queueTraceRender(full = false): void {
  if (full) {
    traceView.replaceChildren();
    shown = 0;
  }
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    const fragment = document.createDocumentFragment();
    for (; shown < events.length; shown++) {
      const event = events[shown]!;
      if (!filter(event)) continue;
      const line = document.createElement('div');
      line.textContent = event.line;
      if (event.errno !== 0) line.className = 'error';
      fragment.append(line);
    }
    traceView.append(fragment);
    traceView.scrollTop = traceView.scrollHeight;
    const matching = traceView.childElementCount;
    $('trace-count').textContent =
      `${matching} of ${events.length} calls${events.length >= MAX_TRACE ? ' (capped)' : ''}`;
  });
}
traceFilterInput.addEventListener('input', () => {
  filter = traceFilter(traceFilterInput.value);
  queueTraceRender(true);
});

// ---- Running -----------------------------------------------------------------------------------

function describe(result: RunResult): string {
  const status = result.status;
  const time = Number.isFinite(result.durationMs) ? ` in ${result.durationMs.toFixed(0)} ms` : '';
  if ('exitCode' in status) return `exited with status ${status.exitCode}${time}`;
  const why = status.fault ? `: ${status.fault.message}` : status.reason ? `: ${status.reason}` : '';
  return `terminated by ${status.signal}${why}${time}`;
}

function setStatus(text: string, state: 'idle' | 'running' | 'ok' | 'failed'): void {
  statusView.textContent = text;
  statusView.dataset.state = state;
}

async function run(): Promise<void> {
  if (!executable || running) return;
  const controller = new AbortController();
  running = controller;
  runButton.disabled = true;
  stopButton.disabled = false;
  stdinInput.disabled = false;
  stdinEof.disabled = false;
  typed.length = 0;
  terminal.replaceChildren();
  events = [];
  queueTraceRender(true);
  setStatus('running…', 'running');
  const useWorker = $<HTMLInputElement>('use-worker').checked;
  try {
    const result = await runProgram({
      executable,
      config: configText.value,
      configName: 'config.yaml',
      fs,
      stdin: nextInput,
      stdout: (data) => print(decoders.stdout.decode(data, { stream: true }), 'stdout'),
      stderr: (data) => print(decoders.stderr.decode(data, { stream: true }), 'stderr'),
      trace: (event) => {
        if (events.length < MAX_TRACE) events.push(event);
        queueTraceRender();
      },
      signal: controller.signal,
      ...(useWorker
        ? { worker: () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }) }
        : {}),
    });
    setStatus(describe(result), result.code === 0 ? 'ok' : 'failed');
    statusView.dataset.code = String(result.code);
  } catch (error) {
    print(`${(error as Error).message}\n`, 'stderr');
    setStatus(`could not start ${programName}`, 'failed');
    statusView.dataset.code = '';
  } finally {
    running = null;
    supply(null);
    reader = null;
    runButton.disabled = false;
    stopButton.disabled = true;
    stdinInput.disabled = true;
    stdinEof.disabled = true;
    renderTree();
    queueTraceRender();
  }
}

runButton.addEventListener('click', () => void run());
stopButton.addEventListener('click', () => running?.abort());

void selectExample(EXAMPLES[0]!.name).then(() => {
  document.body.dataset.ready = 'true';
});
