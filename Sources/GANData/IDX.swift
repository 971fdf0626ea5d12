/// An IDX array (the format MNIST, Fashion-MNIST and KMNIST ship in) of unsigned bytes.
public struct IDXArray: Equatable, Sendable {
    /// The extent of each dimension, outermost first.
    public let shape: [Int]
    /// The values, row-major.
    public let bytes: [UInt8]

    /// An array from its shape and bytes; `bytes.count` must be the product of `shape`.
    public init(shape: [Int], bytes: [UInt8]) {
        precondition(shape.reduce(1, *) == bytes.count, "IDXArray: \(bytes.count) bytes for shape \(shape)")
        self.shape = shape
        self.bytes = bytes
    }
}

/// Reading and writing IDX files, raw or gzipped (detected by content, not by name).
///
/// An IDX file is a magic number — two zero bytes, a type byte (0x08 for unsigned bytes)
/// and the number of dimensions — then each dimension as a big-endian UInt32, then the values.
///
/// ```swift
/// let set = try IDX.loadDataset(images: "train-images-idx3-ubyte.gz",
///                               labels: "train-labels-idx1-ubyte.gz")
/// set.sampleShape  // [1, 28, 28]
/// ```
public enum IDX {
    /// The type byte of unsigned 8-bit data, the only type image and label files use.
    public static let unsignedByte: UInt8 = 0x08

    /// Reads an IDX file of unsigned bytes, gzipped or not.
    ///
    /// - Parameter rank: the number of dimensions expected (3 for images, 1 for labels), or
    ///   `nil` to accept any.
    /// - Throws: `DataError` naming the file: wrong magic number, header shorter than its
    ///   dimensions, payload shorter or longer than they promise, truncated gzip stream.
    public static func read(_ path: String, rank: Int? = nil) throws -> IDXArray {
        var data = try FileIO.readMaybeGzipped(path)
        let (shape, headerSize) = try parseHeader(data, path: path, rank: rank)
        data.removeFirst(headerSize)  // in place: no second copy of a 47 MB payload
        return IDXArray(shape: shape, bytes: data)
    }

    /// Parses the bytes of an IDX file; `path` names it in errors.
    public static func parse(_ data: [UInt8], path: String, rank: Int? = nil) throws -> IDXArray {
        let (shape, headerSize) = try parseHeader(data, path: path, rank: rank)
        return IDXArray(shape: shape, bytes: Array(data[headerSize...]))
    }

    /// The shape an IDX file declares and the size of its header, after checking the magic
    /// number, the header and that the payload has exactly the size the shape needs.
    private static func parseHeader(_ data: [UInt8], path: String, rank: Int?) throws -> (shape: [Int], headerSize: Int) {
        let expectation = rank.map { "magic number \(String(format8: 0x0800 | UInt32($0))) (unsigned bytes, \($0) dimension\($0 == 1 ? "" : "s"))" }
            ?? "an IDX magic number 0x000008NN (unsigned bytes, NN dimensions)"
        guard data.count >= 4 else {
            throw DataError(.malformed, path: path, "short header: expected \(expectation) in the first 4 bytes, found only \(data.count) byte\(data.count == 1 ? "" : "s")")
        }
        let magic = UInt32(data[0]) << 24 | UInt32(data[1]) << 16 | UInt32(data[2]) << 8 | UInt32(data[3])
        let found = String(format8: magic)
        guard data[0] == 0, data[1] == 0, data[3] > 0 else {
            throw DataError(.malformed, path: path, "expected \(expectation), found \(found): not an IDX file")
        }
        guard data[2] == unsignedByte else {
            let kind = [0x09: "signed bytes", 0x0B: "16-bit integers", 0x0C: "32-bit integers",
                        0x0D: "32-bit floats", 0x0E: "64-bit floats"][Int(data[2])]
            throw DataError(kind == nil ? .malformed : .unsupported, path: path,
                            "expected \(expectation), found \(found)\(kind.map { " (\($0))" } ?? ": not an IDX file")")
        }
        let dimensions = Int(data[3])
        if let rank, rank != dimensions {
            throw DataError(.malformed, path: path, "expected \(expectation), found \(found) (\(dimensions) dimension\(dimensions == 1 ? "" : "s"))")
        }
        let headerSize = 4 + 4 * dimensions
        guard data.count >= headerSize else {
            throw DataError(.malformed, path: path, "short header: expected \(headerSize) bytes (magic number and \(dimensions) dimension sizes), found \(data.count)")
        }
        var shape: [Int] = []
        var total = 1
        var overflow = false
        for d in 0..<dimensions {
            let o = 4 + 4 * d
            let size = Int(UInt32(data[o]) << 24 | UInt32(data[o + 1]) << 16 | UInt32(data[o + 2]) << 8 | UInt32(data[o + 3]))
            shape.append(size)
            let (product, didOverflow) = total.multipliedReportingOverflow(by: size)
            total = product
            overflow = overflow || didOverflow
        }
        let payload = data.count - headerSize
        let shapeText = shape.map(String.init).joined(separator: "×")
        guard !overflow, payload == total else {
            let problem = overflow || payload < total ? "truncated" : "too long"
            throw DataError(.malformed, path: path, "\(problem): expected \(overflow ? "more than Int.max" : String(total)) bytes of data after the header (\(shapeText)), found \(payload)")
        }
        return (shape, headerSize)
    }

