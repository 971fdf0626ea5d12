import Foundation
import GANData
import GANTensor

/// WGAN (Arjovsky et al. 2017): a critic without a sigmoid trained on the Wasserstein loss,
/// its weights clipped to ±0.01 after every step, RMSprop 5e-5, 5 critic steps per generator step.
///
/// The critic maximises E[D(x)] − E[D(G(z))] (minimises the Wasserstein loss `D(G(z)) − D(x)`),
/// the generator minimises −E[D(G(z))]; after every critic step each critic weight is clamped to
/// [−c, c], which keeps the critic (roughly) Lipschitz.
public struct WGANConfig: AdversarialConfiguration, Equatable {
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

    public static var familyName: String { WGANFamily.name }

    /// The critic's optimiser under the protocol's name.
    public var discriminatorOptimizer: OptimizerSettings {
        get { criticOptimizer }
        set { criticOptimizer = newValue }
    }

    public mutating func apply(_ options: FamilyOptionValues) throws {
        try applyShared(options)
        if let c = try options.float("clip", "a positive bound", { $0 > 0 }) { clip = c }
        if let k = try options.criticSteps() { criticSteps = k }
    }

    public var objective: Objective { Objective(loss: .wasserstein, discriminatorSteps: criticSteps, weightClip: clip) }

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
    public static var options: [FamilyOption] {
        [FamilyOption("clip", "C", "the weight clipping bound c (default 0.01)"), .criticSteps] + FamilyOption.learningRates + [.latentDimension, .ema]
    }
    public static func defaultPreset(forToyData: Bool) -> String { forToyData ? "toy" : "dcgan28" }
    public static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration {
        try decodeConfig(WGANConfig.self, from: data, family: name)
    }
}
