/*
 * Native differential harness for @cabi/x86-core.
 *
 * Reads a stream of test cases on stdin, runs each one on the host CPU and writes the final
 * architectural state of each to stdout. A case is: the 16 GPRs, RFLAGS, a 512-byte FXSAVE image
 * (x87 control/status/tag words and registers, MXCSR, XMM0-15), the instruction bytes, and the
 * initial bytes of a data page. The layout below is mirrored by harness.ts.
 *
 * Address space seen by a snippet (the emulator side maps exactly the same):
 *   CODE_ADDR  one page, read+execute; the snippet followed by int3 (0xCC) filler
 *   DATA_ADDR  one page, read+write; the case's initial bytes, the rest zero
 *   RO_ADDR    one page, read-only; a fixed byte pattern (for protection-fault tests)
 *   everything else around them is unmapped
 *
 * How a case runs: `enter_case` (hand-written asm below) restores the FXSAVE image with fxrstor,
 * loads RFLAGS with popfq and all GPRs (rsp included), and jumps to CODE_ADDR. The int3 after the
 * snippet raises SIGTRAP; the kernel saves the complete user state in the signal frame (GPRs,
 * RFLAGS, rip, and an XSAVE area whose first 512 bytes are the FXSAVE layout), the handler copies it
 * out and siglongjmps back to the loop. A fault inside the snippet (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
 * or an int3 of its own) arrives the same way, so the faulting rip, the trap number and the fault
 * address are reported. Handlers run on an alternate stack because rsp belongs to the snippet.
 * A periodic SIGALRM ends a case that has not finished after a few hundred milliseconds.
 *
 * Segments: a snippet starts with null DS/ES/FS/GS selectors (SS and CS are Linux's user
 * selectors) and the case's FS/GS bases. A snippet may load segment registers, which replaces the
 * FS base glibc keeps its thread pointer in; the handlers therefore record selectors and bases and
 * put the harness's own back before anything else (the harness is built without stack protector,
 * whose canary lives in TLS).
 *
 * The code page is a memfd mapped twice: read+execute at CODE_ADDR for the snippet, read+write
 * elsewhere for the harness, so no per-case mprotect is needed. Writes through the alias are seen by
 * instruction fetch because every case starts after a kernel exit (iret serialises).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_ADDR 0x100000UL
#define DATA_ADDR 0x200000UL
#define RO_ADDR 0x201000UL
#define PAGE 4096UL
#define CODE_MAX 240
#define MAGIC_IN 0x4e494143u  /* "CAIN" */
#define MAGIC_OUT 0x54554f43u /* "COUT" */

/* Input record: a fixed header followed by data_len bytes. */
struct case_in {
  uint32_t magic;
  uint32_t code_len;
  uint32_t data_len;
  uint32_t flags;
  uint64_t gpr[16];
  uint64_t rflags;
  uint8_t fx[512];
  uint8_t code[CODE_MAX];
  /* FS and GS base the snippet starts with (set with arch_prctl just before it runs). */
  uint64_t fs_base;
  uint64_t gs_base;
};

/* Output record. signo is SIGTRAP with rip == CODE_ADDR+code_len+1 for a case that reached its
 * sentinel; a snippet that did not finish reports signo 0 and trapno -1 (timeout). */
struct case_out {
  uint32_t magic;
  int32_t signo;
  int32_t trapno;
  int32_t sicode;
  uint64_t rip;
  uint64_t rflags;
  uint64_t fault_addr;
  uint64_t err;
  uint64_t gpr[16];
  uint8_t fx[512];
  /* sum of byte[i] * (i + 1) over the data page beyond data_len (mod 2^32) */
  uint32_t tail_sum;
  uint32_t data_len;
  /* Segment selectors es, cs, ss, ds, fs, gs (the Sreg encoding order) when the case ended. */
  uint16_t sreg[6];
  uint32_t pad;
  /* FS and GS base when the case ended. */
  uint64_t fs_base;
  uint64_t gs_base;
};

/* The state enter_case loads; the FXSAVE image must be 16-byte aligned. */
struct entry_state {
  uint64_t gpr[16];
  uint64_t rflags;
  uint64_t pad;
  uint8_t fx[512] __attribute__((aligned(16)));
  uint64_t fs_base;
  uint64_t gs_base;
};

static struct entry_state entry __attribute__((aligned(64)));
static struct case_out result;
static sigjmp_buf back;
static volatile sig_atomic_t in_case;
static volatile uint32_t case_seq;
static uint32_t alarm_seen_seq;
static int alarm_ticks;
uint64_t code_entry = CODE_ADDR;

