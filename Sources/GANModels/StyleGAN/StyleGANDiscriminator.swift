import GANLayers
import GANTensor

/// StyleGAN's discriminator: ProGAN's, at full size only (the paper keeps ProGAN's D; without
/// growth one `from_rgb` suffices):
///
/// ```text
/// from_rgb: EqualizedConv 1×1 (channels → C_L), LReLU
/// blocks L … 1: EqualizedConv 3×3 ×2, LReLU, 2×2 average pool   (`ProGANDiscriminatorBlock`)
/// block 0: MinibatchStdDev, EqualizedConv 3×3, LReLU, EqualizedLinear ×2 → score [N, 1]
/// ```
///
/// State-dict names: `from_rgb.weight` `[C_L, channels, 1, 1]`, `from_rgb.bias`, `blocks.K.…`.
public final class StyleGANDiscriminator: Module, UnaryLayer {
    public let settings: StyleGANNetworkSettings
    public let fromRGB: EqualizedConv2d
    public let blocks: ModuleList<ProGANDiscriminatorBlock>

    public init(settings: StyleGANNetworkSettings, using rng: inout RandomGenerator) {
        self.settings = settings
        let c = settings.levelChannels
        fromRGB = EqualizedConv2d(inputChannels: settings.channels, outputChannels: c[settings.levels], kernelSize: 1,
                                  gain: Float(2).squareRoot(), using: &rng)
        blocks = ModuleList((0..<c.count).map { k in
            ProGANDiscriminatorBlock(level: k, channels: c[k], outputChannels: k == 0 ? 1 : c[k - 1],
                                     bottomSide: settings.bottomSide, groupSize: settings.groupSize, using: &rng)
        })
    }

    private init(copying other: StyleGANDiscriminator) {
        settings = other.settings
        fromRGB = other.fromRGB.structuralCopy() as! EqualizedConv2d
        blocks = other.blocks.structuralCopy() as! ModuleList<ProGANDiscriminatorBlock>
    }

    /// `[N, channels, S, S]` → scores `[N, 1]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let s = settings.imageSize
        precondition(x.rank == 4 && x.shape[1] == settings.channels && x.shape[2] == s && x.shape[3] == s,
                     "StyleGANDiscriminator: input must be [N, \(settings.channels), \(s), \(s)], got \(x.shape)")
        var h = fromRGB(x).leakyRelu(negativeSlope: 0.2)
        for k in (0..<blocks.count).reversed() { h = blocks[k](h) }
        return h
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("from_rgb", fromRGB)
        visitor.module("blocks", blocks)
    }

    override public func structuralCopy() -> Module { StyleGANDiscriminator(copying: self) }
}
