/// The few protobuf wire-format pieces TensorBoard's `Event` needs: varints, fixed 32/64-bit
/// values and length-delimited fields (bytes, strings, nested messages). Written by hand:
/// swift-protobuf's plugin build costs minutes for five small messages.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    /// Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
    private mutating func key(_ field: Int, wireType: UInt64) {
        appendVarint(UInt64(field) << 3 | wireType)
    }

    private mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// An `int32`, `int64`, `enum` or `bool` field (negative values as ten-byte varints, as
    /// protobuf writes them).
    mutating func varint(_ field: Int, _ value: Int64) {
        key(field, wireType: 0)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A `double` field.
    mutating func double(_ field: Int, _ value: Double) {
        key(field, wireType: 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `float` field.
    mutating func float(_ field: Int, _ value: Float) {
        key(field, wireType: 5)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `bytes` field.
    mutating func bytes<Bytes: Collection>(_ field: Int, _ value: Bytes) where Bytes.Element == UInt8 {
        key(field, wireType: 2)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` field (UTF-8).
    mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    /// A nested message field, built by `build`.
    mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        build(&inner)
        bytes(field, inner.bytes)
    }
}

/// Reads a message's fields back: what the trainer needs to trim its own event files on
/// resume, and what the tests decode. Unknown fields are returned like any other.
struct ProtobufReader {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes(ArraySlice<UInt8>)
    }

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// The fields of `message`, in order.
    static func fields(_ message: ArraySlice<UInt8>) throws -> [(field: Int, value: Value)] {
        var i = message.startIndex
        func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard i < message.endIndex, shift < 64 else { throw Malformed(description: "truncated or overlong varint") }
                let byte = message[i]
                i += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
        }
        func fixed(_ count: Int) throws -> UInt64 {
            guard message.endIndex - i >= count else { throw Malformed(description: "truncated fixed\(count * 8) field") }
            var result: UInt64 = 0
            for k in 0..<count { result |= UInt64(message[i + k]) << (8 * UInt64(k)) }
            i += count
            return result
        }
        var fields: [(Int, Value)] = []
        while i < message.endIndex {
            let key = try varint()
            let field = Int(truncatingIfNeeded: key >> 3)
            switch key & 7 {
            case 0: fields.append((field, .varint(try varint())))
            case 1: fields.append((field, .fixed64(try fixed(8))))
            case 5: fields.append((field, .fixed32(UInt32(try fixed(4)))))
            case 2:
                let length = try varint()
                guard length <= UInt64(message.endIndex - i) else { throw Malformed(description: "field \(field) runs past the message") }
                fields.append((field, .bytes(message[i..<(i + Int(length))])))
                i += Int(length)
            case let other:
                throw Malformed(description: "field \(field) has wire type \(other), which Event does not use")
            }
        }
        return fields
    }
}
