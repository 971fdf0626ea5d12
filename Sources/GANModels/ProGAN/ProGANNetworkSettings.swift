import Foundation
import GANLayers
import GANTensor

/// The architecture of ProGAN's networks (Karras et al. 2017, table 2), at a target side
/// `S = bottom · 2^L`, with the feature maps of each level given explicitly.
///
/// ```text
/// G (z [N, nz])                                                      side
///   level 0:  PixelNorm(z), EqualizedLinear(nz, C₀·b²) → [N, C₀, b, b], LReLU, PixelNorm      b
///             EqualizedConv 3×3 (C₀ → C₀), LReLU, PixelNorm
///   level k:  nearest ×2, EqualizedConv 3×3 (C_{k−1} → C_k), LReLU, PixelNorm,              b·2^k
///             EqualizedConv 3×3 (C_k → C_k), LReLU, PixelNorm
///   to_rgb.k: EqualizedConv 1×1 (C_k → channels), gain 1, linear output
/// D (x [N, channels, b·2^d, b·2^d])
///   from_rgb.k: EqualizedConv 1×1 (channels → C_k), LReLU
///   level k:  EqualizedConv 3×3 (C_k → C_k), LReLU, EqualizedConv 3×3 (C_k → C_{k−1}), LReLU,
///             2×2 average pool
///   level 0:  MinibatchStdDev (groups of 4), EqualizedConv 3×3 (C₀ + 1 → C₀), LReLU,
///             EqualizedLinear(C₀·b², C₀), LReLU, EqualizedLinear(C₀, 1), gain 1: the score
/// ```
///
/// Every weight has the equalised learning rate with He's gain √2, but the two linear outputs
/// (`to_rgb`, D's last layer: gain 1) and G's first layer (√2/4, as the official code, "to match
/// the original Theano implementation"); LeakyReLU slope 0.2. The output is linear, as the
/// paper's (no tanh): the images are in [−1, 1] and the sample writers clamp.
///
/// What differs from the paper, and why: the paper starts at 4×4 with 512 feature maps up to
/// 32×32 (G about 1.7 G multiply-adds per image at 32×32), far too slow for two CPU cores; the
/// presets halve the maps each time the side doubles, so every level costs about the same, and
/// G and D each stay within a few times DCGAN's cost (see each preset). The paper's first
/// "4×4 convolution" on a 1×1 latent is the official code's dense layer, as here.
public struct ProGANNetworkSettings: Codable, Equatable, Sendable {
    /// Image channels (1 grey, 3 colour).
    public var channels: Int
    /// The side of level 0, `b`.
    public var bottomSide: Int
    /// Feature maps `C_k` of each level, level 0 first; `levelChannels.count − 1` levels grow.
    public var levelChannels: [Int]
    /// The size of `z`.
    public var latentDimension: Int
    /// The minibatch standard deviation's group size (the largest divisor of the batch up to it
    /// is used; the official code needs the batch to be a multiple).
    public var groupSize: Int

    public init(channels: Int, bottomSide: Int, levelChannels: [Int], latentDimension: Int = 128, groupSize: Int = 4) {
        self.channels = channels
        self.bottomSide = bottomSide
        self.levelChannels = levelChannels
        self.latentDimension = latentDimension
        self.groupSize = groupSize
    }

    // MARK: - Presets

    /// 28×28 grey (Fashion-MNIST): 7 → 14 → 28 at 96, 48, 24 maps. G is 29 M multiply-adds per
    /// image at full size (dcgan28's: 28 M), 4 M at 7×7 and 16 M at 14×14; D 29 M. With 128, 64,
    /// 32 maps both would be 51 M.
    public static let grey28 = ProGANNetworkSettings(channels: 1, bottomSide: 7, levelChannels: [96, 48, 24])

    /// 32×32 colour (CIFAR-10): 4 → 8 → 16 → 32 at 128, 128, 64, 32 maps; G 78 M multiply-adds
    /// per image at full size, D 78 M (the paper's CIFAR-10 network, 512 maps throughout, is
    /// about 22× that).
    public static let colour32 = ProGANNetworkSettings(channels: 3, bottomSide: 4, levelChannels: [128, 128, 64, 32])

    /// 64×64 colour (emoji groups): 4 → … → 64 at 128, 128, 64, 32, 16 maps; G 107 M
    /// multiply-adds per image at full size, D 107 M. Slow on two cores.
    public static let colour64 = ProGANNetworkSettings(channels: 3, bottomSide: 4, levelChannels: [128, 128, 64, 32, 16])

    // MARK: - Derived sizes

    /// Levels above the bottom one, `L`.
    public var levels: Int { levelChannels.count - 1 }
    /// The target side `S = b · 2^L`.
    public var imageSize: Int { bottomSide << levels }
    /// The side at `depth`, `b · 2^depth`.
    public func side(depth: Int) -> Int { bottomSide << depth }
    /// One full-size image, `[channels, S, S]`.
    public var imageShape: [Int] { [channels, imageSize, imageSize] }

    /// Multiply-adds per image through G at `depth` (convolutions and linear layers, `to_rgb` of
    /// that depth; a transition adds the smaller `to_rgb` below).
    public func generatorMultiplyAdds(depth: Int) -> Int {
        let c = levelChannels, b = bottomSide
        var total = latentDimension * c[0] * b * b + b * b * 9 * c[0] * c[0]
        for k in stride(from: 1, through: depth, by: 1) {
            let s = side(depth: k)
            total += s * s * 9 * (c[k - 1] * c[k] + c[k] * c[k])
        }
        let s = side(depth: depth)
        return total + s * s * c[depth] * channels
    }

    /// Multiply-adds per image through D at `depth`.
    public func discriminatorMultiplyAdds(depth: Int) -> Int {
        let c = levelChannels, b = bottomSide
        let s = side(depth: depth)
        var total = s * s * channels * c[depth]
        for k in stride(from: 1, through: depth, by: 1) {
            let sk = side(depth: k)
            total += sk * sk * 9 * (c[k] * c[k] + c[k] * c[k - 1])
        }
        return total + b * b * 9 * (c[0] + 1) * c[0] + c[0] * b * b * c[0] + c[0]
    }

    /// Checks the settings against what the networks can build.
    public func validate() throws {
        guard latentDimension > 0 else {
            throw ModelError.invalidOption("the latent dimension must be positive, got \(latentDimension)")
        }
        guard channels == 1 || channels == 3 else {
            throw ModelError.invalidOption("ProGAN's networks take 1 or 3 channels, got \(channels)")
        }
        guard bottomSide >= 1, !levelChannels.isEmpty, levelChannels.allSatisfy({ $0 > 0 }), groupSize >= 1 else {
            throw ModelError.invalidOption(
                "ProGAN needs a positive bottom side, feature maps and group size, got \(bottomSide), \(levelChannels), \(groupSize)")
        }
    }

    /// A short description for logs.
    public var summary: String {
        "ProGAN \((0...levels).map { String(side(depth: $0)) }.joined(separator: "→"))×\(channels), z \(latentDimension), "
            + "maps \(levelChannels.map(String.init).joined(separator: ", ")), "
            + "G \(generatorMultiplyAdds(depth: levels) / 1_000_000) M and D \(discriminatorMultiplyAdds(depth: levels) / 1_000_000) M multiply-adds per image at full size"
    }
}
