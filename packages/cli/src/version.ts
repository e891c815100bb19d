/** The version of the cabi CLI, from its package.json. */
import pkg from '../package.json' with { type: 'json' };

/** The CLI's version string. */
export const VERSION: string = pkg.version;
