import Foundation
import GANData
import GANTensor

/// A family's `Codable` config: what is needed to rebuild its networks, optimisers and step,
/// written into the run folder's `config.json` as `model`.
public protocol ModelConfiguration: Codable {
    /// Applies the options of `gan train` that the family declared (`Family.options`).
    mutating func apply(_ options: FamilyOptionValues) throws
    /// How the data must be read for these networks.
    var dataRequirements: DataRequirements { get }
    /// Fits the config to the data, one data set per domain (an MLP takes the data's shape,
    /// CGAN its class count); throws when the data cannot be used.
    mutating func adapt(to data: [Dataset]) throws
    /// The model, freshly initialised from `rng`.
    func makeModel(using rng: inout RandomGenerator) throws -> any TrainableModel
    /// Real batches of domain 0 a training step consumes (for `--epochs`).
    var batchesPerStep: Int { get }
    /// Lines describing the resolved config, for the start of a run.
    var summaryLines: [String] { get }
}

/// What a config needs of its data.
public struct DataRequirements: Equatable, Sendable {
    /// Resize every image to this side (`nil`: any shape, as an MLP takes).
    public var imageSize: Int?
    /// Convert every image to this many channels.
    public var channels: Int?
    /// Whether 2-D toy points can be used.
    public var acceptsPoints: Bool

    public init(imageSize: Int? = nil, channels: Int? = nil, acceptsPoints: Bool = false) {
        self.imageSize = imageSize
        self.channels = channels
        self.acceptsPoints = acceptsPoints
    }
}

extension ModelConfiguration {
    /// Checks that a two-domain family got two data sets of `shape` images.
    func requireTwoDomains(_ data: [Dataset], of shape: [Int], family: String) throws {
        guard data.count == 2 else { throw ModelError.dataMismatch("\(family) needs two data sets, --data and --data-b") }
        for d in data where d.sampleShape != shape {
            throw ModelError.dataMismatch("\(family) needs images \(shape); '\(d.name)' has samples of shape \(d.sampleShape)")
        }
    }
}

/// Decodes a config, turning a decoding failure into a one-line message.
func decodeConfig<C: ModelConfiguration>(_ type: C.Type, from data: Data, family: String) throws -> C {
    do {
        return try JSONDecoder().decode(C.self, from: data)
    } catch {
        throw ModelError.run("config.json: the '\(family)' model config cannot be read: \(describeDecodingError(error))")
    }
}

/// A short description of a `DecodingError`.
func describeDecodingError(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, let context):
        return "missing key '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
        return "wrong value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
    case DecodingError.dataCorrupted(let context):
        return context.debugDescription
    default:
        return "\(error)"
    }
}
