import Foundation
import GANData
import GANTensor

/// WGAN-GP (Gulrajani et al. 2017): the Wasserstein loss with a gradient penalty λ = 10 on
/// interpolates (one random coefficient per sample), no BatchNorm in the critic, Adam with
/// β = (0.5, 0.9) (the paper's code; its Algorithm 1 uses (0, 0.9)), 5 critic steps.
///
/// The critic minimises `D(G(z)) − D(x) + λ·E[(‖∇D(x̂)‖₂ − 1)²]` with the penalty of
/// `GradientPenalty` (one coefficient per sample), the generator minimises −E[D(G(z))]. The mean
/// gradient norm at the interpolates is logged (`gp_norm`); it approaches 1 as the critic becomes
/// 1-Lipschitz along the interpolation lines.
public struct WGANGPConfig: AdversarialConfiguration, Equatable {
    public var network: NetworkSettings
    /// λ.
    public var gradientPenaltyWeight: Float
    public var criticSteps: Int
    public var generatorOptimizer: OptimizerSettings
    public var criticOptimizer: OptimizerSettings
    public var emaDecay: Float?

    /// The dcgan28 generator and its critic without BatchNorm (`wgangp28` of `../shared/bench`),
    /// Adam 1e-4, β (0.5, 0.9), as the paper's MNIST code.
    public static let dcgan28 = WGANGPConfig(
        network: NetworkSettings(architecture: .dcgan28, dataShape: [1, 28, 28], discriminatorBatchNorm: false),
        gradientPenaltyWeight: 10, criticSteps: 5,
        generatorOptimizer: .adam(1e-4, 0.5, 0.9), criticOptimizer: .adam(1e-4, 0.5, 0.9), emaDecay: nil)
    /// MLPs for the toy mixtures (the paper's toy code: ReLU, no BatchNorm), Adam 2e-3, β (0.5, 0.9)
    /// (with `--lr-decay linear` and batch 256 it covers the ring's 8 modes in 2,000 steps).
    public static let toy = WGANGPConfig(
        network: NetworkSettings(architecture: .mlp, latentDimension: 16, dataShape: [2],
                                 generatorHidden: [128, 128, 128], discriminatorHidden: [128, 128, 128],
                                 generatorBatchNorm: false, discriminatorBatchNorm: false,
                                 generatorSlope: 0, discriminatorSlope: 0, outputTanh: false,
                                 dcganInitialization: false),
        gradientPenaltyWeight: 10, criticSteps: 5,
        generatorOptimizer: .adam(2e-3, 0.5, 0.9), criticOptimizer: .adam(2e-3, 0.5, 0.9), emaDecay: nil)

    public static var familyName: String { WGANGPFamily.name }

    /// The critic's optimiser under the protocol's name.
    public var discriminatorOptimizer: OptimizerSettings {
        get { criticOptimizer }
        set { criticOptimizer = newValue }
    }

    public mutating func apply(_ options: FamilyOptionValues) throws {
        try applyShared(options)
        if let w = try options.float("gp-weight", "non-negative", { $0 >= 0 }) { gradientPenaltyWeight = w }
        if let k = try options.criticSteps() { criticSteps = k }
    }

    public var objective: Objective {
        Objective(loss: .wasserstein, discriminatorSteps: criticSteps, gradientPenaltyWeight: gradientPenaltyWeight)
    }

    public func makeModel(using rng: inout RandomGenerator) throws -> any TrainableModel {
        guard !network.discriminatorBatchNorm else {
            throw ModelError.invalidOption("wgan-gp: the critic must not use BatchNorm (the penalty is per sample)")
        }
        return try makeAdversarialModel(using: &rng)
    }

    public var summaryLines: [String] {
        ["networks: \(network.summary) (critic: no sigmoid, no BatchNorm)",
         "loss: wasserstein + \(gradientPenaltyWeight) × gradient penalty, critic steps per G step: \(criticSteps)",
         "optimisers: G \(generatorOptimizer.summary), critic \(criticOptimizer.summary)"]
            + (emaDecay.map { ["EMA of G: decay \($0)"] } ?? [])
    }
}

/// The `wgan-gp` family.
public enum WGANGPFamily: Family {
    public static let name = "wgan-gp"
    public static let summary = "WGAN-GP: gradient penalty λ=10 on per-sample interpolates, no BatchNorm in the critic, Adam β (0.5, 0.9)"
    public static var presets: [Preset] {
        [Preset("dcgan28", "dcgan28 generator, critic without BatchNorm (the wgangp28 reference model of `gan bench train`)") { WGANGPConfig.dcgan28 },
         Preset("toy", "MLPs for the toy mixtures") { WGANGPConfig.toy }]
    }
    public static var options: [FamilyOption] {
        [FamilyOption("gp-weight", "λ", "the gradient penalty weight λ (default 10)"), .criticSteps] + FamilyOption.learningRates + [.latentDimension, .ema]
    }
    public static func defaultPreset(forToyData: Bool) -> String { forToyData ? "toy" : "dcgan28" }
    public static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration {
        try decodeConfig(WGANGPConfig.self, from: data, family: name)
    }
}
