import Foundation
import GANData
import GANTensor

/// WGAN (Arjovsky et al. 2017): a critic without a sigmoid trained on the Wasserstein loss,
/// its weights clipped to ±0.01 after every step, RMSprop 5e-5, 5 critic steps per generator step.
public struct WGANConfig: ModelConfiguration, Equatable {
    public var network: NetworkSettings
    /// The clipping bound c.
    public var clip: Float
    /// Critic steps per generator step (n_critic).
    public var criticSteps: Int
    public var generatorOptimizer: OptimizerSettings
    public var criticOptimizer: OptimizerSettings
    public var emaDecay: Float?

    static func make(_ network: NetworkSettings) -> WGANConfig {
        WGANConfig(network: network, clip: 0.01, criticSteps: 5,
                   generatorOptimizer: .rmsprop(5e-5), criticOptimizer: .rmsprop(5e-5), emaDecay: nil)
    }

    /// The dcgan28 networks (the paper used DCGAN's, BatchNorm included) for 28×28 grey images.
    public static let dcgan28 = make(NetworkSettings(architecture: .dcgan28, dataShape: [1, 28, 28]))
    /// Small MLPs for the toy mixtures.
    public static let toy = make(NetworkSettings(
        architecture: .mlp, latentDimension: 16, dataShape: [2], generatorHidden: [128, 128, 128],
        discriminatorHidden: [128, 128, 128], generatorBatchNorm: false, discriminatorBatchNorm: false,
        generatorSlope: 0, discriminatorSlope: 0.2, outputTanh: false, dcganInitialization: false))

    public mutating func apply(_ overrides: TrainOverrides) throws {
        try overrides.reject([("--gp-weight", overrides.gradientPenaltyWeight != nil),
                              ("--loss (WGAN always uses the Wasserstein loss)", overrides.loss != nil)],
                             family: WGANFamily.name)
        try overrides.applyCommon(to: &network, generator: &generatorOptimizer,
                                  discriminator: &criticOptimizer, emaDecay: &emaDecay)
        if let c = overrides.clip {
            guard c > 0, c.isFinite else { throw ModelError.invalidOption("--clip must be positive, got \(c)") }
            clip = c
        }
        if let k = overrides.discriminatorSteps { criticSteps = k }
    }

    public mutating func adapt(to dataset: Dataset) throws {
        try adaptNetwork(to: dataset, family: WGANFamily.name)
    }

    public var objective: Objective { WGANObjective.objective(clip: clip, criticSteps: criticSteps) }

    public func makeModel(using rng: inout RandomGenerator) throws -> GANModel {
        try network.makeModel(generatorOptimizer: generatorOptimizer, discriminatorOptimizer: criticOptimizer,
                              emaDecay: emaDecay, objective: objective, using: &rng)
    }

    public var summaryLines: [String] {
        ["networks: \(network.summary) (critic: no sigmoid)",
         "loss: wasserstein, weight clipping ±\(clip), critic steps per G step: \(criticSteps)",
         "optimisers: G \(generatorOptimizer.summary), critic \(criticOptimizer.summary)"]
            + (emaDecay.map { ["EMA of G: decay \($0)"] } ?? [])
    }
}

/// The `wgan` family.
public enum WGANFamily: Family {
    public static let name = "wgan"
    public static let summary = "WGAN: critic without sigmoid, weight clipping ±0.01, RMSprop 5e-5, 5 critic steps"
    public static var presets: [Preset] {
        [Preset("dcgan28", "the dcgan28 networks (28×28 grey), BatchNorm in the critic as in the paper") { WGANConfig.dcgan28 },
         Preset("toy", "small MLPs for the toy mixtures") { WGANConfig.toy }]
    }
    public static func defaultPreset(forToyData: Bool) -> String { forToyData ? "toy" : "dcgan28" }
    public static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration {
        try decodeConfig(WGANConfig.self, from: data, family: name)
    }
}
