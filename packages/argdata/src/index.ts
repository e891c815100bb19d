/**
 * `@cabi/argdata`: the CloudABI argdata binary codec and cloudabi-run style
 * YAML/JSON configurations.
 *
 * @packageDocumentation
 */

export { argdataToYaml } from './argdata-to-yaml.js';
export type { ArgdataErrorCode } from './errors.js';
export { ArgdataError, ArgdataYamlError } from './errors.js';
export type { IntKind, IntOf } from './reader.js';
export { ArgdataMapIterator, ArgdataReader, ArgdataSeqIterator, decode } from './reader.js';
export type { RemapResult } from './remap.js';
export { remapFds } from './remap.js';
export type { ArgdataInput, ArgdataType, ArgdataValue } from './values.js';
export { ArgdataMap, argdataEquals, argdataTypeOf, Fd, Timestamp } from './values.js';
export type { EncodeOptions, EncodeResult } from './writer.js';
export { encode } from './writer.js';
export type {
  SocketAddress,
  TagLocation,
  TagRequest,
  TagResult,
  YamlToArgdataAsyncOptions,
  YamlToArgdataOptions,
} from './yaml-to-argdata.js';
export { CLOUDABI_TAG_PREFIX, YAML_MAX_DEPTH, yamlToArgdata, yamlToArgdataAsync } from './yaml-to-argdata.js';
