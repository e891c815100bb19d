/** The playground's worker: serves runs started with `runProgram({ worker })`. */
import { serveWorker } from '@cabi/kernel/web';

serveWorker();
