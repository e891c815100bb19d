// What a page needs to run a program: the runner (which brings the kernel, loader and CPU).
export { runProgram, serveWorker } from '@cabi/kernel/web';
