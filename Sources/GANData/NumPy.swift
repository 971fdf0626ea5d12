import GANTensor

/// An array read from a NumPy `.npy` file.
public struct NumPyArray: Equatable, Sendable {
    /// The values, by element type.
    public enum Values: Equatable, Sendable {
        /// float32 (also what float64 files are read as).
        case float32([Float])
        /// uint8.
        case uint8([UInt8])
        /// Signed or unsigned integers wider than a byte (labels, typically).
        case int64([Int])
    }

    /// The extent of each dimension (C order).
    public let shape: [Int]
    /// The values, row-major.
    public let values: Values

    /// An array from its shape and values.
    public init(shape: [Int], values: Values) {
        self.shape = shape
        self.values = values
    }
}

/// Reading and writing NumPy `.npy` files (format versions 1, 2 and 3).
///
/// Reads float32, float64 (as float32), uint8 and integer arrays of either byte order in
/// C order; writes float32, uint8 and int64, little-endian, format 1.0.
///
/// ```swift
/// try NumPy.write(samples, to: "samples.npy")   // a Tensor, as float32
/// let back = try NumPy.read("samples.npy")       // .float32 values and the same shape
/// ```
public enum NumPy {
    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Reads an `.npy` file.
    ///
    /// - Throws: `.malformed` for a missing magic string, a header that is not the expected
    ///   Python dict, or data shorter than the shape needs; `.unsupported` for other dtypes
    ///   and Fortran order — each naming the file and what was expected.
    public static func read(_ path: String) throws -> NumPyArray {
        let data = try FileIO.readBytes(path)
        guard data.count >= 10, Array(data[0..<6]) == magic else {
            throw DataError(.malformed, path: path, "expected the NumPy magic string \\x93NUMPY at the start, found something else")
        }
        let major = data[6]
        let lengthBytes = major == 1 ? 2 : 4
        guard (1...3).contains(major), data.count >= 8 + lengthBytes else {
            throw DataError(.malformed, path: path, "expected .npy format version 1, 2 or 3, found \(major).\(data[7])")
        }
        var headerLength = 0
        for i in 0..<lengthBytes { headerLength |= Int(data[8 + i]) << (8 * i) }
        let dataStart = 8 + lengthBytes + headerLength
        guard data.count >= dataStart else {
            throw DataError(.malformed, path: path, "header truncated: expected \(headerLength) header bytes, found \(data.count - 8 - lengthBytes)")
        }
        let text = String(decoding: data[(8 + lengthBytes)..<dataStart], as: UTF8.self)
        let header: Header
        do {
            header = try Header(parsing: text)
        } catch let problem as HeaderProblem {
            throw DataError(.malformed, path: path,
                            "malformed header: expected a dict like {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}, \(problem.text)")
        }
        guard !header.fortranOrder else {
            throw DataError(.unsupported, path: path, "expected C-order data, found fortran_order True (save with np.ascontiguousarray)")
        }
        guard let type = ElementType(descr: header.descr) else {
            throw DataError(.unsupported, path: path,
                            "unsupported dtype '\(header.descr)': expected float32 ('<f4'), float64 ('<f8'), uint8 ('|u1') or an integer type")
        }
        var count = 1
        for size in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw DataError(.malformed, path: path, "shape \(header.shape) is too large") }
            count = product
        }
        let needed = count.multipliedReportingOverflow(by: type.size)
        let available = data.count - dataStart
        guard !needed.overflow, available == needed.partialValue else {
            throw DataError(.malformed, path: path,
                            "\(available < needed.partialValue || needed.overflow ? "data truncated" : "data too long"): expected \(needed.partialValue) bytes for shape \(header.shape) of '\(header.descr)', found \(available)")
        }
        return NumPyArray(shape: header.shape, values: type.decode(data, from: dataStart, count: count))
    }

    /// Writes a tensor as float32.
    public static func write(_ tensor: Tensor, to path: String) throws {
        try write(NumPyArray(shape: tensor.shape, values: .float32(tensor.scalars)), to: path)
    }

    /// Writes an array: float32 as `<f4`, uint8 as `|u1`, integers as `<i8`.
    public static func write(_ array: NumPyArray, to path: String) throws {
        let descr: String
        var payload: [UInt8] = []
        switch array.values {
        case .float32(let v):
            descr = "<f4"
            payload.reserveCapacity(v.count * 4)
            for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { payload += $0 } }
        case .uint8(let v):
            descr = "|u1"
            payload = v
        case .int64(let v):
            descr = "<i8"
            payload.reserveCapacity(v.count * 8)
            for x in v { withUnsafeBytes(of: Int64(x).littleEndian) { payload += $0 } }
        }
        let shapeText = array.shape.count == 1 ? "(\(array.shape[0]),)"
            : "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces so that the data starts on a 64-byte boundary; end with a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = header.utf8.count
        let bytes = magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + payload
        try FileIO.writeBytes(bytes, to: path)
    }

    /// A data set from an `.npy` of samples and an optional `.npy` of integer labels.
    ///
    /// Samples: `[N, D]` float → points; `[N, H, W]` → grey images; `[N, C, H, W]` with C 1 or 3
    /// → images; `[N, H, W, C]` with C 1 or 3 → images, reordered to NCHW. uint8 images are
    /// scaled to [−1, 1] when batched; float32 values are used as they are.
    public static func loadDataset(_ path: String, labels labelsPath: String? = nil) throws -> Dataset {
        let array = try read(path)
        let shape = array.shape
        guard let n = shape.first, n > 0, shape.dropFirst().allSatisfy({ $0 > 0 }) else {
            throw DataError(.empty, path: path, "expected at least one sample, found shape \(shape)")
        }
        let sampleShape: [Int]
        var channelsLast = false
        switch shape.count {
        case 2: sampleShape = [shape[1]]
        case 3: sampleShape = [1, shape[1], shape[2]]
        case 4 where shape[1] == 1 || shape[1] == 3: sampleShape = [shape[1], shape[2], shape[3]]
        case 4 where shape[3] == 1 || shape[3] == 3:
            sampleShape = [shape[3], shape[1], shape[2]]
            channelsLast = true
        default:
            throw DataError(.unsupported, path: path,
                            "expected samples of shape [N, D], [N, H, W], [N, C, H, W] or [N, H, W, C] with C 1 or 3, found \(shape)")
        }
        let values: Dataset.Values
        switch array.values {
        case .uint8(let v): values = .bytes(channelsLast ? toPlanar(v, count: n, sampleShape: sampleShape) : v)
        case .float32(let v): values = .floats(channelsLast ? toPlanar(v, count: n, sampleShape: sampleShape) : v)
        case .int64:
            throw DataError(.unsupported, path: path, "expected float32 or uint8 samples, found an integer array")
        }
        var labels: [Int]?
        var names: [String] = []
        if let labelsPath {
            let file = try read(labelsPath)
            let list: [Int]
            switch file.values {
            case .uint8(let v): list = v.map(Int.init)
            case .int64(let v): list = v
            case .float32:
                throw DataError(.unsupported, path: labelsPath, "expected integer labels, found floats")
            }
            guard file.shape == [n] else {
                throw DataError(.malformed, path: labelsPath, "expected \(n) labels (shape [\(n)]), found shape \(file.shape)")
            }
            if let bad = list.first(where: { $0 < 0 }) {
                throw DataError(.malformed, path: labelsPath, "expected labels of 0 or more, found \(bad)")
            }
            labels = list
            names = (0...(list.max() ?? 0)).map(String.init)
        }
        return Dataset(name: "npy:\(path)", values: values, sampleShape: sampleShape, labels: labels, classNames: names)
    }

    /// `[N, H, W, C]` values reordered to `[N, C, H, W]`.
    private static func toPlanar<T>(_ values: [T], count: Int, sampleShape: [Int]) -> [T] {
        PixelKernels.planar(fromInterleaved: values, images: count, pixelCount: sampleShape[1] * sampleShape[2],
                            channels: sampleShape[0])
    }
}

