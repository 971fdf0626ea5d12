/// A checkpoint or state dict that cannot be read, written or loaded. Every message names
/// the file (or other source) and what was expected; nothing about a bad file crashes.
///
/// ```text
/// checkpoint.safetensors: tensor 'main.0.weight' has shape [64, 3, 4, 4], expected [64, 1, 4, 4]
/// ```
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The bytes are not a valid safetensors file (bad header, offsets, lengths, overlaps).
    case malformed(file: String, reason: String)
    /// A tensor has a dtype this reader does not accept.
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// The file could not be written; any previous file at that path is left as it was.
    case unwritable(file: String, reason: String)
    /// A value cannot be stored as the requested dtype (a non-integral `int64` value).
    case unrepresentable(file: String, tensor: String, reason: String)
    /// The tensors do not fit the module or optimiser they are loaded into.
    case stateMismatch(file: String, missing: [String], unexpected: [String], misshaped: [ShapeMismatch])

    /// A tensor whose shape differs from the module's.
    public struct ShapeMismatch: Equatable, Sendable {
        /// The state dict name.
        public var name: String
        /// The shape in the checkpoint.
        public var found: [Int]
        /// The shape the module has.
        public var expected: [Int]

        public init(name: String, found: [Int], expected: [Int]) {
            self.name = name
            self.found = found
            self.expected = expected
        }
    }

    /// The file or source the error is about.
    public var file: String {
        switch self {
        case .unreadable(let f, _), .malformed(let f, _), .unsupportedDType(let f, _, _),
             .unwritable(let f, _), .unrepresentable(let f, _, _), .stateMismatch(let f, _, _, _):
            return f
        }
    }

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .malformed(file, reason):
            return "\(file): not a valid safetensors file: \(reason)"
        case let .unsupportedDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' has dtype '\(dtype)', expected one of "
                + DType.allCases.map(\.rawValue).joined(separator: ", ")
        case let .unwritable(file, reason):
            return "\(file): cannot write: \(reason)"
        case let .unrepresentable(file, tensor, reason):
            return "\(file): tensor '\(tensor)' \(reason)"
        case let .stateMismatch(file, missing, unexpected, misshaped):
            var parts: [String] = []
            for m in misshaped {
                parts.append("tensor '\(m.name)' has shape \(m.found), expected \(m.expected)")
            }
            if !missing.isEmpty {
                parts.append("missing \(missing.count == 1 ? "key" : "keys") "
                             + missing.map { "'\($0)'" }.joined(separator: ", "))
            }
            if !unexpected.isEmpty {
                parts.append("unexpected \(unexpected.count == 1 ? "key" : "keys") "
                             + unexpected.map { "'\($0)'" }.joined(separator: ", "))
            }
            return "\(file): " + parts.joined(separator: "; ")
        }
    }
}
