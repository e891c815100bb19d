/**
 * The bundled examples: fixture programs from the repository with a config and the files they
 * are granted.
 */

import type { FileTree } from '@cabi/kernel/web';
import argdumpUrl from '../../../fixtures/bin/argdump?url';
import cpUrl from '../../../fixtures/bin/cp?url';
import fileUrl from '../../../fixtures/bin/file?url';
import helloUrl from '../../../fixtures/bin/hello?url';
import lsUrl from '../../../fixtures/bin/ls?url';
import workersUrl from '../../../fixtures/bin/workers?url';

export interface Example {
  name: string;
  /** The fixture's file name in fixtures/bin. */
  program: string;
  description: string;
  url: string;
  config: string;
  files: FileTree;
}

const TAG = '%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\n';

/** Files every example starts with (each example's config grants some of them). */
const SAMPLE_FILES: FileTree = {
  docs: {
    'readme.txt': "This directory lives in the page's memory.\nPrograms see only what the config grants.\n",
    guides: {
      'start.md': '# Getting started\n\nRun a program, then look at the trace.\n',
      'big.bin': new Uint8Array(5000),
    },
  },
  scratch: {},
};

export const EXAMPLES: readonly Example[] = [
  {
    name: 'hello',
    program: 'hello',
    description: 'prints a greeting to the granted stdout',
    url: helloUrl,
    config: `${TAG}stdout: !fd stdout\nname: CloudABI\n`,
    files: SAMPLE_FILES,
  },
  {
    name: 'ls',
    program: 'ls',
    description: 'lists the granted directory (and nothing else)',
    url: lsUrl,
    config: `${TAG}stdout: !fd stdout\ndir: !file\n  path: docs\ndepth: 2\n`,
    files: SAMPLE_FILES,
  },
  {
    name: 'cp',
    program: 'cp',
    description: 'copies a granted file to stdout',
    url: cpUrl,
    config: `${TAG}input: !file\n  path: docs/readme.txt\noutput: !fd stdout\nstderr: !fd stderr\n`,
    files: SAMPLE_FILES,
  },
  {
    name: 'cat',
    program: 'cp',
    description: 'cp from stdin to stdout: type lines below, then press EOF',
    url: cpUrl,
    config: `${TAG}input: !fd 0\noutput: !fd stdout\nstderr: !fd stderr\n`,
    files: SAMPLE_FILES,
  },
  {
    name: 'argdump',
    program: 'argdump',
    description: 'prints the argdata it was given',
    url: argdumpUrl,
    config: `${TAG}stdout: !fd stdout\nname: CloudABI\nport: 8080\nratio: 0.5\nlist:\n  - 1\n  - two\n  - [3, 4]\nnested:\n  key: value\n`,
    files: SAMPLE_FILES,
  },
  {
    name: 'workers',
    program: 'workers',
    description: 'a thread pool sharing a job queue',
    url: workersUrl,
    config: `${TAG}stdout: !fd stdout\nthreads: 4\njobs: 12\n`,
    files: SAMPLE_FILES,
  },
  {
    name: 'escape',
    program: 'file',
    description: 'the file_* calls on a scratch directory, including attempts to leave it (ENOTCAPABLE)',
    url: fileUrl,
    config: `${TAG}stdout: !fd stdout\ndir: !file\n  path: scratch\n`,
    files: SAMPLE_FILES,
  },
];
