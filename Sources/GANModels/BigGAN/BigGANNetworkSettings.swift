import GANLayers
import GANTensor

/// The shape of BigGAN's generator and discriminator (Brock et al. 2018), in the terms of
/// `ajbrock/BigGAN-PyTorch` (`G_ch`/`D_ch` = `width`, `dim_z`, `shared_dim`, `bottom_width`,
/// the channel multipliers of its `G_arch` / `D_arch` tables, `G_attn` / `D_attn`), always
/// with its ImageNet options: shared class embedding, hierarchical latents, spectral norm
/// everywhere but `shared`, orthogonal initialisation.
///
/// ```text
/// G: z [N, dim_z] → chunks z₀ … z_B (B blocks, dim_z / (B+1) each)
///    linear(z₀) → [N, m₀·ch, bottom, bottom]
///    block i (side s → 2s, m_i·ch → m_{i+1}·ch), conditioned on [shared(y), z_{i+1}]
///    attention after the block whose output side is `generatorAttention`
///    output_bn, ReLU, output_conv (3×3 → C), tanh → [N, C, S, S], S = bottom·2^B
/// D: x [N, C, S, S] → block i (C or d_{i−1}·ch → d_i·ch, halving the side when downsample[i])
///    attention after the first block whose output side is `discriminatorAttention`
///    ReLU, sum over H, W → h [N, d_last·ch]; linear(h) + Σ embed(y)·h → [N, 1]
/// ```
///
/// Encoded as JSON it is the settings dict that `scripts/reference/biggan.py` builds the same
/// PyTorch networks from (`generatorAttention`/`discriminatorAttention` absent or null for none).
public struct BigGANNetworkSettings: Codable, Equatable, Sendable {
    /// Image channels `C` (1 grey, 3 colour).
    public var channels: Int
    /// Image side `S`; must be `bottomWidth · 2^(generator blocks)`.
    public var imageSize: Int
    /// BigGAN's `ch`: every channel count is a multiplier of it.
    public var width: Int
    /// `dim_z`: split into (generator blocks + 1) equal chunks, so it must divide evenly.
    public var latentDimension: Int
    /// `shared_dim`: the length of G's class embedding.
    public var sharedDimension: Int
    /// `K`: classes of the shared embedding and of D's projection (1 for unlabelled data).
    public var classCount: Int
    /// G's channel multipliers of `width`, one more than the blocks: block `i` maps
    /// `m[i]·ch` to `m[i+1]·ch` channels.
    public var generatorMultipliers: [Int]
    /// G's starting side (`bottom_width`).
    public var bottomWidth: Int
    /// The side after whose block G has its attention block; `nil` for none.
    public var generatorAttention: Int?
    /// D's channel multipliers of `width`, one per block (its output channels).
    public var discriminatorMultipliers: [Int]
    /// Whether each D block halves the side (2×2 average pooling).
    public var discriminatorDownsample: [Bool]
    /// The side after whose (first) block D has its attention block; `nil` for none.
    public var discriminatorAttention: Int?
    /// Power-iteration steps per training forward of every spectrally normalised layer (`nil`:
    /// 1, PyTorch's and both papers' default, and config.json files written before the option).
    public var powerIterations: Int?

    public init(channels: Int, imageSize: Int, width: Int, latentDimension: Int, sharedDimension: Int,
                classCount: Int, generatorMultipliers: [Int], bottomWidth: Int, generatorAttention: Int?,
                discriminatorMultipliers: [Int], discriminatorDownsample: [Bool], discriminatorAttention: Int?) {
        self.channels = channels
        self.imageSize = imageSize
        self.width = width
        self.latentDimension = latentDimension
        self.sharedDimension = sharedDimension
        self.classCount = classCount
        self.generatorMultipliers = generatorMultipliers
        self.bottomWidth = bottomWidth
        self.generatorAttention = generatorAttention
        self.discriminatorMultipliers = discriminatorMultipliers
        self.discriminatorDownsample = discriminatorDownsample
        self.discriminatorAttention = discriminatorAttention
    }

    // MARK: - Presets

