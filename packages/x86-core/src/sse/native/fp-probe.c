/*
 * Host-CPU probe for the SSE floating-point semantic tests.
 *
 * Reads lines "<op> <mxcsr-hex> <a-hex64> <b-hex64>" from stdin, executes the named instruction on
 * the real CPU with MXCSR loaded from the line, and prints "<result-hex64> <mxcsr-hex> <rflags-hex>"
 * (or "FAULT <mxcsr-hex>" when an unmasked SIMD exception raised #XM). Operand a is the destination
 * (first source) register, operand b the second source; both are loaded with movq, so the upper lanes
 * are zero. Built by the tests with gcc -O0 -msse2 -msse4.2.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static sigjmp_buf jb;
static volatile uint32_t fault_mxcsr;

static void on_fpe(int sig, siginfo_t *si, void *ctx) {
  (void)sig;
  (void)si;
  ucontext_t *uc = (ucontext_t *)ctx;
  fault_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
  siglongjmp(jb, 1);
}

/* Two-operand xmm form: insn %xmm1, %xmm0; result = xmm0 low 64 bits. */
#define XX(name, insn)                                                                            \
  if (!strcmp(op, name)) {                                                                        \
    __asm__ volatile("ldmxcsr %[m]\n\tmovq %[a], %%xmm0\n\tmovq %[b], %%xmm1\n\t" insn             \
                     " %%xmm1, %%xmm0\n\tmovq %%xmm0, %[r]\n\tstmxcsr %[mo]\n\tpushfq\n\tpopq %[f]" \
                     : [r] "=&r"(res), [mo] "=m"(mxo), [f] "=&r"(fl)                               \
                     : [m] "m"(mx), [a] "r"(a), [b] "r"(b)                                         \
                     : "xmm0", "xmm1", "cc");                                                      \
    goto done;                                                                                    \
  }
/* xmm source, general-purpose destination: insn %xmm1, %rax/%eax. */
#define XG(name, insn, reg)                                                                          \
  if (!strcmp(op, name)) {                                                                           \
    __asm__ volatile("ldmxcsr %[m]\n\tmovq %[b], %%xmm1\n\txorq %%rax, %%rax\n\t" insn " %%xmm1, " reg \
                     "\n\tmovq %%rax, %[r]\n\tstmxcsr %[mo]"                                         \
                     : [r] "=&r"(res), [mo] "=m"(mxo)                                                \
                     : [m] "m"(mx), [b] "r"(b)                                                       \
                     : "rax", "xmm1", "cc");                                                         \
    goto done;                                                                                       \
  }