// MARK: - Header and element types

extension NumPy {
    /// The element types read, with their size and decoding.
    private enum ElementType {
        case float32(bigEndian: Bool), float64(bigEndian: Bool), uint8, integer(size: Int, signed: Bool, bigEndian: Bool)

        init?(descr: String) {
            guard descr.count >= 2 else { return nil }
            var text = Substring(descr)
            var big = false
            if let order = text.first, "<>|=".contains(order) {
                big = order == ">"
                text = text.dropFirst()
            }
            switch text {
            case "f4": self = .float32(bigEndian: big)
            case "f8": self = .float64(bigEndian: big)
            case "u1": self = .uint8
            case "i1": self = .integer(size: 1, signed: true, bigEndian: big)
            case "i2", "i4", "i8", "u2", "u4", "u8":
                self = .integer(size: Int(String(text.dropFirst()))!, signed: text.first == "i", bigEndian: big)
            default: return nil
            }
        }

        var size: Int {
            switch self {
            case .float32: return 4
            case .float64: return 8
            case .uint8: return 1
            case .integer(let size, _, _): return size
            }
        }

        /// Reads `size` bytes at `offset` as an unsigned integer in the file's byte order.
        private func word(_ data: [UInt8], _ offset: Int, _ size: Int, _ big: Bool) -> UInt64 {
            var value: UInt64 = 0
            for i in 0..<size {
                let byte = UInt64(data[offset + (big ? i : size - 1 - i)])
                value = value << 8 | byte
            }
            return value
        }