void enter_case(struct entry_state *s) __attribute__((noreturn));
__asm__(
    ".text\n"
    ".globl enter_case\n"
    ".type enter_case,@function\n"
    "enter_case:\n"
    /* arch_prctl(ARCH_SET_FS / ARCH_SET_GS, base): from here on no code may use TLS. */
    "  movq %rdi, %r12\n"
    "  movl $158, %eax\n"
    "  movl $0x1002, %edi\n"
    "  movq 656(%r12), %rsi\n"
    "  syscall\n"
    "  movl $158, %eax\n"
    "  movl $0x1001, %edi\n"
    "  movq 664(%r12), %rsi\n"
    "  syscall\n"
    "  movq %r12, %rdi\n"
    "  fxrstor64 144(%rdi)\n"
    "  pushq 128(%rdi)\n"
    "  popfq\n"
    "  movq 0(%rdi), %rax\n"
    "  movq 8(%rdi), %rcx\n"
    "  movq 16(%rdi), %rdx\n"
    "  movq 24(%rdi), %rbx\n"
    "  movq 32(%rdi), %rsp\n"
    "  movq 40(%rdi), %rbp\n"
    "  movq 48(%rdi), %rsi\n"
    "  movq 64(%rdi), %r8\n"
    "  movq 72(%rdi), %r9\n"
    "  movq 80(%rdi), %r10\n"
    "  movq 88(%rdi), %r11\n"
    "  movq 96(%rdi), %r12\n"
    "  movq 104(%rdi), %r13\n"
    "  movq 112(%rdi), %r14\n"
    "  movq 120(%rdi), %r15\n"
    "  movq 56(%rdi), %rdi\n"
    "  jmp *code_entry(%rip)\n"
    ".size enter_case, .-enter_case\n");

_Static_assert(__builtin_offsetof(struct entry_state, fx) == 144, "fx offset used by enter_case");
_Static_assert(__builtin_offsetof(struct entry_state, fs_base) == 656, "fs_base offset used by enter_case");
_Static_assert(sizeof(struct case_in) == 920, "input record size mirrored in harness.ts");
_Static_assert(sizeof(struct case_out) == 728, "output record size mirrored in harness.ts");

/* The harness's own FS base (glibc's thread pointer), put back before any C code runs after a case. */
static uint64_t harness_fs_base;

static long raw_arch_prctl(long code, uint64_t arg) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "0"(158L), "D"(code), "S"(arg) : "rcx", "r11", "memory");
  return ret;
}

/*
 * First thing in a signal handler that interrupted a snippet: record the segment selectors and
 * FS/GS bases the snippet left (the signal frame of a 64-bit process carries none of them), then
 * restore the harness's own (ARCH_SET_FS also nulls the FS selector). Uses no TLS.
 */
static void save_segments(void) {
  uint16_t v;
  __asm__ volatile("mov %%es, %0" : "=r"(v));
  result.sreg[0] = v;
  __asm__ volatile("mov %%cs, %0" : "=r"(v));
  result.sreg[1] = v;
  __asm__ volatile("mov %%ss, %0" : "=r"(v));
  result.sreg[2] = v;
  __asm__ volatile("mov %%ds, %0" : "=r"(v));
  result.sreg[3] = v;
  __asm__ volatile("mov %%fs, %0" : "=r"(v));
  result.sreg[4] = v;
  __asm__ volatile("mov %%gs, %0" : "=r"(v));
  result.sreg[5] = v;
  raw_arch_prctl(0x1003, (uint64_t)(uintptr_t)&result.fs_base);
  raw_arch_prctl(0x1004, (uint64_t)(uintptr_t)&result.gs_base);
  raw_arch_prctl(0x1002, harness_fs_base);
  raw_arch_prctl(0x1001, 0);
  uint16_t null = 0;
  __asm__ volatile("mov %0, %%ds\n\tmov %0, %%es" : : "r"(null));
}

static void die(const char *msg) {
  fprintf(stderr, "x86 harness: %s\n", msg);
  exit(2);
}

static void capture(int sig, siginfo_t *si, void *uctx) {
  ucontext_t *uc = (ucontext_t *)uctx;
  if (!in_case) {
    /* A fault in the harness itself: never expected. */
    signal(sig, SIG_DFL);
    return;
  }
  save_segments();
  greg_t *g = uc->uc_mcontext.gregs;
  result.signo = sig;
  result.trapno = (int32_t)g[REG_TRAPNO];
  result.sicode = si->si_code;
  result.err = (uint64_t)g[REG_ERR];
  result.fault_addr = (uint64_t)(uintptr_t)si->si_addr;
  result.rip = (uint64_t)g[REG_RIP];
  result.rflags = (uint64_t)g[REG_EFL];
  result.gpr[0] = (uint64_t)g[REG_RAX];
  result.gpr[1] = (uint64_t)g[REG_RCX];
  result.gpr[2] = (uint64_t)g[REG_RDX];
  result.gpr[3] = (uint64_t)g[REG_RBX];
  result.gpr[4] = (uint64_t)g[REG_RSP];
  result.gpr[5] = (uint64_t)g[REG_RBP];
  result.gpr[6] = (uint64_t)g[REG_RSI];
  result.gpr[7] = (uint64_t)g[REG_RDI];
  result.gpr[8] = (uint64_t)g[REG_R8];
  result.gpr[9] = (uint64_t)g[REG_R9];
  result.gpr[10] = (uint64_t)g[REG_R10];
  result.gpr[11] = (uint64_t)g[REG_R11];
  result.gpr[12] = (uint64_t)g[REG_R12];
  result.gpr[13] = (uint64_t)g[REG_R13];
  result.gpr[14] = (uint64_t)g[REG_R14];
  result.gpr[15] = (uint64_t)g[REG_R15];
  if (uc->uc_mcontext.fpregs)
    memcpy(result.fx, uc->uc_mcontext.fpregs, 512);
  else
    memset(result.fx, 0, 512);
  in_case = 0;
  siglongjmp(back, 1);
}

