import CGANImage
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and writes, with gzip handled transparently.
public enum FileIO {
    /// The bytes of the file at `path`.
    ///
    /// - Throws: `DataError` `.notFound` when nothing is there, `.inputOutput` for a
    ///   directory or a file the system will not read.
    public static func readBytes(_ path: String) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            throw DataError(code == ENOENT ? .notFound : .inputOutput, path: path,
                            code == ENOENT ? "no such file" : "cannot read: \(String(cString: strerror(code)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw DataError(.inputOutput, path: path, "expected a regular file, found a directory or device")
        }
        guard let file = fopen(path, "rb") else {
            throw DataError(.inputOutput, path: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        let size = Int(info.st_size)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            let read = size == 0 ? 0 : fread(buffer.baseAddress, 1, size, file)
            failed = read != size
            count = failed ? 0 : size
        }
        if failed {
            throw DataError(.inputOutput, path: path, "read fewer than the \(size) bytes the file has")
        }
        return bytes
    }

    /// Writes `bytes` to `path`, replacing what is there.
    public static func writeBytes(_ bytes: [UInt8], to path: String) throws {
        guard let file = fopen(path, "wb") else {
            throw DataError(.inputOutput, path: path, "cannot create: \(String(cString: strerror(errno)))")
        }
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count && closed == 0 else {
            throw DataError(.inputOutput, path: path, "write failed after \(written) of \(bytes.count) bytes")
        }
    }

    /// Whether `bytes` start with the gzip magic number (1f 8b).
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// The bytes of `path`, decompressed when the file is gzip (whatever its name).
    ///
    /// - Throws: `DataError` `.malformed` for a gzip stream that is cut short or fails its
    ///   checksum: truncated data is never returned as if it were whole.
    public static func readMaybeGzipped(_ path: String) throws -> [UInt8] {
        let raw = try readBytes(path)
        return isGzip(raw) ? try gunzip(raw, path: path) : raw
    }

    /// Decompresses a gzip stream held in memory; `path` names it in errors.
    public static func gunzip(_ compressed: [UInt8], path: String) throws -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        let failure = callC { message, size in
            compressed.withUnsafeBufferPointer { input in
                gi_gunzip(input.baseAddress, input.count, &output, &length, message, size)
            }
        }
        if let failure { throw DataError(.malformed, path: path, failure) }
        guard let output else { throw DataError(.malformed, path: path, "gzip decompression returned nothing") }
        defer { gi_free(output) }
        return [UInt8](UnsafeBufferPointer(start: output, count: length))
    }

    /// Writes `bytes` to `path` as a gzip file (zlib's gzwrite, `level` 0...9).
    public static func writeGzip(_ bytes: [UInt8], to path: String, level: Int = 6) throws {
        let failure = callC { message, size in
            bytes.withUnsafeBufferPointer { gi_gzip_write(path, $0.baseAddress, $0.count, Int32(level), message, size) }
        }
        if let failure { throw DataError(.inputOutput, path: path, failure) }
    }

    /// Calls a CGANImage function with a message buffer; returns its message when it fails.
    /// `path` with a leading `~` or `~/` replaced by the home directory (`$HOME`), as a shell
    /// would have done had the path not been inside a spec (`folder:~/faces`) or after `=`.
    public static func expandingTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return home + path.dropFirst()
    }

    static func callC(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> String? {
        callCWithStatus(body)?.message
    }

    /// As `callC`, with the status too (−2: a valid file of an unsupported kind).
    static func callCWithStatus(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> (status: Int32, message: String)? {
        let size = 512
        let message = UnsafeMutablePointer<CChar>.allocate(capacity: size)
        defer { message.deallocate() }
        message.initialize(repeating: 0, count: size)
        let status = body(message, size)
        guard status != 0 else { return nil }
        let text = String(cString: message)
        return (status, text.isEmpty ? "failed for an unknown reason" : text)
    }

    /// Whether a directory exists at `path`.
    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Whether anything exists at `path`.
    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    /// `directory/name`, without doubling a trailing slash.
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The last path component of `path`.
    static func baseName(_ path: String) -> String {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        return trimmed.split(separator: "/").last.map(String.init) ?? trimmed
    }
}