    /// 28×28 grey (MNIST, Fashion-MNIST), `ch` 16, sized to train on two CPU cores.
    ///
    /// - G starts at 7×7 (28 = 7·2²) with two blocks 7 → 14 → 28 at 64, 64, 32 channels
    ///   (multipliers 4, 4, 2): BigGAN-PyTorch's 32-pixel net keeps `4·ch` everywhere, and the
    ///   last block, the costliest at 28×28, is halved. G is about 40 M multiply-adds per image
    ///   (dcgan28's: 28 M); at `ch` 32 it is 160 M and trains at a quarter of the speed.
    /// - Attention at 14×14 in both networks: 196 queries over 49 pooled keys; 7×7 cannot be
    ///   max-pooled by 2, 28×28 would cost 16× more.
    /// - D: 28 → 14 → 7, then two blocks at 7 (BigGAN-PyTorch's 32-pixel D also ends with two
    ///   blocks that keep the side), 32, 64, 64, 64 channels.
    /// - `dim_z` 120 and `shared_dim` 128, BigGAN's ImageNet values: 120 splits evenly into 3
    ///   (here), 4 and 5 chunks of 40, 30, 24; the conditioning maps they feed cost little next
    ///   to the convolutions.
    /// - 10 classes until the data sets `classCount`.
    public static let grey28 = BigGANNetworkSettings(
        channels: 1, imageSize: 28, width: 16, latentDimension: 120, sharedDimension: 128, classCount: 10,
        generatorMultipliers: [4, 4, 2], bottomWidth: 7, generatorAttention: 14,
        discriminatorMultipliers: [2, 4, 4, 4], discriminatorDownsample: [true, true, false, false],
        discriminatorAttention: 14)

    /// 32×32 colour (CIFAR-10), BigGAN-PyTorch's `arch[32]` at `ch` 32 (its CIFAR runs use 64):
    /// `4·ch` = 128 channels in every block, G 4 → 8 → 16 → 32, D 32 → 16 → 8, 8, 8; attention
    /// at 16×16 in both (256 queries over 64 keys). `dim_z` 120 gives 4 chunks of 30.
    public static let colour32 = BigGANNetworkSettings(
        channels: 3, imageSize: 32, width: 32, latentDimension: 120, sharedDimension: 128, classCount: 10,
        generatorMultipliers: [4, 4, 4, 4], bottomWidth: 4, generatorAttention: 16,
        discriminatorMultipliers: [4, 4, 4, 4], discriminatorDownsample: [true, true, false, false],
        discriminatorAttention: 16)

    /// 64×64 colour, BigGAN-PyTorch's `arch[64]` at `ch` 32: G 16, 16, 8, 4, 2 × ch
    /// (512 → 512 → 256 → 128 → 64 channels, 4 → 8 → 16 → 32 → 64), D 1, 2, 4, 8, 16 × ch
    /// (64 → 32 → 16 → 8 → 4, 4); attention at 32×32 (1024 queries over 256 keys), where the
    /// paper's 128-pixel model has it at 64 (half the side). `dim_z` 120 gives 5 chunks of 24.
    /// Slow on two cores: about 1.8 G multiply-adds per image through G, 11× `grey28`.
    public static let colour64 = BigGANNetworkSettings(
        channels: 3, imageSize: 64, width: 32, latentDimension: 120, sharedDimension: 128, classCount: 10,
        generatorMultipliers: [16, 16, 8, 4, 2], bottomWidth: 4, generatorAttention: 32,
        discriminatorMultipliers: [1, 2, 4, 8, 16], discriminatorDownsample: [true, true, true, true, false],
        discriminatorAttention: 32)

    /// The presets by name.
    public static let presets: [(name: String, settings: BigGANNetworkSettings)] = [
        ("grey28", .grey28), ("colour32", .colour32), ("colour64", .colour64),
    ]

    // MARK: - Derived sizes

    /// One image, `[C, S, S]`.
    public var imageShape: [Int] { [channels, imageSize, imageSize] }
    /// G's residual blocks `B`.
    public var generatorBlocks: Int { max(generatorMultipliers.count - 1, 0) }
    /// The length of each latent chunk: `dim_z / (B + 1)`.
    public var latentChunk: Int { latentDimension / (generatorBlocks + 1) }
    /// The conditioning vector of each G block: `shared_dim + chunk`.
    public var conditioningDimension: Int { sharedDimension + latentChunk }
    /// G's channels: before block 0, then after each block.
    public var generatorChannels: [Int] { generatorMultipliers.map { $0 * width } }
    /// The side of each G block's output: `bottom · 2^(i+1)`.
    public var generatorSides: [Int] { (0..<generatorBlocks).map { bottomWidth << ($0 + 1) } }
    /// The G block after which the attention block runs, or `nil`.
    public var generatorAttentionIndex: Int? {
        generatorAttention.flatMap { side in generatorSides.firstIndex(of: side) }
    }
    /// D's channels after each block.
    public var discriminatorChannels: [Int] { discriminatorMultipliers.map { $0 * width } }
    /// The side of each D block's output.
    public var discriminatorSides: [Int] {
        var side = imageSize
        return discriminatorDownsample.map { down in
            if down { side /= 2 }
            return side
        }
    }
    /// The D block after which the attention block runs (the first with that output side), or `nil`.
    public var discriminatorAttentionIndex: Int? {
        discriminatorAttention.flatMap { side in discriminatorSides.firstIndex(of: side) }
    }

