import Foundation
import GANLayers
import GANTensor

/// The architecture of StyleGAN's networks (Karras et al. 2018), at a side `S = b · 2^L`.
///
/// ```text
/// G mapping (z [N, nz]):  PixelNorm, mappingLayers × (EqualizedLinear(·, nz), lr ×0.01, gain √2, LReLU 0.2) → w [N, nz]
/// G synthesis (w per layer, 2 layers per level):
///   level 0:  const [1, C₀, b, b] (N(0, 1)) → epilogue;  EqualizedConv 3×3 (C₀ → C₀) → epilogue
///   level k:  bilinear ×2, EqualizedConv 3×3 (C_{k−1} → C_k) → epilogue;  EqualizedConv 3×3 (C_k → C_k) → epilogue
///   epilogue: + noise_strength[c] · noise [N, 1, s, s], + bias, LReLU 0.2, AdaIN(w)
///   to_rgb:   EqualizedConv 1×1 (C_L → channels), gain 1, linear output
/// D: ProGAN's discriminator blocks at full size (`StyleGANDiscriminator`).
/// ```
/// Variant 2 (StyleGAN2) builds `StyleGAN2Generator` and `StyleGAN2Discriminator` at the same
/// sides, maps and mapping network.
///
/// What differs from the paper, and why: the paper maps with 8 layers of 512 and synthesises
/// from 512 maps at 4×4; on two CPU cores the presets use a mapping of 4 × 128 (a 128-d `z` and
/// `w`, about 66 k weights, negligible against the synthesis) and the feature maps of ProGAN's
/// presets, halved each time the side doubles. The paper's up-sampling is nearest + a [1, 2, 1]
/// blur; bilinear ×2 (a [1, 3, 3, 1]/4 filter) plays the same anti-aliasing part in one op.
public struct StyleGANNetworkSettings: Codable, Equatable, Sendable {
    /// Image channels (1 grey, 3 colour).
    public var channels: Int
    /// The side of level 0, `b` (the learned constant's side).
    public var bottomSide: Int
    /// Feature maps `C_k` of each level, level 0 first.
    public var levelChannels: [Int]
    /// The size of `z` and of `w`.
    public var latentDimension: Int
    /// Layers of the mapping network.
    public var mappingLayers: Int
    /// The mapping network's learning-rate multiplier (the paper's 0.01).
    public var mappingLearningRateMultiplier: Float
    /// The discriminator's minibatch standard deviation group size.
    public var groupSize: Int

    public init(channels: Int, bottomSide: Int, levelChannels: [Int], latentDimension: Int = 128, mappingLayers: Int = 4,
                mappingLearningRateMultiplier: Float = 0.01, groupSize: Int = 4) {
        self.channels = channels
        self.bottomSide = bottomSide
        self.levelChannels = levelChannels
        self.latentDimension = latentDimension
        self.mappingLayers = mappingLayers
        self.mappingLearningRateMultiplier = mappingLearningRateMultiplier
        self.groupSize = groupSize
    }

    // MARK: - Presets

    /// 28×28 grey (Fashion-MNIST): constant 7×7 → 14 → 28 at 96, 48, 24 maps; mapping 4 × 128.
    public static let grey28 = StyleGANNetworkSettings(channels: 1, bottomSide: 7, levelChannels: [96, 48, 24])

    /// 32×32 colour (CIFAR-10): constant 4×4 → 8 → 16 → 32 at 128, 128, 64, 32 maps; mapping 4 × 128.
    public static let colour32 = StyleGANNetworkSettings(channels: 3, bottomSide: 4, levelChannels: [128, 128, 64, 32])

    /// 64×64 colour (emoji groups): constant 4×4 → … → 64 at 128, 128, 64, 32, 16 maps (ProGAN's
    /// `colour64` sizes); mapping 4 × 128.
    public static let colour64 = StyleGANNetworkSettings(channels: 3, bottomSide: 4, levelChannels: [128, 128, 64, 32, 16])

    // MARK: - Derived sizes

    /// Levels above the bottom one, `L`.
    public var levels: Int { levelChannels.count - 1 }
    /// The target side `S = b · 2^L`.
    public var imageSize: Int { bottomSide << levels }
    /// One image, `[channels, S, S]`.
    public var imageShape: [Int] { [channels, imageSize, imageSize] }
    /// Style inputs, two per level: StyleGAN's synthesis layers (each with its noise map too);
    /// StyleGAN2's convolutions and skip outputs (`StyleGAN2Generator`).
    public var styleLayers: Int { 2 * levelChannels.count }
    /// The side of synthesis layer `i`.
    public func side(layer i: Int) -> Int { bottomSide << (i / 2) }
    /// The feature maps of synthesis layer `i`'s output.
    public func channels(layer i: Int) -> Int { levelChannels[i / 2] }

    /// The same sizes as ProGAN's settings, for its discriminator blocks.
    public var discriminatorSettings: ProGANNetworkSettings {
        ProGANNetworkSettings(channels: channels, bottomSide: bottomSide, levelChannels: levelChannels,
                              latentDimension: latentDimension, groupSize: groupSize)
    }

    /// Checks the settings against what the networks can build.
    public func validate() throws {
        guard latentDimension > 0, mappingLayers >= 1, mappingLearningRateMultiplier > 0 else {
            throw ModelError.invalidOption("StyleGAN needs a positive latent dimension, mapping depth and lr multiplier, got \(latentDimension), \(mappingLayers), \(mappingLearningRateMultiplier)")
        }
        try discriminatorSettings.validate()
    }

    /// A short description for logs.
    public var summary: String {
        "StyleGAN \((0...levels).map { String(bottomSide << $0) }.joined(separator: "→"))×\(channels), z and w \(latentDimension), "
            + "mapping \(mappingLayers) × \(latentDimension) (lr ×\(mappingLearningRateMultiplier)), "
            + "maps \(levelChannels.map(String.init).joined(separator: ", ")), \(styleLayers) style layers"
    }
}
