import Foundation
import GANData
import GANLayers
import GANTensor

/// A family of GANs (GAN, DCGAN, CGAN, WGAN, WGAN-GP, …): a name, named presets and a config
/// type. The CLI and the trainer see families only through this protocol and `Families.all`,
/// so a new family plugs in by adding its folder and one line to the registry.
public protocol Family {
    /// The name on the command line (`dcgan`, `wgan-gp`).
    static var name: String { get }
    /// One line for `gan list`.
    static var summary: String { get }
    /// The named presets, the first the default for image data.
    static var presets: [Preset] { get }
    /// The preset used when none is named: for toy points (`toy`) or for images.
    static func defaultPreset(forToyData: Bool) -> String
    /// A config read back from a run folder's `config.json` (its `model` object).
    static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration
}

/// A named configuration of a family.
public struct Preset {
    public let name: String
    public let summary: String
    public let make: () -> any ModelConfiguration

    public init(_ name: String, _ summary: String, _ make: @escaping () -> any ModelConfiguration) {
        self.name = name
        self.summary = summary
        self.make = make
    }
}

/// A family's `Codable` config: what is needed to rebuild its networks, optimisers and
/// objective, written into the run folder.
public protocol ModelConfiguration: Codable {
    /// The networks.
    var network: NetworkSettings { get set }
    /// Applies command-line overrides; throws for an option the family does not have.
    mutating func apply(_ overrides: TrainOverrides) throws
    /// Fits the config to the data (the MLP's data shape, CGAN's class count); throws when the
    /// data cannot be used.
    mutating func adapt(to dataset: Dataset) throws
    /// The networks, optimisers and objective, freshly initialised from `rng`.
    func makeModel(using rng: inout RandomGenerator) throws -> GANModel
    /// Lines describing the resolved config, for the start of a run.
    var summaryLines: [String] { get }
}

extension ModelConfiguration {
    /// MLP families take the data's shape; convolutional ones check it.
    mutating func adaptNetwork(to dataset: Dataset, family: String) throws {
        if network.architecture == .mlp {
            network.dataShape = dataset.sampleShape
            if !dataset.isImage { network.outputTanh = false }
        } else if dataset.sampleShape != network.dataShape {
            throw ModelError.dataMismatch("\(family) with \(network.architecture.rawValue) networks needs images \(network.dataShape), "
                + "the data '\(dataset.name)' has samples of shape \(dataset.sampleShape)"
                + (dataset.isImage ? "" : "; for toy data use `gan train gan` or `gan train wgan-gp`"))
        }
    }
}

/// Options of `gan train` that change a family's config; `nil` leaves the preset's value.
public struct TrainOverrides: Equatable, Sendable {
    public var loss: AdversarialLoss?
    public var discriminatorSteps: Int?
    public var clip: Float?
    public var gradientPenaltyWeight: Float?
    public var learningRate: Float?
    public var latentDimension: Int?
    public var emaDecay: Float?

    public init(loss: AdversarialLoss? = nil, discriminatorSteps: Int? = nil, clip: Float? = nil,
                gradientPenaltyWeight: Float? = nil, learningRate: Float? = nil, latentDimension: Int? = nil,
                emaDecay: Float? = nil) {
        self.loss = loss
        self.discriminatorSteps = discriminatorSteps
        self.clip = clip
        self.gradientPenaltyWeight = gradientPenaltyWeight
        self.learningRate = learningRate
        self.latentDimension = latentDimension
        self.emaDecay = emaDecay
    }

    /// Throws when an option the family does not have was given.
    func reject(_ options: [(String, Bool)], family: String) throws {
        for (flag, given) in options where given {
            throw ModelError.invalidOption("\(flag) does not apply to family '\(family)'")
        }
    }

    /// Applies the options every family shares.
    func applyCommon(to network: inout NetworkSettings, generator: inout OptimizerSettings,
                     discriminator: inout OptimizerSettings, emaDecay: inout Float?) throws {
        if let n = latentDimension {
            guard n > 0 else { throw ModelError.invalidOption("--latent-dim must be positive, got \(n)") }
            network.latentDimension = n
        }
        if let lr = learningRate {
            guard lr > 0, lr.isFinite else { throw ModelError.invalidOption("--lr must be positive, got \(lr)") }
            generator.learningRate = lr
            discriminator.learningRate = lr
        }
        if let d = self.emaDecay {
            guard d > 0, d < 1 else { throw ModelError.invalidOption("--ema must be in (0, 1), got \(d)") }
            emaDecay = d
        }
        if let k = discriminatorSteps, k < 1 {
            throw ModelError.invalidOption("--n-critic must be at least 1, got \(k)")
        }
    }
}

/// The families, by name.
public enum Families {
    /// Every registered family, in the order `gan list` shows them.
    public static let all: [any Family.Type] = [
        GANFamily.self, DCGANFamily.self, CGANFamily.self, WGANFamily.self, WGANGPFamily.self,
    ]

    /// The family called `name`.
    /// - Throws: `ModelError.unknownFamily` listing the known names.
    public static func named(_ name: String) throws -> any Family.Type {
        guard let family = all.first(where: { $0.name == name.lowercased() }) else {
            throw ModelError.unknownFamily(name, known: all.map { $0.name })
        }
        return family
    }

    /// The config of `preset` of `family`.
    public static func preset(_ name: String, of family: any Family.Type) throws -> any ModelConfiguration {
        guard let preset = family.presets.first(where: { $0.name == name }) else {
            throw ModelError.unknownPreset(name, family: family.name, known: family.presets.map(\.name))
        }
        return preset.make()
    }
}

/// Why a model, a run or a checkpoint cannot be used. Each message names what was wrong and
/// what was expected.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case unknownFamily(String, known: [String])
    case unknownPreset(String, family: String, known: [String])
    case invalidOption(String)
    case dataMismatch(String)
    case run(String)
    case checkpoint(String)
    case nonFinite(String)

    public var description: String {
        switch self {
        case let .unknownFamily(name, known):
            return "unknown family '\(name)': expected one of \(known.joined(separator: ", ")) (see `gan list`)"
        case let .unknownPreset(name, family, known):
            return "unknown preset '\(name)' for family '\(family)': expected one of \(known.joined(separator: ", ")) (see `gan list`)"
        case let .invalidOption(message), let .dataMismatch(message), let .run(message),
             let .checkpoint(message), let .nonFinite(message):
            return message
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
