import GANLayers
import GANTensor

/// BigGAN's discriminator (Brock et al. 2018) as BigGAN-PyTorch's `Discriminator` with
/// `D_wide`, `D_param 'SN'`, `D_init 'ortho'` and a projection head, under these state_dict names:
///
/// ```text
/// blocks.i   BigGANDiscriminatorBlock(C or d_{i−1}·ch → d_i·ch), preactivation for i > 0
/// attention  BigGANAttention(d_a·ch) after the first block a whose output side is the attention side
/// linear     SN Linear(d_last·ch, 1)          // linear.weight_orig [1, c], linear.bias [1]
/// embed      SN Embedding(K, d_last·ch)       // embed.weight_orig [K, c]
/// h   = Σ_{H,W} relu(features)                [N, c]
/// out = linear(h) + Σ_c embed(y)·h            [N, 1]
/// ```
///
/// As for the generator, the attention block is the child `attention` (BigGAN-PyTorch's
/// `blocks.a.1`) and spectral norm is `torch.nn.utils.spectral_norm`'s.
/// Shapes: `[N, C, S, S]` and N labels → raw scores `[N, 1]`.
public final class BigGANDiscriminator: Module, DiscriminatorNetwork {
    public let settings: BigGANNetworkSettings
    /// The residual blocks, `blocks.0` … .
    public let blocks: ModuleList<BigGANDiscriminatorBlock>
    /// The attention block after block `settings.discriminatorAttentionIndex`, if any.
    public let attention: BigGANAttention?
    /// The unconditional score of the pooled features.
    public let linear: SpectralNorm<Linear>
    /// The class vectors of the projection.
    public let embed: SpectralNorm<Embedding>

    /// A discriminator for `settings` (which must validate), drawn from `rng` as BigGAN-PyTorch's
    /// orthogonal initialisation.
    public convenience init(settings: BigGANNetworkSettings, using rng: inout RandomGenerator) {
        self.init(settings: settings, orthogonal: true, using: &rng)
    }

    /// `orthogonal: false` skips the (slow) orthogonal draw, for copies whose values are overwritten.
    init(settings: BigGANNetworkSettings, orthogonal: Bool, using rng: inout RandomGenerator) {
        self.settings = settings
        let channels = settings.discriminatorChannels
        blocks = ModuleList(channels.indices.map { i in
            BigGANDiscriminatorBlock(inputChannels: i == 0 ? settings.channels : channels[i - 1], outputChannels: channels[i],
                                     preactivation: i > 0, downsample: settings.discriminatorDownsample[i], using: &rng)
        })
        attention = settings.discriminatorAttentionIndex.map { BigGANAttention(channels: channels[$0], using: &rng) }
        linear = SpectralNorm(Linear(inputFeatures: channels.last!, outputFeatures: 1, using: &rng), using: &rng)
        embed = SpectralNorm(Embedding(entries: settings.classCount, dimension: channels.last!, using: &rng), using: &rng)
        super.init()
        setSpectralNormIterations(settings.powerIterations ?? 1)
        if orthogonal { Initializer.bigGANOrthogonal(self, using: &rng) }
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("blocks", blocks)
        visitor.module("attention", attention)
        visitor.module("linear", linear)
        visitor.module("embed", embed)
    }

    override public func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return BigGANDiscriminator(settings: settings, orthogonal: false, using: &rng)
    }

    /// Raw scores `[N, 1]` for images `x` `[N, C, S, S]` of classes `labels` (`nil`: class 0,
    /// allowed only when there is one class).
    public func score(_ x: Tensor, labels: [Int]?) -> Tensor {
        let s = settings
        precondition(x.rank == 4 && Array(x.shape.dropFirst()) == s.imageShape,
                     "BigGANDiscriminator: expected [N, \(s.channels), \(s.imageSize), \(s.imageSize)], got \(x.shape)")
        let n = x.shape[0]
        precondition(labels != nil || s.classCount == 1, "BigGANDiscriminator: \(s.classCount) classes, so scoring needs labels")
        let classes = labels ?? [Int](repeating: 0, count: n)
        precondition(classes.count == n, "BigGANDiscriminator: \(classes.count) labels for a batch of \(n)")
        var h = x
        for (i, block) in blocks.enumerated() {
            h = block(h)
            if i == s.discriminatorAttentionIndex, let attention { h = attention(h) }
        }
        let pooled = h.relu().sum(axes: [2, 3])                                    // [N, c]
        return linear(pooled) + (embed(classes) * pooled).sum(axis: 1, keepDims: true)
    }
}