        func decode(_ data: [UInt8], from start: Int, count: Int) -> NumPyArray.Values {
            switch self {
            case .uint8:
                return .uint8(Array(data[start..<(start + count)]))
            case .float32(let big):
                return .float32((0..<count).map { Float(bitPattern: UInt32(word(data, start + 4 * $0, 4, big))) })
            case .float64(let big):
                return .float32((0..<count).map { Float(Double(bitPattern: word(data, start + 8 * $0, 8, big))) })
            case .integer(let size, let signed, let big):
                return .int64((0..<count).map { i in
                    let raw = word(data, start + size * i, size, big)
                    guard signed else { return Int(truncatingIfNeeded: raw) }
                    let shift = UInt64(64 - 8 * size)
                    return Int(Int64(bitPattern: raw << shift) >> Int64(shift))
                })
            }
        }
    }

    /// The parsed header dict: `{'descr': ..., 'fortran_order': ..., 'shape': (...)}`.
    private struct Header {
        var descr = ""
        var fortranOrder = false
        var shape: [Int] = []

        /// Parses the Python literal; throws a `HeaderProblem` saying what was found instead.
        init(parsing text: String) throws {
            var s = Substring(text)
            func skipSpace() { while let c = s.first, c == " " || c == "\t" || c == "\n" || c == "\r" { s = s.dropFirst() } }
            func expect(_ c: Character) throws {
                skipSpace()
                guard s.first == c else { throw HeaderProblem("found '\(s.prefix(20))' where '\(c)' was expected") }
                s = s.dropFirst()
            }
            func string() throws -> String {
                skipSpace()
                guard let quote = s.first, quote == "'" || quote == "\"" else { throw HeaderProblem("found '\(s.prefix(20))' where a quoted string was expected") }
                s = s.dropFirst()
                guard let end = s.firstIndex(of: quote) else { throw HeaderProblem("found an unterminated string") }
                let value = String(s[..<end])
                s = s[s.index(after: end)...]
                return value
            }
            var seen = Set<String>()
            try expect("{")
            while true {
                skipSpace()
                if s.first == "}" { s = s.dropFirst(); break }
                let key = try string()
                try expect(":")
                skipSpace()
                switch key {
                case "descr":
                    descr = try string()
                case "fortran_order":
                    if s.hasPrefix("True") { fortranOrder = true; s = s.dropFirst(4) }
                    else if s.hasPrefix("False") { fortranOrder = false; s = s.dropFirst(5) }
                    else { throw HeaderProblem("found '\(s.prefix(20))' where True or False was expected for fortran_order") }
                case "shape":
                    try expect("(")
                    while true {
                        skipSpace()
                        if s.first == ")" { s = s.dropFirst(); break }
                        let digits = s.prefix(while: { $0.isASCII && $0.isNumber })
                        guard !digits.isEmpty, let value = Int(digits) else { throw HeaderProblem("found '\(s.prefix(20))' where a dimension was expected in shape") }
                        shape.append(value)
                        s = s.dropFirst(digits.count)
                        skipSpace()
                        if s.first == "," { s = s.dropFirst() } else if s.first != ")" { throw HeaderProblem("found '\(s.prefix(20))' in shape") }
                    }
                default:
                    throw HeaderProblem("found an unexpected key '\(key)'")
                }
                seen.insert(key)
                skipSpace()
                if s.first == "," { s = s.dropFirst() } else if s.first != "}" { throw HeaderProblem("found '\(s.prefix(20))' after '\(key)'") }
            }
            skipSpace()
            guard s.isEmpty else { throw HeaderProblem("found '\(s.prefix(20))' after the dict") }
            guard seen == ["descr", "fortran_order", "shape"] else {
                throw HeaderProblem("found keys \(seen.sorted()), missing \(Set(["descr", "fortran_order", "shape"]).subtracting(seen).sorted())")
            }
        }
    }
}

/// What a malformed `.npy` header held instead of the expected dict.
private struct HeaderProblem: Error {
    let text: String
    init(_ text: String) { self.text = text }
}
