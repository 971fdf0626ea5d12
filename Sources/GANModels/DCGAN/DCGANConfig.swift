import Foundation
import GANData
import GANTensor

/// DCGAN (Radford et al. 2016): transposed-convolution generator, strided-convolution
/// discriminator, BatchNorm, ReLU in G and LeakyReLU(0.2) in D, Adam 2e-4 with β₁ 0.5,
/// weights N(0, 0.02), the non-saturating loss (binary cross-entropy on logits) with one D step
/// per G step, the generated batch reused for the G step as in `pytorch/examples/dcgan`:
///
/// ```text
/// fake = G(z)
/// D: minimise BCE(D(x), 1) + BCE(D(fake.detach()), 0)
/// G: minimise BCE(D(fake), 1)
/// ```
public struct DCGANConfig: LossChoiceConfiguration, Equatable {
    public var network: NetworkSettings
    public var loss: AdversarialLoss
    public var discriminatorSteps: Int
    public var generatorOptimizer: OptimizerSettings
    public var discriminatorOptimizer: OptimizerSettings
    public var emaDecay: Float?

    static func make(_ network: NetworkSettings) -> DCGANConfig {
        DCGANConfig(network: network, loss: .nonSaturating, discriminatorSteps: 1,
                    generatorOptimizer: .adam(2e-4, 0.5, 0.999), discriminatorOptimizer: .adam(2e-4, 0.5, 0.999),
                    emaDecay: nil)
    }

    /// 28×28 grey (Fashion-MNIST, MNIST): exactly `dcgan28` of `../shared/bench/torch_bench.py`.
    public static let dcgan28 = make(NetworkSettings(architecture: .dcgan28, dataShape: [1, 28, 28]))
    /// 32×32 colour (CIFAR-10): the `pytorch/examples` DCGAN with one stride-2 layer fewer.
    public static let dcgan32 = make(NetworkSettings(architecture: .dcgan, dataShape: [3, 32, 32], convolutionBias: false))
    /// 64×64 colour: the `pytorch/examples` DCGAN (`dcgan64` of `../shared/bench`).
    public static let dcgan64 = make(NetworkSettings(architecture: .dcgan, dataShape: [3, 64, 64], convolutionBias: false))

    public static var familyName: String { DCGANFamily.name }
}

/// The `dcgan` family.
public enum DCGANFamily: Family {
    public static let name = "dcgan"
    public static let summary = "DCGAN: transposed-conv G, strided-conv D, BatchNorm, Adam 2e-4 β₁ 0.5, N(0, 0.02) init"
    public static var presets: [Preset] {
        [Preset("dcgan28", "28×28 grey (Fashion-MNIST): the dcgan28 reference model of `gan bench train`") { DCGANConfig.dcgan28 },
         Preset("dcgan32", "32×32 colour (CIFAR-10): pytorch/examples DCGAN, 3 up-sampling layers") { DCGANConfig.dcgan32 },
         Preset("dcgan64", "64×64 colour: the pytorch/examples DCGAN (dcgan64 of `gan bench train`)") { DCGANConfig.dcgan64 }]
    }
    public static var options: [FamilyOption] { DCGANConfig.lossChoiceOptions }
    public static func defaultPreset(forToyData: Bool) -> String { "dcgan28" }
    public static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration {
        try decodeConfig(DCGANConfig.self, from: data, family: name)
    }
}