/* General-purpose source: insn %rax/%eax, %xmm0. */
#define GX(name, insn, reg)                                                                        \
  if (!strcmp(op, name)) {                                                                         \
    __asm__ volatile("ldmxcsr %[m]\n\tmovq %[a], %%xmm0\n\tmovq %[b], %%rax\n\t" insn " " reg      \
                     ", %%xmm0\n\tmovq %%xmm0, %[r]\n\tstmxcsr %[mo]"                              \
                     : [r] "=&r"(res), [mo] "=m"(mxo)                                              \
                     : [m] "m"(mx), [a] "r"(a), [b] "r"(b)                                         \
                     : "rax", "xmm0", "cc");                                                       \
    goto done;                                                                                     \
  }

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fpe;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGFPE, &sa, 0);
  char op[32];
  unsigned mxin;
  unsigned long long ain, bin;
  static char line[256];
  setvbuf(stdout, 0, _IOFBF, 1 << 16);
  while (fgets(line, sizeof line, stdin)) {
    if (sscanf(line, "%31s %x %llx %llx", op, &mxin, &ain, &bin) != 4) continue;
    volatile uint32_t mx = mxin;
    uint64_t a = ain, b = bin;
    uint64_t res = 0, fl = 0;
    uint32_t mxo = 0;
    if (sigsetjmp(jb, 1)) {
      printf("FAULT %x\n", (unsigned)fault_mxcsr);
      continue;
    }
    XX("addss", "addss") XX("subss", "subss") XX("mulss", "mulss") XX("divss", "divss")
    XX("minss", "minss") XX("maxss", "maxss") XX("sqrtss", "sqrtss")
    XX("addsd", "addsd") XX("subsd", "subsd") XX("mulsd", "mulsd") XX("divsd", "divsd")
    XX("minsd", "minsd") XX("maxsd", "maxsd") XX("sqrtsd", "sqrtsd")
    XX("cmpss0", "cmpeqss") XX("cmpss1", "cmpltss") XX("cmpss2", "cmpless") XX("cmpss3", "cmpunordss")
    XX("cmpss4", "cmpneqss") XX("cmpss5", "cmpnltss") XX("cmpss6", "cmpnless") XX("cmpss7", "cmpordss")
    XX("cmpsd0", "cmpeqsd") XX("cmpsd1", "cmpltsd") XX("cmpsd2", "cmplesd") XX("cmpsd3", "cmpunordsd")
    XX("cmpsd4", "cmpneqsd") XX("cmpsd5", "cmpnltsd") XX("cmpsd6", "cmpnlesd") XX("cmpsd7", "cmpordsd")
    XX("comiss", "comiss") XX("ucomiss", "ucomiss") XX("comisd", "comisd") XX("ucomisd", "ucomisd")
    XX("cvtss2sd", "cvtss2sd") XX("cvtsd2ss", "cvtsd2ss")
    XX("cvtps2pd", "cvtps2pd") XX("cvtpd2ps", "cvtpd2ps")
    XX("cvtdq2ps", "cvtdq2ps") XX("cvtps2dq", "cvtps2dq") XX("cvttps2dq", "cvttps2dq")
    XX("cvtdq2pd", "cvtdq2pd") XX("cvtpd2dq", "cvtpd2dq") XX("cvttpd2dq", "cvttpd2dq")
    XX("addps", "addps") XX("mulps", "mulps") XX("divps", "divps") XX("addpd", "addpd")
    XX("haddps", "haddps") XX("hsubps", "hsubps") XX("addsubps", "addsubps")
    XX("haddpd", "haddpd") XX("hsubpd", "hsubpd") XX("addsubpd", "addsubpd")
    XX("roundss0", "roundss $0,") XX("roundss1", "roundss $1,") XX("roundss2", "roundss $2,")
    XX("roundss3", "roundss $3,") XX("roundss4", "roundss $4,") XX("roundss8", "roundss $8,")
    XX("roundss12", "roundss $12,")
    XX("roundsd0", "roundsd $0,") XX("roundsd1", "roundsd $1,") XX("roundsd2", "roundsd $2,")
    XX("roundsd3", "roundsd $3,") XX("roundsd4", "roundsd $4,") XX("roundsd8", "roundsd $8,")
    XX("roundsd12", "roundsd $12,")
    XX("dpps", "dpps $0x31,") XX("dppd", "dppd $0x31,")
    XX("rcpss", "rcpss") XX("rsqrtss", "rsqrtss")
    XG("cvtss2si", "cvtss2si", "%%eax") XG("cvtss2si64", "cvtss2si", "%%rax")
    XG("cvttss2si", "cvttss2si", "%%eax") XG("cvttss2si64", "cvttss2si", "%%rax")
    XG("cvtsd2si", "cvtsd2si", "%%eax") XG("cvtsd2si64", "cvtsd2si", "%%rax")
    XG("cvttsd2si", "cvttsd2si", "%%eax") XG("cvttsd2si64", "cvttsd2si", "%%rax")
    GX("cvtsi2ss", "cvtsi2ssl", "%%eax") GX("cvtsi2ss64", "cvtsi2ssq", "%%rax")
    GX("cvtsi2sd", "cvtsi2sdl", "%%eax") GX("cvtsi2sd64", "cvtsi2sdq", "%%rax")
    printf("UNKNOWN %s\n", op);
    continue;
  done:
    printf("%016llx %x %llx\n", (unsigned long long)res, (unsigned)mxo, (unsigned long long)fl);
  }
  return 0;
}
