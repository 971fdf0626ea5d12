import Foundation
import GANData
import GANTensor

/// The original GAN (Goodfellow et al. 2014): fully connected generator and discriminator,
/// the minimax loss or its non-saturating variant, one D step per G step.
public struct GANConfig: LossChoiceConfiguration, Equatable {
    public var network: NetworkSettings
    /// `nonSaturating` (the paper's practical choice, default), `minimax`, or another shared loss.
    public var loss: AdversarialLoss
    /// D steps per G step (the paper's k; 1 in its experiments).
    public var discriminatorSteps: Int
    public var generatorOptimizer: OptimizerSettings
    public var discriminatorOptimizer: OptimizerSettings
    /// Decay of an EMA of the generator (none by default).
    public var emaDecay: Float?

    /// PyTorch-GAN's MLP for 28×28 images (`mlp28` of `../shared/bench`): G 100→128→256→512→1024→784
    /// with BatchNorm1d(ε 0.8) and LeakyReLU(0.2), D 784→512→256→1, Adam 2e-4, β (0.5, 0.999).
    public static let mnist = GANConfig(
        network: NetworkSettings(architecture: .mlp, latentDimension: 100, dataShape: [1, 28, 28],
                                 generatorHidden: [128, 256, 512, 1024], discriminatorHidden: [512, 256],
                                 generatorBatchNorm: true, discriminatorBatchNorm: false, batchNormEpsilon: 0.8,
                                 generatorSlope: 0.2, discriminatorSlope: 0.2, dcganInitialization: false),
        loss: .nonSaturating, discriminatorSteps: 1,
        generatorOptimizer: .adam(2e-4, 0.5, 0.999), discriminatorOptimizer: .adam(2e-4, 0.5, 0.999), emaDecay: nil)

    /// Small MLPs for the 2-D toy mixtures (as in the unrolled-GAN and WGAN-GP toy experiments):
    /// z of 16, G and D 3 × 128 units, ReLU / LeakyReLU(0.2), no BatchNorm, Adam 2e-3, β (0.5, 0.999)
    /// (with `--lr-decay linear` and batch 256 it finds 7–8 of the ring's modes in 3,000 steps).
    public static let toy = GANConfig(
        network: NetworkSettings(architecture: .mlp, latentDimension: 16, dataShape: [2],
                                 generatorHidden: [128, 128, 128], discriminatorHidden: [128, 128, 128],
                                 generatorBatchNorm: false, discriminatorBatchNorm: false,
                                 generatorSlope: 0, discriminatorSlope: 0.2, outputTanh: false,
                                 dcganInitialization: false),
        loss: .nonSaturating, discriminatorSteps: 1,
        generatorOptimizer: .adam(2e-3, 0.5, 0.999), discriminatorOptimizer: .adam(2e-3, 0.5, 0.999), emaDecay: nil)

    public static var familyName: String { GANFamily.name }
}

/// The `gan` family.
public enum GANFamily: Family {
    public static let name = "gan"
    public static let summary = "the original GAN: MLP generator and discriminator, minimax or non-saturating loss"
    public static var presets: [Preset] {
        [Preset("mnist", "PyTorch-GAN's MLP for 28×28 grey images (mlp28)") { GANConfig.mnist },
         Preset("toy", "small MLPs for the 2-D toy mixtures (toy:ring8, toy:grid25)") { GANConfig.toy }]
    }
    public static var options: [FamilyOption] { GANConfig.lossChoiceOptions }
    public static func defaultPreset(forToyData: Bool) -> String { forToyData ? "toy" : "mnist" }
    public static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration {
        try decodeConfig(GANConfig.self, from: data, family: name)
    }
}
