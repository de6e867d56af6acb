// SPDX-License-Identifier: GPL-2.0-only
//
// How much of an object file the readers take on. Every table is first bounded by the
// file size; these limits bound it further, so that a sparse file of a few bytes on
// disk cannot make a reader allocate gigabytes or loop for minutes.

/// The largest tables the readers accept; larger ones are refused with
/// `ObjectError.tooManyEntries` before anything is read from them.
public enum ObjectLimits {
    /// Section headers: 2^20, sixteen times the 65,279 an ELF header can count without
    /// extended numbering (a kernel object with one section per function stays below).
    /// At the limit the headers take 64 MiB of the file and about 0.5 GiB in memory.
    public static let sections = 1 << 20

    /// Entries of one symbol table: 2^22, eighteen times the 232,122 of a Debian
    /// cloud-amd64 vmlinux (7.3.4). At the limit the symbols take about 1 GiB.
    public static let symbols = 1 << 22

    /// Bytes that compressed sections (SHF_COMPRESSED or `.zdebug`) expand to, all
    /// together: 2 GiB, eight times the 251 MB `.debug_info` of a Debian cloud-amd64
    /// vmlinux. libelf inflates a compressed debug section whole when libdw opens it.
    public static let uncompressedBytes = 1 << 31
}
