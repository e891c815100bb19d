// Every browser-facing entry of the packages: none may pull in a `node:` module.
export * as abiTypes from '@cabi/abi-types';
export * as argdata from '@cabi/argdata';
export * as elfLoader from '@cabi/elf-loader';
export * as kernel from '@cabi/kernel';
export * as kernelMemory from '@cabi/kernel/memory';
export * as kernelWeb from '@cabi/kernel/web';
export * as x86Core from '@cabi/x86-core';
