import Foundation
import GANLayers
import GANTensor

/// One of CoGAN's two domains (the paper's digits and their negatives or edge maps).
public enum CoGANDomain: String, Codable, CaseIterable, Sendable {
    case a
    case b
}

/// The architecture of CoGAN's coupled networks for 28×28 images: the MNIST networks of Liu &
/// Tuzel (2016, supplementary table) with every hidden width scaled by a multiplier.
///
/// ```text
/// generators (z [N, nz] as [N, nz, 1, 1])                               shared?
///   ConvTranspose2d(nz, 1024g, 4, 1, 0), BatchNorm2d, PReLU   1 → 4      yes
///   ConvTranspose2d(1024g, 512g, 3, 2, 1), BatchNorm2d, PReLU 4 → 7      yes
///   ConvTranspose2d(512g, 256g, 3, 2, 1), BatchNorm2d, PReLU  7 → 13     yes
///   ConvTranspose2d(256g, 128g, 3, 2, 1), BatchNorm2d, PReLU  13 → 25    yes
///   ConvTranspose2d(128g, C, 6, 1, 1), Tanh                   25 → 28    no (one per domain)
/// discriminators (x [N, C, 28, 28])
///   Conv2d(C, 20d, 5), MaxPool2d(2)                           28 → 12    no (one per domain)
///   Conv2d(20d, 50d, 5), MaxPool2d(2)                         12 → 4     yes
///   Linear(50d·16, 500d), PReLU                                          yes
///   Linear(500d, 1)                                                      yes
/// ```
///
/// What differs from the paper, and why:
/// - widths are `round(base × multiplier)` (`generatorWidth` g, `discriminatorWidth` d): the
///   paper's generator (1024 channels at 4×4, 4.7 M weights in its second layer alone) costs
///   about 100 M multiply-adds per sample, too slow to train in minutes on two cores;
/// - the last layer is tanh, not sigmoid: our images are in [−1, 1];
/// - the discriminators return logits (no sigmoid): the losses take logits;
/// - the table gives no padding; padding 1 on the stride-2 layers and the last one is what
///   makes 4 → 7 → 13 → 25 → 28, the MNIST size;
/// - the PReLUs have one slope per channel (Caffe's default, which the paper used), starting
///   at 0.25; the convolutions of the discriminators have no activation, as in the paper's
///   LeNet-style network (max pooling is their non-linearity).
public struct CoGANNetworkSettings: Codable, Equatable, Sendable {
    /// The paper's generator widths (channels after each shared layer) at multiplier 1.
    public static let paperGeneratorChannels = [1024, 512, 256, 128]
    /// The paper's discriminator widths (first conv, second conv, hidden linear) at multiplier 1.
    public static let paperDiscriminatorChannels = [20, 50, 500]
    /// The image side these networks make and take.
    public static let imageSize = 28

    /// The size of `z`.
    public var latentDimension: Int
    /// Image channels (1 for grey).
    public var channels: Int
    /// Multiplier on the generator widths 1024, 512, 256, 128.
    public var generatorWidth: Double
    /// Multiplier on the discriminator widths 20, 50, 500.
    public var discriminatorWidth: Double
    /// DCGAN's N(0, 0.02) initialisation of convolutions, linear layers and BatchNorm;
    /// otherwise PyTorch's defaults.
    public var dcganInitialization: Bool

    /// Settings with the paper's values for everything not given.
    public init(latentDimension: Int = 100, channels: Int = 1, generatorWidth: Double = 1,
                discriminatorWidth: Double = 1, dcganInitialization: Bool = true) {
        self.latentDimension = latentDimension
        self.channels = channels
        self.generatorWidth = generatorWidth
        self.discriminatorWidth = discriminatorWidth
        self.dcganInitialization = dcganInitialization
    }

    /// The 28-pixel grey preset: the paper's discriminators, generators at a quarter width
    /// (256, 128, 64, 32 channels). Forward and backward at batch 64 (both domains, two cores
    /// of an AMD EPYC): both generators 110 ms, both discriminators 35 ms; the paper's widths
    /// take 1.2 s for the generators.
    public static let grey28 = CoGANNetworkSettings(generatorWidth: 0.25, discriminatorWidth: 1)

    /// The generator's four shared widths, `round(paper × generatorWidth)`, at least 1.
    public var generatorChannels: [Int] { Self.paperGeneratorChannels.map { Self.scaled($0, generatorWidth) } }
    /// The discriminator's widths (first conv, second conv, hidden linear).
    public var discriminatorChannels: [Int] { Self.paperDiscriminatorChannels.map { Self.scaled($0, discriminatorWidth) } }
    /// The shape of one sample, `[C, 28, 28]`.
    public var dataShape: [Int] { [channels, Self.imageSize, Self.imageSize] }

    /// `base × multiplier` rounded half away from zero (`floor(x + 0.5)` in the PyTorch reference).
    static func scaled(_ base: Int, _ multiplier: Double) -> Int {
        Swift.max(1, Int((Double(base) * multiplier).rounded(.toNearestOrAwayFromZero)))
    }

    /// Checks the settings against what the networks can build.
    public func validate() throws {
        guard latentDimension > 0 else {
            throw ModelError.invalidOption("the latent dimension must be positive, got \(latentDimension)")
        }
        guard channels == 1 || channels == 3 else {
            throw ModelError.invalidOption("CoGAN's networks take 1 or 3 channels, got \(channels)")
        }
        guard generatorWidth > 0, generatorWidth.isFinite, discriminatorWidth > 0, discriminatorWidth.isFinite else {
            throw ModelError.invalidOption(
                "CoGAN's width multipliers must be positive, got generator \(generatorWidth), discriminator \(discriminatorWidth)")
        }
    }

    /// Both generators, drawn from `rng` (then DCGAN-initialised from it when asked).
    public func makeGenerators(using rng: inout RandomGenerator) -> CoGANGenerators {
        let g = CoGANGenerators(settings: self, using: &rng)
        if dcganInitialization { Initializer.dcgan(g, using: &rng) }
        return g
    }

    /// Both discriminators, drawn from `rng` (then DCGAN-initialised from it when asked).
    public func makeDiscriminators(using rng: inout RandomGenerator) -> CoGANDiscriminators {
        let d = CoGANDiscriminators(settings: self, using: &rng)
        if dcganInitialization { Initializer.dcgan(d, using: &rng) }
        return d
    }

    /// A short description for logs.
    public var summary: String {
        "CoGAN 28×28×\(channels), z \(latentDimension), G \(generatorChannels.map(String.init).joined(separator: "→")), "
            + "D \(discriminatorChannels.map(String.init).joined(separator: "→"))"
    }
}
