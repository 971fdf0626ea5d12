import GANLayers
import GANTensor

/// ProGAN's generator (see `ProGANNetworkSettings` for the layers): one block and one `to_rgb`
/// per level; at a growth `(d, α)` it runs blocks 0…d and returns images of side `b·2^d`,
///
/// ```text
/// α = 1:   to_rgb_d(h_d)
/// α < 1:   (1 − α)·upsample(to_rgb_{d−1}(h_{d−1})) + α·to_rgb_d(h_d)      (nearest ×2)
/// ```
/// so that at the moment a level is added (α = 0) the output is the previous depth's, up-sampled.
///
/// State-dict names: `blocks.K.…`, `to_rgb.K.weight`, `to_rgb.K.bias` for levels K = 0…L.
public final class ProGANGenerator: Module {
    public let settings: ProGANNetworkSettings
    /// One block per level.
    public let blocks: ModuleList<ProGANGeneratorBlock>
    /// One 1×1 output convolution per level, `weight` `[channels, C_k, 1, 1]`, gain 1.
    public let toRGB: ModuleList<EqualizedConv2d>

    public init(settings: ProGANNetworkSettings, using rng: inout RandomGenerator) {
        self.settings = settings
        let c = settings.levelChannels
        blocks = ModuleList((0..<c.count).map { k in
            ProGANGeneratorBlock(level: k, inputFeatures: k == 0 ? settings.latentDimension : c[k - 1], channels: c[k],
                                 bottomSide: settings.bottomSide, using: &rng)
        })
        toRGB = ModuleList(c.map { EqualizedConv2d(inputChannels: $0, outputChannels: settings.channels, kernelSize: 1, using: &rng) })
    }

    private init(copying other: ProGANGenerator) {
        settings = other.settings
        blocks = other.blocks.structuralCopy() as! ModuleList<ProGANGeneratorBlock>
        toRGB = other.toRGB.structuralCopy() as! ModuleList<EqualizedConv2d>
    }

    /// `[N, nz]` → `[N, channels, b·2^d, b·2^d]` at growth `(d, α)`.
    public func callAsFunction(_ z: Tensor, growth: ProGANGrowth) -> Tensor {
        precondition(growth.depth <= settings.levels, "ProGANGenerator: depth \(growth.depth) beyond \(settings.levels) levels")
        var h = blocks[0](z)
        var below: Tensor?
        for k in stride(from: 1, through: growth.depth, by: 1) {
            if k == growth.depth && growth.isFading { below = h }
            h = blocks[k](h)
        }
        let image = toRGB[growth.depth](h)
        guard let below else { return image }
        let previous = toRGB[growth.depth - 1](below).upsampledNearest(scale: 2)
        return (1 - growth.alpha) * previous + growth.alpha * image
    }

    /// The parameters the output at `growth` depends on (blocks 0…d, `to_rgb` d and, in a
    /// transition, d − 1), in `parameters()` order: only these get gradients.
    public func parameters(at growth: ProGANGrowth) -> [Parameter] {
        var modules: [Module] = blocks[0...growth.depth].map { $0 }
        if growth.isFading { modules.append(toRGB[growth.depth - 1]) }
        modules.append(toRGB[growth.depth])
        return modules.flatMap { $0.parameters() }
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("blocks", blocks)
        visitor.module("to_rgb", toRGB)
    }

    override public func structuralCopy() -> Module { ProGANGenerator(copying: self) }
}
