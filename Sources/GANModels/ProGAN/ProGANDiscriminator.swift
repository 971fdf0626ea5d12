import GANLayers
import GANTensor

/// ProGAN's discriminator, the generator's mirror (see `ProGANNetworkSettings`): one
/// `from_rgb` and one block per level; at a growth `(d, α)` it takes images of side `b·2^d`,
///
/// ```text
/// α = 1:   h = block_d(from_rgb_d(x))
/// α < 1:   h = (1 − α)·from_rgb_{d−1}(avgpool(x)) + α·block_d(from_rgb_d(x))
/// then blocks d−1 … 0: one score per image, [N, 1]
/// ```
/// (`from_rgb` includes its LeakyReLU), so at the moment a level is added (α = 0) the score of
/// `x` is the previous depth's score of `avgpool(x)`.
///
/// State-dict names: `from_rgb.K.weight`, `from_rgb.K.bias`, `blocks.K.…` for levels K = 0…L.
public final class ProGANDiscriminator: Module {
    public let settings: ProGANNetworkSettings
    /// One 1×1 input convolution per level, `weight` `[C_k, channels, 1, 1]`.
    public let fromRGB: ModuleList<EqualizedConv2d>
    /// One block per level.
    public let blocks: ModuleList<ProGANDiscriminatorBlock>

    public init(settings: ProGANNetworkSettings, using rng: inout RandomGenerator) {
        self.settings = settings
        let c = settings.levelChannels
        fromRGB = ModuleList(c.map {
            EqualizedConv2d(inputChannels: settings.channels, outputChannels: $0, kernelSize: 1,
                            gain: Float(2).squareRoot(), using: &rng)
        })
        blocks = ModuleList((0..<c.count).map { k in
            ProGANDiscriminatorBlock(level: k, channels: c[k], outputChannels: k == 0 ? 1 : c[k - 1],
                                     bottomSide: settings.bottomSide, groupSize: settings.groupSize, using: &rng)
        })
    }

    private init(copying other: ProGANDiscriminator) {
        settings = other.settings
        fromRGB = other.fromRGB.structuralCopy() as! ModuleList<EqualizedConv2d>
        blocks = other.blocks.structuralCopy() as! ModuleList<ProGANDiscriminatorBlock>
    }

    /// `[N, channels, b·2^d, b·2^d]` → scores `[N, 1]` at growth `(d, α)`.
    public func callAsFunction(_ x: Tensor, growth: ProGANGrowth) -> Tensor {
        let d = growth.depth, side = settings.side(depth: d)
        precondition(d <= settings.levels && x.rank == 4 && x.shape[1] == settings.channels && x.shape[2] == side && x.shape[3] == side,
                     "ProGANDiscriminator: at depth \(d) the input must be [N, \(settings.channels), \(side), \(side)], got \(x.shape)")
        var h = blocks[d](fromRGB[d](x).leakyRelu(negativeSlope: 0.2))
        if growth.isFading {
            let below = fromRGB[d - 1](x.downsampled2x()).leakyRelu(negativeSlope: 0.2)
            h = (1 - growth.alpha) * below + growth.alpha * h
        }
        for k in (0..<d).reversed() { h = blocks[k](h) }
        return h
    }

    /// The parameters the score at `growth` depends on (`from_rgb` d and, in a transition,
    /// d − 1; blocks 0…d), in `parameters()` order: only these get gradients.
    public func parameters(at growth: ProGANGrowth) -> [Parameter] {
        var modules: [Module] = []
        if growth.isFading { modules.append(fromRGB[growth.depth - 1]) }
        modules.append(fromRGB[growth.depth])
        modules += blocks[0...growth.depth].map { $0 }
        return modules.flatMap { $0.parameters() }
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("from_rgb", fromRGB)
        visitor.module("blocks", blocks)
    }

    override public func structuralCopy() -> Module { ProGANDiscriminator(copying: self) }
}
