import GANLayers
import GANTensor

/// StyleGAN's generator (see `StyleGANNetworkSettings` for the layers): the mapping network
/// `z → w`, then the synthesis network from a learned constant, one style `w_i` and one noise
/// map per layer, and the tracked mean `w_avg` truncation pulls towards.
///
/// ```text
/// w = mapping(z);  h = const;  h = layer_i(h, w_i, noise_i) for i = 0 …;  image = to_rgb(h)
/// ```
/// With one `w` for every layer `w_i = w`; style mixing gives the layers from a crossover on a
/// second latent's `w`; truncation replaces `w_i` by `w_avg + ψ(w_i − w_avg)` below a cutoff.
///
/// State-dict names: `mapping.K.weight`, `mapping.K.bias`, `const` `[1, C₀, b, b]`,
/// `layers.K.…` (`StyleGANSynthesisLayer`), `to_rgb.weight` `[channels, C_L, 1, 1]`,
/// `to_rgb.bias`, buffer `w_avg` `[nz]`.
public final class StyleGANGenerator: Module, StyleSynthesisNetwork {
    public let settings: StyleGANNetworkSettings
    public let mapping: StyleGANMapping
    /// `[1, C₀, b, b]`, drawn N(0, 1) as rosinality's `ConstantInput` (the official code starts
    /// from ones: layer 0's instance norm then divides the constant's round-off by √ε, 10⁴×, until
    /// training spreads it, and zero-noise samples of a young run are float noise).
    public let constant: Parameter
    /// Two per level.
    public let layers: ModuleList<StyleGANSynthesisLayer>
    /// 1×1, gain 1.
    public let toRGB: EqualizedConv2d
    /// `[nz]`, the moving mean of `w` over training batches.
    public let averageW: Buffer

    public init(settings: StyleGANNetworkSettings, using rng: inout RandomGenerator) {
        self.settings = settings
        let nz = settings.latentDimension
        mapping = StyleGANMapping(dimension: nz, depth: settings.mappingLayers,
                                  learningRateMultiplier: settings.mappingLearningRateMultiplier, using: &rng)
        let c = settings.levelChannels
        constant = Parameter(Initializer.normal([1, c[0], settings.bottomSide, settings.bottomSide], using: &rng))
        layers = ModuleList((0..<settings.styleLayers).map { i in
            let level = i / 2
            let input: Int? = i == 0 ? nil : (i % 2 == 0 ? c[level - 1] : c[level])
            return StyleGANSynthesisLayer(inputChannels: input, outputChannels: c[level], styleDimension: nz,
                                          upsample: i >= 2 && i % 2 == 0, using: &rng)
        })
        toRGB = EqualizedConv2d(inputChannels: c[settings.levels], outputChannels: settings.channels, kernelSize: 1, using: &rng)
        averageW = Buffer(Tensor.zeros([nz]))
    }

    private init(copying other: StyleGANGenerator) {
        settings = other.settings
        mapping = other.mapping.structuralCopy() as! StyleGANMapping
        constant = Parameter(other.constant.value)
        layers = other.layers.structuralCopy() as! ModuleList<StyleGANSynthesisLayer>
        toRGB = other.toRGB.structuralCopy() as! EqualizedConv2d
        averageW = Buffer(other.averageW.value)
    }

    /// Noise maps `[N, 1, s_i, s_i]` ~ N(0, 1), one per layer, in layer order.
    public func noise(count: Int, using rng: inout RandomGenerator) -> [Tensor] {
        (0..<settings.styleLayers).map { i in
            let s = settings.side(layer: i)
            return Tensor.randomNormal([count, 1, s, s], using: &rng)
        }
    }

    /// Noise maps of zeros (the noise inputs switched off).
    public func zeroNoise(count: Int) -> [Tensor] {
        (0..<settings.styleLayers).map { i in
            let s = settings.side(layer: i)
            return Tensor.zeros([count, 1, s, s])
        }
    }

    /// Images `[N, channels, S, S]` from one style `[N, nz]` per layer and one noise map per layer.
    public func synthesize(styles: [Tensor], noise: [Tensor]) -> Tensor {
        precondition(styles.count == layers.count && noise.count == layers.count,
                     "StyleGANGenerator: needs \(layers.count) styles and noise maps, got \(styles.count) and \(noise.count)")
        let n = styles[0].shape[0], c = constant.shape
        var h = constant.value.broadcast(to: [n, c[1], c[2], c[3]])
        for (i, layer) in layers.enumerated() { h = layer(h, style: styles[i], noise: noise[i]) }
        return toRGB(h)
    }

    /// One style per synthesis layer.
    public var styleCount: Int { layers.count }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("mapping", mapping)
        visitor.parameter("const", constant)
        visitor.module("layers", layers)
        visitor.module("to_rgb", toRGB)
        visitor.buffer("w_avg", averageW)
    }

    override public func structuralCopy() -> Module { StyleGANGenerator(copying: self) }
}