    /// The bytes of an IDX file holding `array`.
    public static func encode(_ array: IDXArray) -> [UInt8] {
        var out: [UInt8] = [0, 0, unsignedByte, UInt8(array.shape.count)]
        for size in array.shape {
            let s = UInt32(size)
            out += [UInt8(s >> 24), UInt8((s >> 16) & 0xFF), UInt8((s >> 8) & 0xFF), UInt8(s & 0xFF)]
        }
        return out + array.bytes
    }

    /// Writes `array` as an IDX file, gzipped (zlib's gzwrite) when `gzip` is true.
    public static func write(_ array: IDXArray, to path: String, gzip: Bool = false) throws {
        let data = encode(array)
        if gzip { try FileIO.writeGzip(data, to: path) } else { try FileIO.writeBytes(data, to: path) }
    }

    /// A data set from an images file `[N, H, W]` and an optional labels file `[N]`.
    ///
    /// - Parameter classNames: names for labels 0, 1, ...; labels must be below its count.
    ///   `nil` names each class by its number.
    public static func loadDataset(
        images imagesPath: String, labels labelsPath: String? = nil, classNames: [String]? = nil, name: String? = nil
    ) throws -> Dataset {
        let images = try read(imagesPath, rank: 3)
        let (n, h, w) = (images.shape[0], images.shape[1], images.shape[2])
        guard n > 0, h > 0, w > 0 else {
            throw DataError(.empty, path: imagesPath, "expected at least one image of at least 1×1, found shape \(images.shape)")
        }
        var labels: [Int]?
        var names = classNames ?? []
        if let labelsPath {
            let file = try read(labelsPath, rank: 1)
            guard file.shape[0] == n else {
                throw DataError(.malformed, path: labelsPath, "expected \(n) labels, one per image in \(imagesPath), found \(file.shape[0])")
            }
            let values = file.bytes.map(Int.init)
            let top = values.max() ?? 0
            if let classNames, top >= classNames.count {
                throw DataError(.malformed, path: labelsPath, "expected labels 0...\(classNames.count - 1), found \(top)")
            }
            if classNames == nil { names = (0...top).map(String.init) }
            labels = values
        }
        return Dataset(name: name ?? imagesPath, values: .bytes(images.bytes), sampleShape: [1, h, w],
                       labels: labels, classNames: labels == nil ? [] : names)
    }
}

extension String {
    /// `value` as eight hex digits with a `0x` prefix.
    init(format8 value: UInt32) {
        let hex = String(value, radix: 16, uppercase: true)
        self = "0x" + String(repeating: "0", count: Swift.max(0, 8 - hex.count)) + hex
    }
}
