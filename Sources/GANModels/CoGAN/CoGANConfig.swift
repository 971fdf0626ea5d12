import Foundation
import GANData
import GANTensor

/// CoGAN (Liu & Tuzel 2016): two GANs whose generators share their first layers and whose
/// discriminators share their last, trained on two domains with no paired samples (e.g.
/// `fashion-mnist` and `fashion-mnist|negative` drawn independently); the non-saturating loss
/// and Adam 2e-4, β (0.5, 0.999), as the paper's Caffe code (see `CoGANModel` for the step).
public struct CoGANConfig: ModelConfiguration, Equatable {
    public var network: CoGANNetworkSettings
    public var loss: AdversarialLoss
    public var generatorOptimizer: OptimizerSettings
    public var discriminatorOptimizer: OptimizerSettings
    /// Decay of an EMA of both generators (none by default).
    public var emaDecay: Float?

    /// The paper's MNIST networks at a quarter of the generator's width, 28×28 grey.
    public static let grey28 = CoGANConfig(network: .grey28, loss: .nonSaturating,
                                           generatorOptimizer: .adam(2e-4, 0.5, 0.999),
                                           discriminatorOptimizer: .adam(2e-4, 0.5, 0.999), emaDecay: nil)

    public mutating func apply(_ options: FamilyOptionValues) throws {
        try options.applyLearningRates(generator: &generatorOptimizer, discriminator: &discriminatorOptimizer)
        if let loss = try options.choice("loss", as: AdversarialLoss.self) { self.loss = loss }
        if let n = try options.latentDimension() { network.latentDimension = n }
        if let decay = try options.emaDecay() { emaDecay = decay }
    }

    public var dataRequirements: DataRequirements {
        DataRequirements(imageSize: CoGANNetworkSettings.imageSize, channels: network.channels)
    }

    public mutating func adapt(to data: [Dataset]) throws {
        try requireTwoDomains(data, of: network.dataShape, family: "cogan")
    }

    public func makeModel(using rng: inout RandomGenerator) throws -> any TrainableModel {
        try network.validate()
        try checkEMADecay(emaDecay)
        return CoGANModel(config: self, using: &rng)
    }

    public var batchesPerStep: Int { 1 }

    public var summaryLines: [String] {
        ["networks: \(network.summary)", "loss: \(loss.rawValue), both domains summed",
         "optimisers: G \(generatorOptimizer.summary), D \(discriminatorOptimizer.summary)"]
            + (emaDecay.map { ["EMA of G: decay \($0)"] } ?? [])
    }
}

/// The `cogan` family.
public enum CoGANFamily: Family {
    public static let name = "cogan"
    public static let summary = "CoGAN: two GANs sharing G's first and D's last layers; one latent gives a corresponding pair of domains"
    public static var presets: [Preset] {
        [Preset("grey28", "the paper's MNIST networks, G at a quarter width (28×28 grey)") { CoGANConfig.grey28 }]
    }
    public static func defaultPreset(forToyData: Bool) -> String { "grey28" }
    public static var options: [FamilyOption] {
        [.loss] + FamilyOption.learningRates + [.latentDimension, .ema]
    }
    public static var domainCount: Int { 2 }
    public static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration {
        try decodeConfig(CoGANConfig.self, from: data, family: name)
    }
}
