/*
 * A small stack-based bytecode interpreter (switch dispatch) running a loop that mixes integer
 * arithmetic, a local array and conditional branches, `size` iterations. Checksum: the VM's
 * accumulator at the end.
 */
#include "bench.h"

const char bench_name[] = "vm";

enum {
  OP_PUSH,   /* imm */
  OP_LOAD,   /* local */
  OP_STORE,  /* local */
  OP_ADD,
  OP_SUB,
  OP_MUL,
  OP_XOR,
  OP_SHR,    /* imm */
  OP_AND,    /* imm */
  OP_JNZ,    /* target */
  OP_JLT,    /* target: pops b, a; jumps when a < b */
  OP_JMP,    /* target */
  OP_ALOAD,  /* pops index; pushes arr[index & 63] */
  OP_ASTORE, /* pops value, index; arr[index & 63] = value */
  OP_HALT,
};

/* locals: 0 = counter (counts down), 1 = x, 2 = acc, 3 = scratch */
static const int64_t program[] = {
    /* 0 */ OP_LOAD, 0, OP_JNZ, 6, OP_JMP, 68,
    /* 6: x = x * 6364136223846793005 + 1442695040888963407 */
    OP_LOAD, 1, OP_PUSH, 6364136223846793005, OP_MUL, OP_PUSH, 1442695040888963407, OP_ADD, OP_STORE, 1,
    /* 16: scratch = (x >> 33) */
    OP_LOAD, 1, OP_SHR, 33, OP_STORE, 3,
    /* 22: arr[scratch] = arr[scratch] + scratch */
    OP_LOAD, 3, OP_LOAD, 3, OP_ALOAD, OP_LOAD, 3, OP_ADD, OP_ASTORE,
    /* 31: if (scratch & 1023) < 300 then acc ^= arr[counter] else acc += scratch */
    OP_LOAD, 3, OP_AND, 1023, OP_PUSH, 300, OP_JLT, 51,
    /* 39 */ OP_LOAD, 2, OP_LOAD, 3, OP_ADD, OP_STORE, 2, OP_JMP, 59, OP_HALT, OP_HALT, OP_HALT,
    /* 51 */ OP_LOAD, 2, OP_LOAD, 0, OP_ALOAD, OP_XOR, OP_STORE, 2,
    /* 59: counter = counter - 1; loop */
    OP_LOAD, 0, OP_PUSH, 1, OP_SUB, OP_STORE, 0, OP_JMP, 0,
    /* 68 */ OP_HALT,
};

static int64_t execute(const int64_t *code, int64_t *locals, int64_t *arr) {
  int64_t stack[64];
  int sp = 0;
  size_t pc = 0;
  for (;;) {
    int64_t op = code[pc++];
    switch (op) {
      case OP_PUSH: stack[sp++] = code[pc++]; break;
      case OP_LOAD: stack[sp++] = locals[code[pc++]]; break;
      case OP_STORE: locals[code[pc++]] = stack[--sp]; break;
      case OP_ADD: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] + (uint64_t)stack[sp]); break;
      case OP_SUB: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] - (uint64_t)stack[sp]); break;
      case OP_MUL: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] * (uint64_t)stack[sp]); break;
      case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
      case OP_SHR: stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] >> code[pc++]); break;
      case OP_AND: stack[sp - 1] &= code[pc++]; break;
      case OP_JNZ: {
        int64_t target = code[pc++];
        if (stack[--sp] != 0) pc = (size_t)target;
        break;
      }
      case OP_JLT: {
        int64_t target = code[pc++];
        sp -= 2;
        if (stack[sp] < stack[sp + 1]) pc = (size_t)target;
        break;
      }
      case OP_JMP: pc = (size_t)code[pc]; break;
      case OP_ALOAD: stack[sp - 1] = arr[stack[sp - 1] & 63]; break;
      case OP_ASTORE: sp -= 2; arr[stack[sp] & 63] = stack[sp + 1]; break;
      case OP_HALT: return locals[2];
      default: bench_fail("bad opcode");
    }
    if (sp < 0 || sp > 60) bench_fail("stack out of range");
  }
}

uint64_t bench_run(uint64_t size) {
  int64_t locals[4] = {(int64_t)size, 0x1234567, 0, 0};
  int64_t *arr = bench_alloc(64 * sizeof(int64_t));
  int64_t acc = execute(program, locals, arr);
  uint64_t sum = (uint64_t)acc;
  for (int i = 0; i < 64; i++) sum = bench_mix(sum ^ (uint64_t)arr[i]);
  return sum;
}
