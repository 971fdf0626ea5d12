import Foundation
import GANData
import GANTensor

/// The conditional GAN (Mirza & Osindero 2014): a one-hot class label concatenated to `z` and
/// to the discriminator's input (appended to a flattened sample for MLPs, as K constant planes
/// for convolutional networks), so that samples can be drawn by class.
public struct CGANConfig: ModelConfiguration, Equatable {
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

    public mutating func apply(_ overrides: TrainOverrides) throws {
        try overrides.reject([("--clip", overrides.clip != nil), ("--gp-weight", overrides.gradientPenaltyWeight != nil)],
                             family: CGANFamily.name)
        try overrides.applyCommon(to: &network, generator: &generatorOptimizer,
                                  discriminator: &discriminatorOptimizer, emaDecay: &emaDecay)
        if let loss = overrides.loss { self.loss = loss }
        if let k = overrides.discriminatorSteps { discriminatorSteps = k }
    }

    public mutating func adapt(to dataset: Dataset) throws {
        try adaptNetwork(to: dataset, family: CGANFamily.name)
        guard dataset.labels != nil, !dataset.classNames.isEmpty else {
            throw ModelError.dataMismatch("cgan needs labelled data; '\(dataset.name)' has no labels")
        }
        classCount = dataset.classNames.count
    }

    public var objective: Objective { Objective(loss: loss, discriminatorSteps: discriminatorSteps) }

    public func makeModel(using rng: inout RandomGenerator) throws -> GANModel {
        guard classCount > 0 else { throw ModelError.invalidOption("cgan needs at least one class, got \(classCount)") }
        return try network.makeModel(classCount: classCount, generatorOptimizer: generatorOptimizer,
                                     discriminatorOptimizer: discriminatorOptimizer, emaDecay: emaDecay,
                                     objective: objective, using: &rng)
    }

    public var summaryLines: [String] {
        ["networks: \(network.summary), conditioned on \(classCount) classes (one-hot)",
         "loss: \(loss.rawValue), D steps per G step: \(discriminatorSteps)",
         "optimisers: G \(generatorOptimizer.summary), D \(discriminatorOptimizer.summary)"]
            + (emaDecay.map { ["EMA of G: decay \($0)"] } ?? [])
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
    public static func defaultPreset(forToyData: Bool) -> String { forToyData ? "toy" : "dcgan28" }
    public static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration {
        try decodeConfig(CGANConfig.self, from: data, family: name)
    }
}
