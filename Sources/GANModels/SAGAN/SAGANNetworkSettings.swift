import GANLayers
import GANTensor

/// The shape of SAGAN's two networks: DCGAN-like stacks with spectral norm on every layer and
/// one self-attention block at a middle resolution in each, as the reference code
/// (heykeetae/Self-Attention-GAN) builds them, made class-conditional as the paper does
/// (conditional BatchNorm in G, a projection discriminator) when `classCount > 0`.
///
/// The generator starts at `bottomSide` (7 for 28-pixel images, 4 for powers of two) and doubles
/// `upsamplings` times; the discriminator halves as many times. Channels double towards the
/// small end: G has `generatorWidth · 2^(u − i)` channels at level `i` (0 = the bottom), D has
/// `discriminatorWidth · 2^i` after its `i`-th down-sampling.
///
/// Encoded as JSON it is the `network` of the config `scripts/reference/sagan.py` builds the same
/// PyTorch networks from.
public struct SAGANNetworkSettings: Codable, Equatable, Sendable {
    /// Image channels `C`.
    public var channels: Int
    /// Image side `S`: 2ᵘ · 7 or 2ᵘ · 4, at least 16.
    public var imageSize: Int
    /// The size of `z`.
    public var latentDimension: Int
    /// G's channels at full resolution (`ngf`).
    public var generatorWidth: Int
    /// D's channels after its first down-sampling (`ndf`).
    public var discriminatorWidth: Int
    /// The side of the feature maps both attention blocks work on.
    public var attentionSide: Int
    /// Classes G and D are conditioned on (0: unconditional).
    public var classCount: Int
    /// Power-iteration steps per training forward of every spectrally normalised layer (`nil`:
    /// 1, PyTorch's and both papers' default, and config.json files written before the option).
    public var powerIterations: Int?

    public init(channels: Int, imageSize: Int, latentDimension: Int = 128, generatorWidth: Int,
                discriminatorWidth: Int, attentionSide: Int, classCount: Int = 0) {
        self.channels = channels
        self.imageSize = imageSize
        self.latentDimension = latentDimension
        self.generatorWidth = generatorWidth
        self.discriminatorWidth = discriminatorWidth
        self.attentionSide = attentionSide
        self.classCount = classCount
    }

    /// 28×28 grey (Fashion-MNIST): G 128 channels at 7×7 → 64 at 14 → 32 at 28, D 64 at 14 → 128
    /// at 7, the widths of `dcgan28`, so the two compare at equal size; attention at 14×14 (196
    /// positions, the middle of three resolutions).
    public static let grey28 = SAGANNetworkSettings(channels: 1, imageSize: 28, generatorWidth: 32,
                                                    discriminatorWidth: 64, attentionSide: 14)
    /// 32×32 colour: 4 → 8 → 16 → 32, attention at 16×16 as the paper's ablation found best
    /// among the middle-to-high feature maps.
    public static let colour32 = SAGANNetworkSettings(channels: 3, imageSize: 32, generatorWidth: 32,
                                                      discriminatorWidth: 32, attentionSide: 16)
    /// 64×64 colour: 4 → … → 64, attention at 32×32 (the reference code's `attn1`).
    public static let colour64 = SAGANNetworkSettings(channels: 3, imageSize: 64, generatorWidth: 32,
                                                      discriminatorWidth: 32, attentionSide: 32)

    /// The presets by name.
    public static let presets: [(name: String, settings: SAGANNetworkSettings)] = [
        ("grey28", .grey28), ("colour32", .colour32), ("colour64", .colour64),
    ]

    /// One image, `[C, S, S]`.
    public var imageShape: [Int] { [channels, imageSize, imageSize] }

    /// Stride-2 layers between `bottomSide` and `imageSize`: halvings while the side stays even
    /// and at least 4 (28 → 14 → 7: 2; 32 → … → 4: 3).
    public var upsamplings: Int {
        var side = imageSize, count = 0
        while side % 2 == 0 && side / 2 >= 4 {
            side /= 2
            count += 1
        }
        return count
    }

    /// G's starting side.
    public var bottomSide: Int { imageSize >> upsamplings }

    /// G's channels at level `i` (`0` = `bottomSide`, `upsamplings` = full size).
    public func generatorChannels(_ i: Int) -> Int { generatorWidth << (upsamplings - i) }

    /// D's channels after its `i`-th stride-2 convolution (0-based).
    public func discriminatorChannels(_ i: Int) -> Int { discriminatorWidth << i }

    /// Checks the settings against what the networks can build.
    public func validate() throws {
        guard channels > 0, latentDimension > 0, generatorWidth > 0, discriminatorWidth > 0, classCount >= 0 else {
            throw ModelError.invalidOption("sagan: channels, latent dimension and widths must be positive")
        }
        if let k = powerIterations, k < 1 {
            throw ModelError.invalidOption("sagan: the spectral-norm power iterations must be at least 1, got \(k)")
        }
        guard imageSize >= 16, upsamplings >= 2 else {
            throw ModelError.invalidOption("sagan needs square images whose side is 2ᵘ·7 or 2ᵘ·4 with u ≥ 2 (28, 32, 64, …), got \(imageSize)")
        }
        let sides = (1..<upsamplings).map { bottomSide << $0 }
        guard sides.contains(attentionSide) else {
            throw ModelError.invalidOption("sagan: the attention side must be one of the middle resolutions "
                + "\(sides.map(String.init).joined(separator: ", ")) for \(imageSize)×\(imageSize) images, got \(attentionSide)")
        }
    }

    /// A short description for logs.
    public var summary: String {
        let g = (0...upsamplings).map { "\(generatorChannels($0))@\(bottomSide << $0)" }.joined(separator: "→")
        let d = (0..<upsamplings).map { "\(discriminatorChannels($0))@\(imageSize >> ($0 + 1))" }.joined(separator: "→")
        return "G \(g), D \(d), self-attention at \(attentionSide)×\(attentionSide), spectral norm everywhere"
            + (powerIterations.map { " (\($0) power iterations per forward)" } ?? "") + ", z \(latentDimension)"
    }
}
