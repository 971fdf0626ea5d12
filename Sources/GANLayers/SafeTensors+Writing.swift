import Foundation
import GANTensor
#if canImport(Glibc)
import Glibc
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    Glibc.write(descriptor, bytes, count)
}
private func openForSync(_ path: String) -> Int32 { Glibc.open(path, O_RDONLY) }
#elseif canImport(Darwin)
import Darwin
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    Darwin.write(descriptor, bytes, count)
}
private func openForSync(_ path: String) -> Int32 { Darwin.open(path, O_RDONLY) }
#endif

extension SafeTensors {
    /// The safetensors bytes of `tensors`, each converted to its entry's dtype (F16 and BF16
    /// rounded to nearest even; I64 values must be integral and in range).
    ///
    /// The header lists the tensors in the dict's order; the data is laid out widest dtype
    /// first, so every tensor is aligned to its element size.
    public static func encode(_ tensors: StateDict, metadata: [String: String] = [:], source: String = "data") throws -> Data {
        var order = Array(tensors)
        order = order.enumerated().sorted { a, b in
            a.element.dtype.byteCount != b.element.dtype.byteCount
                ? a.element.dtype.byteCount > b.element.dtype.byteCount : a.offset < b.offset
        }.map(\.element)
        var body = Data()
        var offsets: [String: (Int, Int)] = [:]
        for entry in order {
            guard entry.name != "__metadata__" else {
                throw CheckpointError.unrepresentable(file: source, tensor: entry.name, reason: "uses the reserved name __metadata__")
            }
            let begin = body.count
            body.append(try encodeValues(entry, source: source))
            offsets[entry.name] = (begin, body.count)
        }
        var json = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(quoted($0)):\(quoted(metadata[$0]!))" }
            fields.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        for entry in tensors {
            let (begin, end) = offsets[entry.name]!
            let shape = entry.tensor.shape.map(String.init).joined(separator: ",")
            fields.append("\(quoted(entry.name)):{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(end)]}")
        }
        json += fields.joined(separator: ",") + "}"
        var header = Data(json.utf8)
        header.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
        var result = Data(capacity: 8 + header.count + body.count)
        let length = UInt64(header.count)
        result.append(contentsOf: (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) })
        result.append(header)
        result.append(body)
        return result
    }

    /// Writes `tensors` to `url` atomically: into a temporary file beside it, flushed to disk,
    /// then renamed over `url`. On any error the temporary file is removed and an existing
    /// file at `url` is untouched.
    public static func write(_ tensors: StateDict, metadata: [String: String] = [:], to url: URL) throws {
        let data = try encode(tensors, metadata: metadata, source: url.path)
        try writeAtomically(data, to: url)
    }

    /// A JSON string literal.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(format: "%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// The little-endian bytes of one entry in its dtype.
    static func encodeValues(_ entry: StateDict.Entry, source: String) throws -> Data {
        let values = entry.tensor.scalars
        func bytes<W: FixedWidthInteger>(_ words: [W]) -> Data {
            words.map { $0.littleEndian }.withUnsafeBytes { Data($0) }
        }
        switch entry.dtype {
        case .float32: return bytes(values.map(\.bitPattern))
        case .float16: return bytes(values.map(HalfPrecision.half(from:)))
        case .bfloat16: return bytes(values.map(HalfPrecision.bfloat16(from:)))
        case .int64:
            var words: [Int64] = []
            words.reserveCapacity(values.count)
            for v in values {
                guard v.isFinite, v.rounded() == v, v >= -0x1p63, v < 0x1p63 else {
                    throw CheckpointError.unrepresentable(file: source, tensor: entry.name,
                                                          reason: "holds \(v), which is not an I64 integer")
                }
                words.append(Int64(v))
            }
            return bytes(words)
        }
    }

    /// Writes `data` to `url` through a temporary file and a rename. `interruptAfter` stops
    /// after that many bytes with an error, as a crash would (for tests).
    static func writeAtomically(_ data: Data, to url: URL, interruptAfter: Int? = nil) throws {
        let path = url.path
        func fail(_ what: String) -> CheckpointError {
            .unwritable(file: path, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        var template = Array((path + ".tmp-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw fail("cannot create a temporary file in \(url.deletingLastPathComponent().path)") }
        let temporary = String(cString: template)
        var isOpen = true
        var done = false
        defer {
            if isOpen { close(descriptor) }
            if !done { unlink(temporary) }
        }
        _ = fchmod(descriptor, 0o644)
        let limit = Swift.min(data.count, interruptAfter ?? data.count)
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var written = 0
            while written < limit {
                let n = systemWrite(descriptor, raw.baseAddress! + written, limit - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw fail("write failed")
                }
                written += n
            }
        }
        if limit < data.count {
            throw CheckpointError.unwritable(file: path, reason: "interrupted after \(limit) of \(data.count) bytes")
        }
        guard fsync(descriptor) == 0 else { throw fail("fsync failed") }
        isOpen = false
        guard close(descriptor) == 0 else { throw fail("close failed") }
        guard rename(temporary, path) == 0 else { throw fail("cannot rename the temporary file over it") }
        done = true
        // Make the rename itself durable (best effort).
        let directory = openForSync(url.deletingLastPathComponent().path)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }
}

extension Module {
    /// Writes the state dict to a safetensors file, atomically (see `SafeTensors.write`); it
    /// loads into the equivalent PyTorch module with `load_state_dict(load_file(path))`.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try SafeTensors.write(stateDict(), metadata: metadata, to: url)
    }

    /// Loads a safetensors file written by `save(to:)` or by PyTorch
    /// (`safetensors.torch.save_file(model.state_dict(), path)`); errors name the file.
    public func load(contentsOf url: URL, strict: Bool = true) throws {
        let file = try SafeTensors.read(contentsOf: url)
        try load(stateDict: file.tensors, strict: strict, source: url.path)
    }
}
