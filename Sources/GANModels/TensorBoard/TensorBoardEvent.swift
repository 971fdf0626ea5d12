import Foundation

/// One `tensorboard.Event` as the trainer writes it: the file's version header, a session
/// restart, or a summary of tagged values. Field numbers are those of TensorBoard's
/// `event.proto` and `summary.proto`.
///
/// ```text
/// Event        1 wall_time double · 2 step int64 · 3 file_version string · 5 summary · 7 session_log
/// Summary      1 value (repeated)
/// Value        1 tag · 2 simple_value float · 4 image · 8 tensor · 9 metadata
/// Image        1 height · 2 width · 3 colorspace · 4 encoded_image_string
/// TensorProto  1 dtype (7 = DT_STRING) · 2 tensor_shape · 8 string_val
/// SummaryMetadata 1 plugin_data { 1 plugin_name }
/// SessionLog   1 status (1 = START)
/// ```
public struct TensorBoardEvent: Equatable {
    /// What a summary value holds.
    public enum Content: Equatable {
        /// A scalar chart point (`simple_value`).
        case scalar(Float)
        /// An encoded picture (PNG bytes) and its size; `colorspace` 1 grey, 2 grey + alpha,
        /// 3 RGB, 4 RGBA.
        case image(encoded: [UInt8], height: Int, width: Int, colorspace: Int)
        /// A string tensor for the text plugin (rendered as Markdown).
        case text(String)
    }

    /// One tagged value of a summary.
    public struct Value: Equatable {
        public var tag: String
        public var content: Content

        public init(tag: String, content: Content) {
            self.tag = tag
            self.content = content
        }
    }

    public enum Kind: Equatable {
        /// The first event of every file: `brain.Event:2`.
        case fileVersion(String)
        /// `SessionLog.START`: TensorBoard drops whatever it already holds at this step or
        /// later (PyTorch's `SummaryWriter(purge_step:)`).
        case sessionStart
        case summary([Value])
    }

    /// Seconds since 1970.
    public var wallTime: Double
    public var step: Int
    public var kind: Kind

    public init(wallTime: Double, step: Int, kind: Kind) {
        self.wallTime = wallTime
        self.step = step
        self.kind = kind
    }

    static let dtString: Int64 = 7
    static let sessionStartStatus: UInt64 = 1

    /// The serialised `Event`, byte for byte what protobuf writes: fields in number order,
    /// proto3 zeros left out (a `oneof` member such as `simple_value` is always written).
    public func encoded() -> [UInt8] {
        var event = ProtobufWriter()
        if wallTime.bitPattern != 0 { event.double(1, wallTime) }
        if step != 0 { event.varint(2, Int64(step)) }
        switch kind {
        case .fileVersion(let version):
            event.string(3, version)
        case .sessionStart:
            event.message(7) { $0.varint(1, Int64(Self.sessionStartStatus)) }
        case .summary(let values):
            event.message(5) { summary in
                for value in values {
                    summary.message(1) { v in
                        v.string(1, value.tag)
                        switch value.content {
                        case .scalar(let x):
                            v.float(2, x)
                        case let .image(encoded, height, width, colorspace):
                            v.message(4) { image in
                                for (field, n) in [(1, height), (2, width), (3, colorspace)] where n != 0 {
                                    image.varint(field, Int64(n))
                                }
                                if !encoded.isEmpty { image.bytes(4, encoded) }
                            }
                        case .text(let text):
                            v.message(8) { tensor in
                                tensor.varint(1, Self.dtString)
                                tensor.message(2) { _ in }  // a scalar: no dimensions
                                tensor.string(8, text)
                            }
                            v.message(9) { metadata in metadata.message(1) { $0.string(1, "text") } }
                        }
                    }
                }
            }
        }
        return event.bytes
    }

    /// Decodes an `Event` of the kinds above; other fields and value types are skipped.
    public init(decoding bytes: ArraySlice<UInt8>) throws {
        wallTime = 0
        step = 0
        kind = .summary([])
        for (field, value) in try ProtobufReader.fields(bytes) {
            switch (field, value) {
            case (1, .fixed64(let bits)): wallTime = Double(bitPattern: bits)
            case (2, .varint(let v)): step = Int(Int64(bitPattern: v))
            case (3, .bytes(let s)): kind = .fileVersion(String(decoding: s, as: UTF8.self))
            case (7, .bytes(let log)):
                if try ProtobufReader.fields(log).contains(where: { $0.field == 1 && Self.isStart($0.value) }) {
                    kind = .sessionStart
                }
            case (5, .bytes(let summary)):
                var values: [Value] = []
                for case (1, .bytes(let v)) in try ProtobufReader.fields(summary) {
                    if let decoded = try Self.decodeValue(v) { values.append(decoded) }
                }
                kind = .summary(values)
            default: continue
            }
        }
    }

    private static func isStart(_ value: ProtobufReader.Value) -> Bool {
        if case .varint(let status) = value { return status == sessionStartStatus }
        return false
    }

    private static func decodeValue(_ bytes: ArraySlice<UInt8>) throws -> Value? {
        var tag = ""
        var content: Content?
        for (field, value) in try ProtobufReader.fields(bytes) {
            switch (field, value) {
            case (1, .bytes(let s)): tag = String(decoding: s, as: UTF8.self)
            case (2, .fixed32(let bits)): content = .scalar(Float(bitPattern: bits))
            case (4, .bytes(let image)):
                var size = [1: 0, 2: 0, 3: 0]
                var encoded: [UInt8] = []
                for (f, v) in try ProtobufReader.fields(image) {
                    if case .varint(let n) = v { size[f] = Int(truncatingIfNeeded: n) }
                    if f == 4, case .bytes(let b) = v { encoded = Array(b) }
                }
                content = .image(encoded: encoded, height: size[1]!, width: size[2]!, colorspace: size[3]!)
            case (8, .bytes(let tensor)):
                for case (8, .bytes(let s)) in try ProtobufReader.fields(tensor) {
                    content = .text(String(decoding: s, as: UTF8.self))
                }
            default: continue
            }
        }
        return content.map { Value(tag: tag, content: $0) }
    }
}
