/**
 * The one error type the loader throws. Every rejection of an executable carries a machine-readable
 * `code` and a message that says, in words, what is wrong with the file.
 */

/** Why an ELF file was rejected. */
export type ElfErrorCode =
  /** The file ends before a structure the header promises (ELF header, table, segment bytes). */
  | 'truncated'
  /** The first four bytes are not `7F 'E' 'L' 'F'`. */
  | 'bad-magic'
  /** EI_CLASS is not ELFCLASS64. */
  | 'bad-class'
  /** EI_DATA is not little-endian. */
  | 'bad-endianness'
  /** EI_VERSION or e_version is not EV_CURRENT (1). */
  | 'bad-version'
  /** EI_OSABI is not ELFOSABI_CLOUDABI (17). */
  | 'not-cloudabi'
  /** e_machine is not EM_X86_64 (62). */
  | 'bad-machine'
  /** e_type is neither ET_EXEC nor ET_DYN. */
  | 'bad-type'
  /** e_phentsize, e_phnum or e_ehsize are unusable (wrong entry size, no headers, too many). */
  | 'bad-program-headers'
  /** The program header table does not lie inside the file. */
  | 'program-headers-outside-file'
  /** A PT_INTERP segment asks for a dynamic linker; CloudABI executables are static. */
  | 'has-interpreter'
  /** There is no PT_LOAD segment at all. */
  | 'no-loadable-segments'
  /** A PT_LOAD segment's vaddr or file offset is not page-aligned. */
  | 'misaligned-segment'
  /** Two PT_LOAD segments share a page, or are not in ascending address order. */
  | 'overlapping-segments'
  /** A segment's p_filesz exceeds its p_memsz. */
  | 'filesz-exceeds-memsz'
  /** A segment's file bytes lie (partly) outside the file. */
  | 'segment-outside-file'
  /** A segment does not fit in the 4 GiB guest address space. */
  | 'segment-outside-address-space'
  /** e_entry does not point into an executable PT_LOAD segment. */
  | 'entry-not-executable'
  /** PT_TLS is malformed (more than one, filesz > memsz, bad alignment, outside the loaded image). */
  | 'bad-tls'
  /** PT_DYNAMIC, PT_GNU_RELRO or PT_PHDR is malformed or not inside the loaded image. */
  | 'bad-segment'
  /** The image could not be placed in guest memory (no free range large enough). */
  | 'no-memory';

/** A typed error raised for any file the loader cannot or will not load. */
export class ElfError extends Error {
  override readonly name = 'ElfError';
  /** Machine-readable reason. */
  readonly code: ElfErrorCode;

  constructor(code: ElfErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
