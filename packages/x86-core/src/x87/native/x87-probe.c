/*
 * Host-CPU probe for the x87 tests. Each input line describes one case:
 *   cw n a b mem code [sw]
 * (hex fields: control word; number of stack entries to load (0-8: ST(0) = a, the rest b);
 * a and b as 20 hex digits sign/exponent then significand; 112 bytes of memory
 * operand as 224 hex digits; the instruction bytes, whose memory operand addresses [rdi]; optionally
 * status-word bits to preset before the instruction: condition codes and masked exception flags).
 * For each case it prints: status word, full tag word, RFLAGS (arithmetic bits), the 112 memory
 * bytes after the instruction, and ST(0)..ST(7) from FNSAVE as 20 hex digits each.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Bytes of memory operand (enough for FNSAVE's 108-byte image). */
#define MEM 112

static int hexval(int c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }

static void parse_hex_bytes(const char *s, unsigned char *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = (unsigned char)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
}

/* Parses "sesesig" (4 + 16 hex digits) into a 10-byte little-endian extended value. */
static void parse_f80(const char *s, unsigned char *out) {
  unsigned se = (unsigned)strtoul((char[]){s[0], s[1], s[2], s[3], 0}, NULL, 16);
  unsigned long long sig = strtoull(s + 4, NULL, 16);
  memcpy(out, &sig, 8);
  out[8] = se & 0xff;
  out[9] = se >> 8;
}

int main(void) {
  unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) return 1;
  char line[1024];
  while (fgets(line, sizeof line, stdin)) {
    char cwS[8], aS[32], bS[32], memS[2 * MEM + 8], codeS[64], swS[8] = "0";
    unsigned n;
    if (sscanf(line, "%7s %u %31s %31s %239s %63s %7s", cwS, &n, aS, bS, memS, codeS, swS) < 6) continue;
    unsigned swInit = (unsigned)strtoul(swS, NULL, 16);
    unsigned short cw = (unsigned short)strtoul(cwS, NULL, 16);
    unsigned char a[16] = {0}, b[16] = {0}, mem[MEM], save[108];
    parse_f80(aS, a);
    parse_f80(bS, b);
    parse_hex_bytes(memS, mem, MEM);
    size_t len = strlen(codeS) / 2;
    parse_hex_bytes(codeS, code, len);
    code[len] = 0xc3;
    unsigned long long fl;
    __asm__ volatile("fninit\n\tfldcw %0" ::"m"(cw));
    for (unsigned i = 1; i < n; i++) __asm__ volatile("fldt %0" ::"m"(*(unsigned char(*)[10])b));
    if (n > 0) __asm__ volatile("fldt %0" ::"m"(*(unsigned char(*)[10])a));
    if (swInit) {
      /* Preset condition codes and (masked) exception flags, keeping TOP. */
      unsigned char env[28];
      __asm__ volatile("fnstenv %0" : "=m"(env));
      unsigned sw = (env[4] | env[5] << 8) & 0x3800;
      sw |= swInit & ~0x3800u;
      env[4] = sw & 0xff;
      env[5] = sw >> 8;
      __asm__ volatile("fldenv %0" ::"m"(env));
    }
    __asm__ volatile(
        "sub $256, %%rsp\n\t"
        "mov %[mem], %%rdi\n\t"
        "call *%[fn]\n\t"
        "pushfq\n\t"
        "pop %[fl]\n\t"
        "add $256, %%rsp\n\t"
        "fnsave %[save]"
        : [fl] "=r"(fl), [save] "=m"(save)
        : [mem] "r"(mem), [fn] "r"(code)
        : "rdi", "memory", "cc");
    unsigned sw = save[4] | save[5] << 8, tw = save[8] | save[9] << 8;
    printf("%04x %04x %04llx ", sw, tw, fl & 0x8d5);
    for (int i = 0; i < MEM; i++) printf("%02x", mem[i]);
    for (int r = 0; r < 8; r++) {
      const unsigned char *p = save + 28 + 10 * r;
      printf(" %02x%02x", p[9], p[8]);
      for (int i = 7; i >= 0; i--) printf("%02x", p[i]);
    }
    printf("\n");
  }
  return 0;
}