    // MARK: - Validation

    /// Checks the settings against what the networks can build.
    public func validate() throws {
        func fail(_ message: String) -> ModelError { ModelError.invalidOption("BigGAN: " + message) }
        guard channels >= 1, width >= 1, sharedDimension >= 1 else {
            throw fail("channels, width and shared dimension must be positive, got \(channels), \(width), \(sharedDimension)")
        }
        if let k = powerIterations, k < 1 {
            throw fail("the spectral-norm power iterations must be at least 1, got \(k)")
        }
        guard classCount >= 1 else {
            throw fail("the class count must be at least 1 (1 for unlabelled data), got \(classCount)")
        }
        guard generatorMultipliers.count >= 2, generatorMultipliers.allSatisfy({ $0 >= 1 }) else {
            throw fail("the generator needs at least 2 positive multipliers (one more than its blocks), "
                + "got \(generatorMultipliers)")
        }
        guard bottomWidth >= 1, imageSize == bottomWidth << generatorBlocks else {
            throw fail("a generator of \(generatorBlocks) blocks from side \(bottomWidth) makes "
                + "\(bottomWidth << generatorBlocks)×\(bottomWidth << generatorBlocks) images, not \(imageSize)×\(imageSize)")
        }
        let slots = generatorBlocks + 1
        guard latentDimension >= slots, latentDimension % slots == 0 else {
            throw fail("the latent dimension \(latentDimension) must split into \(slots) equal chunks "
                + "(one for the first linear layer, one per generator block)")
        }
        if let side = generatorAttention {
            guard let index = generatorAttentionIndex else {
                throw fail("generator attention at side \(side): no generator block outputs that side "
                    + "(\(generatorSides.map(String.init).joined(separator: ", ")))")
            }
            try Self.checkAttention(side: side, channels: generatorChannels[index + 1], network: "generator")
        }
        guard !discriminatorMultipliers.isEmpty, discriminatorMultipliers.allSatisfy({ $0 >= 1 }) else {
            throw fail("the discriminator needs at least 1 positive multiplier, got \(discriminatorMultipliers)")
        }
        guard discriminatorDownsample.count == discriminatorMultipliers.count else {
            throw fail("the discriminator has \(discriminatorMultipliers.count) multipliers but "
                + "\(discriminatorDownsample.count) downsample flags (one per block)")
        }
        var side = imageSize
        for (i, down) in discriminatorDownsample.enumerated() where down {
            guard side >= 2, side % 2 == 0 else {
                throw fail("discriminator block \(i) cannot halve side \(side) (2×2 average pooling needs an even side)")
            }
            side /= 2
        }
        if let side = discriminatorAttention {
            guard let index = discriminatorAttentionIndex else {
                throw fail("discriminator attention at side \(side): no discriminator block outputs that side "
                    + "(\(discriminatorSides.map(String.init).joined(separator: ", ")))")
            }
            try Self.checkAttention(side: side, channels: discriminatorChannels[index], network: "discriminator")
        }
    }

    /// Attention max-pools keys and values 2×2 and has `C/8` query channels.
    private static func checkAttention(side: Int, channels: Int, network: String) throws {
        guard side >= 2, side % 2 == 0 else {
            throw ModelError.invalidOption("BigGAN: \(network) attention at side \(side): keys are max-pooled 2×2, "
                + "which needs an even side")
        }
        guard channels >= 8 else {
            throw ModelError.invalidOption("BigGAN: \(network) attention on \(channels) channels: it needs at least 8 "
                + "(queries and keys have C/8)")
        }
    }

    /// A short description for logs.
    public var summary: String {
        "BigGAN \(channels)×\(imageSize)×\(imageSize), ch \(width), G "
            + generatorChannels.map(String.init).joined(separator: "→")
            + (generatorAttention.map { " attention@\($0)" } ?? "")
            + ", D " + discriminatorChannels.map(String.init).joined(separator: "→")
            + (discriminatorAttention.map { " attention@\($0)" } ?? "")
            + ", z \(latentDimension) (\(generatorBlocks + 1)×\(latentChunk)), shared \(sharedDimension), \(classCount) classes"
            + (powerIterations.map { ", \($0) spectral-norm power iterations per forward" } ?? "")
    }
}
