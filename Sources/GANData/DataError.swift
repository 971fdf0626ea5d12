/// Why a data set, an image or a data spec could not be read or written.
///
/// Every message names the file (or directory, or spec) and says what was expected, so a
/// user can act on it: `train-images-idx3-ubyte: expected magic number 0x00000803 (unsigned
/// bytes, 3 dimensions), found 0x00000801`. User input never crashes; it throws this.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The category of a failure, for callers that react differently to each.
    public enum Kind: String, Codable, Sendable {
        /// The file or directory does not exist.
        case notFound
        /// The operating system refused to read or write it.
        case inputOutput
        /// The contents do not follow the format: wrong magic, short header, truncated data,
        /// bad checksum.
        case malformed
        /// A valid file this reader does not handle (an IDX of 16-bit values, a CMYK JPEG).
        case unsupported
        /// A directory or data set with nothing in it, or a class filter that keeps nothing.
        case empty
        /// A data spec, option or argument that makes no sense.
        case invalidArgument
    }

    /// The category.
    public let kind: Kind
    /// The file, directory or spec concerned.
    public let path: String
    /// What was expected and what was found.
    public let reason: String

    /// A failure of `kind` for `path`, explained by `reason`.
    public init(_ kind: Kind, path: String, _ reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
