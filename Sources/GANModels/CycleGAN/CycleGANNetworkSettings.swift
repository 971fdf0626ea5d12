import GANLayers
import GANTensor

/// The shape of CycleGAN's four networks (two ResNet generators, two PatchGAN discriminators),
/// as the options of `junyanz/pytorch-CycleGAN-and-pix2pix` name them: `ngf`, `n_blocks`,
/// `ndf`, `n_layers_D`. Both domains have the same channel count and image size.
///
/// Encoded as JSON it is the `model_config` that `scripts/reference/cyclegan.py` builds the same
/// PyTorch networks from.
public struct CycleGANNetworkSettings: Codable, Equatable, Sendable {
    /// Image channels `C` of both domains (1 grey, 3 colour).
    public var channels: Int
    /// Image side `S`: a multiple of 4 (two stride-2 convolutions down, two transposed up).
    public var imageSize: Int
    /// `ngf`: channels after the generator's first convolution (×2, ×4 after the downs).
    public var generatorWidth: Int
    /// `n_blocks`: residual blocks at `S/4`.
    public var residualBlocks: Int
    /// `ndf`: channels after the discriminator's first convolution.
    public var discriminatorWidth: Int
    /// `n_layers`: stride-2 convolutions of the PatchGAN discriminator (3 is the 70×70 PatchGAN).
    public var discriminatorLayers: Int

    public init(channels: Int, imageSize: Int, generatorWidth: Int, residualBlocks: Int,
                discriminatorWidth: Int, discriminatorLayers: Int) {
        self.channels = channels
        self.imageSize = imageSize
        self.generatorWidth = generatorWidth
        self.residualBlocks = residualBlocks
        self.discriminatorWidth = discriminatorWidth
        self.discriminatorLayers = discriminatorLayers
    }

    /// 28×28 grey (MNIST ↔ Fashion-MNIST), sized to train in minutes on two cores.
    ///
    /// - `ngf` 32, half the paper's 64: a 28-pixel grey image holds ~1/250 of a 256² colour one,
    ///   and a step at batch 1–4 stays well under a second.
    /// - 3 residual blocks: the receptive field at 7×7 is 13 + 16 per block = 61 pixels, more than
    ///   the 55 that lets a corner pixel see the opposite corner; more blocks add cost, not reach.
    /// - `ndf` 32 and 2 layers: scores on a 5×5 grid, each seeing 34 pixels (about the whole
    ///   image). With 3 layers, InstanceNorm would normalise 3×3 and 2×2 maps (9 and 4 values per
    ///   channel), which erases most of what the discriminator sees.
    public static let grey28 = CycleGANNetworkSettings(channels: 1, imageSize: 28, generatorWidth: 32, residualBlocks: 3,
                                                       discriminatorWidth: 32, discriminatorLayers: 2)

    /// 32×32 colour (SVHN, CIFAR-10 classes), the same widths as `grey28` (104 M multiply-adds
    /// per image through the generator, against 60 M).
    ///
    /// - 4 residual blocks: receptive field 77 ≥ 63, every pixel sees the whole 32×32 image.
    /// - 2 discriminator layers: 6×6 scores, InstanceNorm over 8×8 and 7×7 maps (3 layers would
    ///   normalise 4×4 and 3×3 maps).
    public static let colour32 = CycleGANNetworkSettings(channels: 3, imageSize: 32, generatorWidth: 32, residualBlocks: 4,
                                                         discriminatorWidth: 32, discriminatorLayers: 2)

    /// 64×64 colour: the reference's `resnet_6blocks` generator and `basic` (70×70 PatchGAN)
    /// discriminator at the paper's widths (64, 64), which it uses for 128×128 images. On a
    /// 64-pixel image the 70-pixel patches cover it whole (6×6 scores). Slow on two cores
    /// (2.2 G multiply-adds per image through the generator,
    /// 36× `grey28`'s 60 M).
    public static let colour64 = CycleGANNetworkSettings(channels: 3, imageSize: 64, generatorWidth: 64, residualBlocks: 6,
                                                         discriminatorWidth: 64, discriminatorLayers: 3)

    /// One image, `[C, S, S]`, of either domain.
    public var imageShape: [Int] { [channels, imageSize, imageSize] }

    /// The presets by name.
    public static let presets: [(name: String, settings: CycleGANNetworkSettings)] = [
        ("grey28", .grey28), ("colour32", .colour32), ("colour64", .colour64),
    ]

    /// The channels of the discriminator's convolution `n` (0-based, `n ≤ layers`):
    /// `ndf · min(2ⁿ, 8)`, as the reference's `nf_mult`.
    func discriminatorChannels(_ n: Int) -> Int {
        discriminatorWidth * min(1 << min(n, 3), 8)
    }

    /// The side of each convolution's output in the discriminator, in order: `layers`
    /// stride-2 convolutions (k4 p1: `⌊(s − 2)/2⌋ + 1`), then two stride-1 ones (`s − 1`).
    public var discriminatorSides: [Int] {
        var sides: [Int] = []
        var s = imageSize
        for _ in 0..<discriminatorLayers {
            s = s >= 2 ? (s - 2) / 2 + 1 : 0
            sides.append(s)
        }
        sides.append(s - 1)
        sides.append(s - 2)
        return sides
    }

    /// The discriminator's output `[h, w]` for one image: the grid of patch scores.
    public var patchGrid: [Int] {
        let s = discriminatorSides.last!
        return [s, s]
    }

    /// Checks the settings against what the networks can build.
    public func validate() throws {
        guard channels >= 1 else { throw ModelError.invalidOption("CycleGAN: channels must be positive, got \(channels)") }
        guard generatorWidth >= 1, discriminatorWidth >= 1 else {
            throw ModelError.invalidOption("CycleGAN: network widths must be positive, got ngf \(generatorWidth), ndf \(discriminatorWidth)")
        }
        guard residualBlocks >= 0 else {
            throw ModelError.invalidOption("CycleGAN: residual blocks must not be negative, got \(residualBlocks)")
        }
        // Reflection padding of 1 needs a side of at least 2 at S/4.
        guard imageSize >= 8, imageSize % 4 == 0 else {
            throw ModelError.invalidOption("CycleGAN: the image side must be a multiple of 4 and at least 8, got \(imageSize)")
        }
        guard discriminatorLayers >= 1 else {
            throw ModelError.invalidOption("CycleGAN: the discriminator needs at least 1 layer, got \(discriminatorLayers)")
        }
        // Every normalised map needs more than one value per channel (PyTorch refuses 1×1 too),
        // and the last convolution at least one output.
        let sides = discriminatorSides
        let normalised = sides.dropFirst().dropLast()
        guard sides.last! >= 1, normalised.allSatisfy({ $0 >= 2 }) else {
            throw ModelError.invalidOption("CycleGAN: a \(discriminatorLayers)-layer PatchGAN on \(imageSize)×\(imageSize) images "
                + "gives maps of side \(sides.map(String.init).joined(separator: "→")); use fewer layers")
        }
    }

    /// A short description for logs.
    public var summary: String {
        "CycleGAN \(channels)×\(imageSize)×\(imageSize), ResNet G ngf \(generatorWidth) \(residualBlocks) blocks, "
            + "PatchGAN D ndf \(discriminatorWidth) \(discriminatorLayers) layers (\(patchGrid[0])×\(patchGrid[1]) scores)"
    }
}
