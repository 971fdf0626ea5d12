import Foundation
import GANTensor

/// Reading and writing the safetensors format (Hugging Face; `safetensors.torch.save_file`):
///
/// ```text
/// u64 little-endian N | N bytes of JSON header | raw little-endian tensor data
/// header: {"__metadata__": {str: str}, "<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, …}
/// ```
///
/// Reading validates everything before using it — the header length against a cap and the
/// file size, the JSON's structure and nesting, each dtype against F32/F16/BF16/I64, every shape
/// and offset with overflow-checked arithmetic, and that the tensors tile the data section
/// exactly (no overlap, gap or trailing bytes) — and never runs code. Writing goes to a
/// temporary file in the same folder that is flushed and renamed over the target, so a
/// crash mid-write leaves any previous file intact.
public enum SafeTensors {
    /// The largest header accepted, as in the reference implementation (100 MB).
    public static let maximumHeaderLength = 100_000_000
    /// The deepest JSON nesting accepted (a valid header nests 3 levels).
    static let maximumNesting = 16

    /// The contents of a safetensors file.
    public struct File {
        /// The tensors, in the order of their data.
        public var tensors: StateDict
        /// The `__metadata__` strings.
        public var metadata: [String: String]
    }

    /// Reads and validates the file at `url`.
    public static func read(contentsOf url: URL) throws -> File {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw CheckpointError.unreadable(file: url.path, reason: (error as NSError).localizedDescription)
        }
        return try decode(data, source: url.path)
    }

    /// Validates and decodes safetensors bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String = "data") throws -> File {
        func fail(_ reason: String) -> CheckpointError { .malformed(file: source, reason: reason) }
        let start = data.startIndex
        guard data.count >= 8 else {
            throw fail("file is \(data.count) bytes, shorter than the 8-byte header length (truncated?)")
        }
        var rawLength: UInt64 = 0
        for i in 0..<8 { rawLength |= UInt64(data[start + i]) << (8 * UInt64(i)) }
        guard rawLength <= UInt64(maximumHeaderLength) else {
            throw fail("header length \(rawLength) exceeds the limit of \(maximumHeaderLength) bytes")
        }
        let headerLength = Int(rawLength)
        guard headerLength <= data.count - 8 else {
            throw fail("header length \(headerLength) exceeds the \(data.count - 8) bytes after it (truncated?)")
        }
        let header = data[(start + 8)..<(start + 8 + headerLength)]
        guard header.first == UInt8(ascii: "{") else { throw fail("header does not start with '{'") }
        try checkNesting(header, fail)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: header)
        } catch {
            throw fail("header is not valid JSON")
        }
        guard let root = object as? [String: Any] else { throw fail("header is not a JSON object") }

        let bodyStart = start + 8 + headerLength
        let bodyLength = data.count - 8 - headerLength
        var metadata: [String: String] = [:]
        var spans: [(begin: Int, end: Int, name: String, dtype: DType, shape: [Int])] = []
        for (name, value) in root {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw fail("__metadata__ is not an object of strings") }
                for (k, v) in m {
                    guard let s = v as? String else { throw fail("__metadata__ entry '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any] else { throw fail("entry '\(name)' is not an object") }
            guard let dtypeName = info["dtype"] as? String else { throw fail("tensor '\(name)' has no dtype string") }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw CheckpointError.unsupportedDType(file: source, tensor: name, dtype: dtypeName)
            }
            guard let shape = integers(info["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(name)' has no valid shape (a list of non-negative integers)")
            }
            guard let offsets = integers(info["data_offsets"]), offsets.count == 2 else {
                throw fail("tensor '\(name)' has no valid data_offsets (two integers)")
            }
            var bytes = shape.contains(0) ? 0 : dtype.byteCount
            for d in shape where bytes > 0 {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: d)
                guard !overflow else { throw fail("tensor '\(name)' of shape \(shape) is too large to address") }
                bytes = product
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= bodyLength else {
                throw fail("tensor '\(name)' has data_offsets [\(begin), \(end)] outside the \(bodyLength)-byte data section (truncated?)")
            }
            guard end - begin == bytes else {
                throw fail("tensor '\(name)' has data_offsets [\(begin), \(end)] holding \(end - begin) bytes, but shape \(shape) of \(dtypeName) needs \(bytes)")
            }
            spans.append((begin, end, name, dtype, shape))
        }
        spans.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        var previous: String?
        for span in spans {
            if span.begin < position, let previous {
                throw fail("tensors '\(previous)' and '\(span.name)' overlap (bytes \(span.begin)..<\(position))")
            }
            if span.begin > position {
                throw fail("bytes \(position)..<\(span.begin) after \(previous.map { "'\($0)'" } ?? "the header") belong to no tensor")
            }
            position = span.end
            previous = span.name
        }
        guard position == bodyLength else {
            throw fail("\(bodyLength - position) bytes after the last tensor belong to no tensor")
        }

        var tensors = StateDict()
        for span in spans {
            let bytes = data[(bodyStart + span.begin)..<(bodyStart + span.end)]
            let values = decodeValues(bytes, dtype: span.dtype, count: Shape.count(span.shape))
            tensors.insert(span.name, Tensor(values, shape: span.shape), dtype: span.dtype)
        }
        return File(tensors: tensors, metadata: metadata)
    }

    /// An array of integers from JSON, or `nil` (non-integral and out-of-range numbers too).
    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var result: [Int] = []
        for item in list {
            guard let number = item as? NSNumber else { return nil }
            let d = number.doubleValue
            guard d.rounded() == d, abs(d) < 0x1p53, let i = item as? Int else { return nil }
            result.append(i)
        }
        return result
    }

    /// Rejects headers nested deeper than `maximumNesting` before the JSON parser sees them.
    private static func checkNesting(_ header: Data, _ fail: (String) -> CheckpointError) throws {
        var depth = 0, inString = false, escaped = false
        for byte in header {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > maximumNesting { throw fail("header nests deeper than \(maximumNesting) levels") }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
    }

    /// Little-endian values of `dtype` as Float32.
    static func decodeValues(_ bytes: Data, dtype: DType, count: Int) -> [Float] {
        func words<W: FixedWidthInteger>(_ type: W.Type) -> [W] {
            var result = [W](repeating: 0, count: count)
            result.withUnsafeMutableBytes { _ = bytes.copyBytes(to: $0) }
            return result.map { W(littleEndian: $0) }
        }
        switch dtype {
        case .float32: return words(UInt32.self).map { Float(bitPattern: $0) }
        case .float16: return words(UInt16.self).map(HalfPrecision.float(fromHalf:))
        case .bfloat16: return words(UInt16.self).map(HalfPrecision.float(fromBFloat16:))
        case .int64: return words(Int64.self).map { Float($0) }
        }
    }
}
