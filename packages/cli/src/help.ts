/**
 * Help texts for every command. Each ends with examples, because that is what people read first.
 */

/** Top-level usage. */
export const MAIN_HELP = `cabi — run CloudABI x86-64 programs with exactly the capabilities you grant

Usage:
  cabi run [options] PROGRAM [CONFIG]       run a program (config: YAML or JSON, default: stdin)
  cabi trace [options] PROGRAM [CONFIG]     run it and print every system call
  cabi inspect [--json] PROGRAM             describe an executable
  cabi argdata encode|decode [options] [FILE]
                                            convert between YAML/JSON and binary argdata
  cabi help [COMMAND]                       show help for a command

Options for every command:
  -h, --help        show help
  -V, --version     show the version

Examples:
  cabi run hello hello.yaml
  cabi run ls --dir .=dir --stdout stdout
  cabi trace -c ls --dir /tmp=dir --stdout stdout
  cabi inspect ls
  echo 'answer: 42' | cabi argdata encode --hex
`;

/** Options shared by run and trace. */
const RUN_OPTIONS = `Config:
  The CONFIG file (or standard input when CONFIG is omitted and no flag below builds the config) is
  a cloudabi-run YAML document, or JSON. Tags, after "%TAG ! tag:nuxi.nl,2015:cloudabi/" and "---":
    !fd N | !fd stdout | !fd stderr       pass an open host file descriptor
    !file {path: P}                        open a host path; a directory becomes a directory
                                           capability, a file is read-only
    !file {path: P, mode: rw}              (cabi extension) open a file for reading and writing,
                                           creating it if needed; mode: w truncates it first
    !socket {type: stream|dgram, bind: A}  listen on host:port, [v6]:port or a Unix socket path
    !socket {type: stream, connect: A}     connect to A
    !executable                            the program's own executable

  Flags that build a map config instead (combinable with a CONFIG map):
    --dir HOSTPATH[=KEY]     grant a directory (KEY defaults to the directory's base name)
    --file HOSTPATH[=KEY]    grant a file, read-only
    --stdout KEY             pass cabi's standard output as KEY (likewise --stderr KEY, --stdin KEY)
    --arg KEY=VALUE          a string (or a YAML scalar: --arg n=3 gives an int)

Limits and determinism:
  --max-memory SIZE        guest memory per process (e.g. 512M, 2G; default 1G)
  --max-instructions N     stop the program after N instructions (SIGXCPU, exit status 152)
  --timeout SECONDS        stop the program after this much wall-clock time
  --seed N                 deterministic run: seeded clocks, randomness, scheduling and load address

Speed:
  --interpret              run every instruction on the interpreter instead of translating hot code
                           to WebAssembly (same results; slower except on very short runs)
  --jit                    translate hot code to WebAssembly (the default)
`;

/** `cabi run --help`. */
export const RUN_HELP = `cabi run — run a CloudABI program

Usage:
  cabi run [options] PROGRAM [CONFIG]

${RUN_OPTIONS}
Exit status:
  the program's exit code; 128 + signal number when a signal ended it (e.g. 139 for SIGSEGV);
  127 with a one-line reason when the program cannot start; 130 after Ctrl-C.

Examples:
  cabi run hello hello.yaml
  cabi run hello < hello.yaml
  cabi run ls --dir ./site=dir --stdout stdout
  cabi run --seed 1 --max-instructions 1e9 sort config.json
`;

/** `cabi trace --help`. */
export const TRACE_HELP = `cabi trace — run a CloudABI program and show its system calls

Usage:
  cabi trace [trace options] [run options] PROGRAM [CONFIG]

Trace options:
  -o FILE             write the trace to FILE instead of standard error
  -s N                show at most N bytes of strings and buffers (default 32)
  -f                  prefix each line with the process and thread (follows threads and forks)
  -e trace=SET        only these syscalls: names, or families (clock, fd, file, mem, poll, proc,
                      random, sock, thread, lock), comma-separated; !SET excludes
  -c                  print a summary table (calls, errors, time) instead of each call
  -T                  show the time spent in each call
  --json              one JSON object per call

${RUN_OPTIONS}
Examples:
  cabi trace hello hello.yaml
  cabi trace -f -T -e trace=file,fd ls --dir .=dir --stdout stdout
  cabi trace -c -o trace.txt workers config.yaml
`;

/** `cabi inspect --help`. */
export const INSPECT_HELP = `cabi inspect — describe a CloudABI executable without running it

Usage:
  cabi inspect [--json] PROGRAM

Shows the ELF header, the segments and their protections, thread-local storage, RELRO, the ABI era
(system calls through the vDSO, or raw 2015–2016 syscall instructions) and what the program needs.

Examples:
  cabi inspect hello
  cabi inspect --json hello | jq .segments
`;

/** `cabi argdata --help`. */
export const ARGDATA_HELP = `cabi argdata — convert between YAML/JSON configs and binary argdata

Usage:
  cabi argdata encode [--hex | --raw] [--no-remap] [-o FILE] [FILE]
                                  YAML or JSON → argdata (default: --hex)
  cabi argdata decode [--hex | --raw] [-o FILE] [FILE]
                                  argdata → YAML

FILE defaults to standard input. Descriptor leaves are numbered the way the program will see
them: each distinct descriptor gets 0, 1, 2, … in order of first appearance (depth first, map keys
before values), as argdata_serialize does for proc_exec; standard error lists what each number stands
for. --no-remap keeps the numbers written in !fd tags instead. Decoding accepts hex (whitespace
allowed) or raw bytes and detects which unless --hex or --raw is given.

Examples:
  echo 'answer: 42' | cabi argdata encode
  cabi argdata encode --raw config.yaml > config.bin
  cabi argdata decode config.bin
  echo 0681088678000581 | cabi argdata decode --hex
`;
