import GANLayers
import GANTensor

/// StyleGAN2's generator (Karras et al. 2019, config E: weight demodulation, skip outputs;
/// rosinality's `Generator`), at the sizes of `StyleGANNetworkSettings`: StyleGAN's mapping
/// network and learned constant, then one `StyleGAN2StyledConv` on the constant and two per
/// level above it (the first up-sampling), and a `StyleGAN2ToRGB` per level whose outputs add up.
///
/// ```text
/// w = mapping(z);  h = const
/// level 0:  h = convs.0(h, w₀, noise₀);                       rgb = to_rgbs.0(h, w₁)
/// level k:  h = convs.2k−1(up(h), w_{2k−1}, noise_{2k−1});  h = convs.2k(h, w_{2k}, noise_{2k})
///           rgb = to_rgbs.k(h, w_{2k+1}) + up(rgb)
/// ```
/// Styles: `2(L + 1)` (`settings.styleLayers`, as StyleGAN's), each `to_rgbs.k` taking the style
/// of the next level's first convolution as rosinality's does (the last one a style of its own);
/// noise inputs: `2L + 1`, one per convolution. Style mixing and truncation index the styles.
///
/// State-dict names: `mapping.K.…` and `const` `[1, C₀, b, b]` as `StyleGANGenerator`;
/// `convs.K.…` for K = 0 … 2L and `to_rgbs.k.…` for k = 0 … L (`StyleGAN2StyledConv`,
/// `StyleGAN2ToRGB`); buffer `w_avg` `[nz]`. rosinality's names for the same tensors:
/// `style.(K+1)` (its mapping is fused-LReLU linear layers after a PixelNorm at `style.0`),
/// `input.input`, `conv1` = our `convs.0`, `convs.K` = our `convs.(K+1)`, `to_rgb1` = our
/// `to_rgbs.0`, `to_rgbs.k` = our `to_rgbs.(k+1)`.
public final class StyleGAN2Generator: Module, StyleSynthesisNetwork {
    public let settings: StyleGANNetworkSettings
    public let mapping: StyleGANMapping
    /// `[1, C₀, b, b]`, drawn N(0, 1) (rosinality's `ConstantInput`).
    public let constant: Parameter
    /// `2L + 1`: one on the constant, two per level above it.
    public let convs: ModuleList<StyleGAN2StyledConv>
    /// `L + 1`: one per level.
    public let toRGBs: ModuleList<StyleGAN2ToRGB>
    /// `[nz]`, the moving mean of `w` over training batches.
    public let averageW: Buffer

    public init(settings: StyleGANNetworkSettings, using rng: inout RandomGenerator) {
        self.settings = settings
        let nz = settings.latentDimension, c = settings.levelChannels
        mapping = StyleGANMapping(dimension: nz, depth: settings.mappingLayers,
                                  learningRateMultiplier: settings.mappingLearningRateMultiplier, using: &rng)
        constant = Parameter(Initializer.normal([1, c[0], settings.bottomSide, settings.bottomSide], using: &rng))
        convs = ModuleList((0..<(2 * c.count - 1)).map { i in
            let level = (i + 1) / 2
            let input = i % 2 == 1 ? c[level - 1] : c[level]
            return StyleGAN2StyledConv(inputChannels: input, outputChannels: c[level], styleDimension: nz,
                                       upsample: i % 2 == 1, using: &rng)
        })
        toRGBs = ModuleList(c.map {
            StyleGAN2ToRGB(inputChannels: $0, outputChannels: settings.channels, styleDimension: nz, using: &rng)
        })
        averageW = Buffer(Tensor.zeros([nz]))
    }

    private init(copying other: StyleGAN2Generator) {
        settings = other.settings
        mapping = other.mapping.structuralCopy() as! StyleGANMapping
        constant = Parameter(other.constant.value)
        convs = other.convs.structuralCopy() as! ModuleList<StyleGAN2StyledConv>
        toRGBs = other.toRGBs.structuralCopy() as! ModuleList<StyleGAN2ToRGB>
        averageW = Buffer(other.averageW.value)
    }

    /// Two per level, `2(L + 1)`.
    public var styleCount: Int { settings.styleLayers }

    /// The side of convolution `i`'s output.
    func side(conv i: Int) -> Int { settings.bottomSide << ((i + 1) / 2) }

    /// Noise maps `[N, 1, s_i, s_i]` ~ N(0, 1), one per convolution, in order.
    public func noise(count: Int, using rng: inout RandomGenerator) -> [Tensor] {
        (0..<convs.count).map { i in
            let s = side(conv: i)
            return Tensor.randomNormal([count, 1, s, s], using: &rng)
        }
    }

    /// Noise maps of zeros (the noise inputs switched off).
    public func zeroNoise(count: Int) -> [Tensor] {
        (0..<convs.count).map { i in
            let s = side(conv: i)
            return Tensor.zeros([count, 1, s, s])
        }
    }

    /// Images `[N, channels, S, S]` from `2(L + 1)` styles `[N, nz]` and `2L + 1` noise maps.
    public func synthesize(styles: [Tensor], noise: [Tensor]) -> Tensor {
        precondition(styles.count == styleCount && noise.count == convs.count,
                     "StyleGAN2Generator: needs \(styleCount) styles and \(convs.count) noise maps, got \(styles.count) and \(noise.count)")
        let n = styles[0].shape[0], c = constant.shape
        var h = convs[0](constant.value.broadcast(to: [n, c[1], c[2], c[3]]), style: styles[0], noise: noise[0])
        var rgb = toRGBs[0](h, style: styles[1])
        for k in 1..<toRGBs.count {
            h = convs[2 * k - 1](h, style: styles[2 * k - 1], noise: noise[2 * k - 1])
            h = convs[2 * k](h, style: styles[2 * k], noise: noise[2 * k])
            rgb = toRGBs[k](h, style: styles[2 * k + 1], skip: rgb)
        }
        return rgb
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("mapping", mapping)
        visitor.parameter("const", constant)
        visitor.module("convs", convs)
        visitor.module("to_rgbs", toRGBs)
        visitor.buffer("w_avg", averageW)
    }

    override public func structuralCopy() -> Module { StyleGAN2Generator(copying: self) }
}
