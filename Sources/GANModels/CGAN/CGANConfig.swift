import Foundation
import GANData
import GANTensor

/// The conditional GAN (Mirza & Osindero 2014): a one-hot class label concatenated to `z` and
/// to the discriminator's input (appended to a flattened sample for MLPs, as K constant planes
/// for convolutional networks), so that samples can be drawn by class:
///
/// ```text
/// D: minimise softplus(−D(x | y)) + softplus(D(G(z | y) | y))
/// G: minimise softplus(−D(G(z | y) | y))
/// ```
///
/// The labels y of a step are those of the real batch, so G sees the data's class frequencies.
/// The conditioning itself is in `Adversarial/AdversarialNetworks.swift` (`appendingOneHot`,
/// `appendingLabelPlanes`), used by every network built with `classCount > 0`.
public struct CGANConfig: LossChoiceConfiguration, Equatable {
    public var network: NetworkSettings
    /// The number of classes (taken from the data).
    public var classCount: Int
    public var loss: AdversarialLoss
    public var discriminatorSteps: Int
    public var generatorOptimizer: OptimizerSettings
    public var discriminatorOptimizer: OptimizerSettings
    public var emaDecay: Float?

    static func make(_ network: NetworkSettings, _ rate: Float = 2e-4, classCount: Int = 10) -> CGANConfig {
        CGANConfig(network: network, classCount: classCount, loss: .nonSaturating, discriminatorSteps: 1,
                   generatorOptimizer: .adam(rate, 0.5, 0.999), discriminatorOptimizer: .adam(rate, 0.5, 0.999),
                   emaDecay: nil)
    }

    /// The dcgan28 networks conditioned on the class, for 28×28 grey images.
    public static let dcgan28 = make(NetworkSettings(architecture: .dcgan28, dataShape: [1, 28, 28]))
    /// The paper's fully connected networks (as PyTorch-GAN's `cgan.py`, with one-hot labels).
    public static let mlp = make(NetworkSettings(
        architecture: .mlp, latentDimension: 100, dataShape: [1, 28, 28],
        generatorHidden: [128, 256, 512, 1024], discriminatorHidden: [512, 512, 512],
        generatorBatchNorm: true, discriminatorBatchNorm: false, batchNormEpsilon: 0.8,
        generatorSlope: 0.2, discriminatorSlope: 0.2, dcganInitialization: false))
    /// Small MLPs for the toy mixtures, conditioned on the mode.
    public static let toy = make(NetworkSettings(
        architecture: .mlp, latentDimension: 16, dataShape: [2], generatorHidden: [128, 128, 128],
        discriminatorHidden: [128, 128, 128], generatorBatchNorm: false, discriminatorBatchNorm: false,
        generatorSlope: 0, discriminatorSlope: 0.2, outputTanh: false, dcganInitialization: false), 1e-3, classCount: 8)

    public static var familyName: String { CGANFamily.name }

    public mutating func adapt(to data: [Dataset]) throws {
        try adaptNetwork(to: data[0])
        guard data[0].labels != nil, !data[0].classNames.isEmpty else {
            throw ModelError.dataMismatch("cgan needs labelled data; '\(data[0].name)' has no labels")
        }
        classCount = data[0].classNames.count
    }

    public func makeModel(using rng: inout RandomGenerator) throws -> any TrainableModel {
        guard classCount > 0 else { throw ModelError.invalidOption("cgan needs at least one class, got \(classCount)") }
        return try makeAdversarialModel(using: &rng)
    }
}
/// The `cgan` family.
public enum CGANFamily: Family {
    public static let name = "cgan"
    public static let summary = "conditional GAN: one-hot label concatenated to z and to D's input; sample by class"
    public static var presets: [Preset] {
        [Preset("dcgan28", "the dcgan28 networks conditioned on the class (28×28 grey)") { CGANConfig.dcgan28 },
         Preset("mlp", "the paper's fully connected networks (28×28 grey)") { CGANConfig.mlp },
         Preset("toy", "small MLPs for the toy mixtures, conditioned on the mode") { CGANConfig.toy }]
    }
    public static var options: [FamilyOption] { CGANConfig.lossChoiceOptions }
    public static func defaultPreset(forToyData: Bool) -> String { forToyData ? "toy" : "dcgan28" }
    public static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration {
        try decodeConfig(CGANConfig.self, from: data, family: name)
    }
}