static void on_alarm(int sig, siginfo_t *si, void *uctx) {
  (void)sig;
  (void)si;
  if (!in_case) return;
  if (case_seq != alarm_seen_seq) {
    alarm_seen_seq = case_seq;
    alarm_ticks = 0;
    return;
  }
  if (++alarm_ticks < 2) return;
  save_segments();
  uint16_t sreg[6];
  memcpy(sreg, result.sreg, sizeof sreg);
  uint64_t fs_base = result.fs_base, gs_base = result.gs_base;
  ucontext_t *uc = (ucontext_t *)uctx;
  memset(&result, 0, sizeof result);
  memcpy(result.sreg, sreg, sizeof sreg);
  result.fs_base = fs_base;
  result.gs_base = gs_base;
  result.signo = 0;
  result.trapno = -1;
  result.rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
  in_case = 0;
  siglongjmp(back, 1);
}

static void *map_fixed(uint64_t addr, int prot, int flags, int fd) {
  void *p = mmap((void *)addr, PAGE, prot, flags | MAP_FIXED_NOREPLACE, fd, 0);
  if (p != (void *)addr) die("cannot map the fixed test pages (address range in use?)");
  return p;
}

static int read_full(void *buf, size_t len) {
  size_t got = fread(buf, 1, len, stdin);
  if (got == 0 && feof(stdin)) return 0;
  if (got != len) die("truncated input record");
  return 1;
}

int main(void) {
  if (raw_arch_prctl(0x1003, (uint64_t)(uintptr_t)&harness_fs_base) != 0) die("arch_prctl(ARCH_GET_FS) failed");
  int fd = memfd_create("cabi-x86-code", 0);
  if (fd < 0 || ftruncate(fd, PAGE) != 0) die("memfd_create failed");
  uint8_t *code_rw = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (code_rw == MAP_FAILED) die("cannot map code alias");
  map_fixed(CODE_ADDR, PROT_READ | PROT_EXEC, MAP_SHARED, fd);
  uint8_t *data = map_fixed(DATA_ADDR, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  uint8_t *ro = map_fixed(RO_ADDR, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  for (unsigned i = 0; i < PAGE; i++) ro[i] = (uint8_t)(i ^ 0xa5);
  if (mprotect(ro, PAGE, PROT_READ) != 0) die("mprotect failed");
  memset(code_rw, 0xcc, PAGE);

  static uint8_t altstack[1 << 18];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  if (sigaltstack(&ss, NULL) != 0) die("sigaltstack failed");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = capture;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    if (sigaction(sigs[i], &sa, NULL) != 0) die("sigaction failed");
  sa.sa_sigaction = on_alarm;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER;
  if (sigaction(SIGALRM, &sa, NULL) != 0) die("sigaction failed");
  struct itimerval it = {{0, 150000}, {0, 150000}};
  if (setitimer(ITIMER_REAL, &it, NULL) != 0) die("setitimer failed");

  static uint8_t inbuf[1 << 20], outbuf[1 << 20];
  setvbuf(stdin, (char *)inbuf, _IOFBF, sizeof inbuf);
  setvbuf(stdout, (char *)outbuf, _IOFBF, sizeof outbuf);

  static struct case_in in;
  unsigned prev_code = PAGE;
  for (;;) {
    if (!read_full(&in, sizeof in)) break;
    if (in.magic != MAGIC_IN || in.code_len > CODE_MAX || in.data_len > PAGE) die("bad input record");
    memset(data, 0, PAGE);
    if (in.data_len && !read_full(data, in.data_len)) die("truncated data");
    memset(code_rw, 0xcc, prev_code);
    memcpy(code_rw, in.code, in.code_len);
    prev_code = in.code_len + 1;

    memcpy(entry.gpr, in.gpr, sizeof entry.gpr);
    entry.rflags = in.rflags;
    memcpy(entry.fx, in.fx, 512);
    entry.fs_base = in.fs_base;
    entry.gs_base = in.gs_base;
    memset(&result, 0, sizeof result);

    if (sigsetjmp(back, 0) == 0) {
      case_seq++;
      in_case = 1;
      enter_case(&entry);
    }
    result.magic = MAGIC_OUT;
    result.data_len = in.data_len;
    uint32_t sum = 0;
    for (unsigned i = in.data_len; i < PAGE; i++) sum += (uint32_t)data[i] * (i + 1);
    result.tail_sum = sum;
    if (fwrite(&result, sizeof result, 1, stdout) != 1) die("write failed");
    if (in.data_len && fwrite(data, in.data_len, 1, stdout) != 1) die("write failed");
  }
  fflush(stdout);
  return 0;
}
