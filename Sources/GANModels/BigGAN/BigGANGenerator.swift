import GANLayers
import GANTensor

/// BigGAN's generator (Brock et al. 2018) as BigGAN-PyTorch's `Generator` with `G_shared`,
/// `hier`, `G_param 'SN'` and `G_init 'ortho'`, under these state_dict names:
///
/// ```text
/// shared       Embedding(K, shared_dim)                 // [K, shared]  not spectrally normalised
/// linear       SN Linear(dim_z/(B+1), m₀·ch·bottom²)   // linear.weight_orig, linear.bias
/// blocks.i     BigGANGeneratorBlock(m_i·ch → m_{i+1}·ch), conditioned on [shared(y), z_{i+1}]
/// attention    BigGANAttention(m_{a+1}·ch) after block a, whose output side is the attention side
/// output_bn    BatchNorm2d(m_B·ch)                      // affine, ε 1e-5, running statistics
/// output_conv  SN Conv2d(m_B·ch, C, 3, padding 1)       // + bias; then tanh
/// ```
///
/// What differs from BigGAN-PyTorch: the attention block is the child `attention` (theirs is
/// `blocks.a.1`, the block itself `blocks.i.0`), the output layers are `output_bn` and
/// `output_conv` (theirs `output_layer.0`, `.2`), the conditional batch norms keep their
/// statistics in a `bn` child as `nn.BatchNorm2d(affine=False)` does, spectral norm is
/// `torch.nn.utils.spectral_norm`'s (`weight_orig`, `weight_u`, `weight_v`, ε 1e-12) and the
/// image has `C` channels rather than 3. `init_weights('ortho')` draws every convolution,
/// linear and embedding weight orthogonally, `shared` included, as theirs does.
/// Shapes: `z` `[N, dim_z]` and N labels → `[N, C, S, S]` in [−1, 1].
public final class BigGANGenerator: Module, AttentionGenerator {
    public let settings: BigGANNetworkSettings
    /// The shared class embedding `[K, shared_dim]`.
    public let shared: Embedding
    /// The first latent chunk to the bottom feature map.
    public let linear: SpectralNorm<Linear>
    /// The up-sampling blocks, `blocks.0` … `blocks.{B−1}`.
    public let blocks: ModuleList<BigGANGeneratorBlock>
    /// The attention block after block `settings.generatorAttentionIndex`, if any.
    public let attention: BigGANAttention?
    /// Batch norm before the output convolution.
    public let outputNorm: BatchNorm2d
    /// The last features to `C` channels.
    public let outputConv: SpectralNorm<Conv2d>

    /// A generator for `settings` (which must validate), drawn from `rng` as BigGAN-PyTorch's
    /// orthogonal initialisation.
    public convenience init(settings: BigGANNetworkSettings, using rng: inout RandomGenerator) {
        self.init(settings: settings, orthogonal: true, using: &rng)
    }

    /// `orthogonal: false` skips the (slow) orthogonal draw, for copies whose values are overwritten.
    init(settings: BigGANNetworkSettings, orthogonal: Bool, using rng: inout RandomGenerator) {
        self.settings = settings
        let channels = settings.generatorChannels
        shared = Embedding(entries: settings.classCount, dimension: settings.sharedDimension, using: &rng)
        linear = SpectralNorm(Linear(inputFeatures: settings.latentChunk,
                                     outputFeatures: channels[0] * settings.bottomWidth * settings.bottomWidth, using: &rng),
                              using: &rng)
        blocks = ModuleList((0..<settings.generatorBlocks).map { i in
            BigGANGeneratorBlock(inputChannels: channels[i], outputChannels: channels[i + 1],
                                 conditioningDimension: settings.conditioningDimension, using: &rng)
        })
        attention = settings.generatorAttentionIndex.map { BigGANAttention(channels: channels[$0 + 1], using: &rng) }
        outputNorm = BatchNorm2d(features: channels.last!, epsilon: 1e-5, momentum: 0.1)
        outputConv = SpectralNorm(Conv2d(inputChannels: channels.last!, outputChannels: settings.channels, kernelSize: 3,
                                         padding: 1, using: &rng), using: &rng)
        super.init()
        setSpectralNormIterations(settings.powerIterations ?? 1)
        if orthogonal { Initializer.bigGANOrthogonal(self, using: &rng) }
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("shared", shared)
        visitor.module("linear", linear)
        visitor.module("blocks", blocks)
        visitor.module("attention", attention)
        visitor.module("output_bn", outputNorm)
        visitor.module("output_conv", outputConv)
    }

    override public func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return BigGANGenerator(settings: settings, orthogonal: false, using: &rng)
    }

    /// The shared embeddings `[N, shared_dim]` of `labels` (`nil`: class 0 for each of `count`
    /// samples, allowed only when there is one class).
    public func classEmbedding(labels: [Int]?, count: Int) -> Tensor {
        guard let labels else {
            precondition(settings.classCount == 1,
                         "BigGANGenerator: \(settings.classCount) classes, so generating needs labels")
            return shared([Int](repeating: 0, count: count))
        }
        precondition(labels.count == count, "BigGANGenerator: \(labels.count) labels for a batch of \(count)")
        return shared(labels)
    }

    /// Samples `[N, C, S, S]` in [−1, 1] for latents `z` `[N, dim_z]` and N labels.
    public func generate(_ z: Tensor, labels: [Int]?) -> Tensor {
        self(z, classEmbedding: classEmbedding(labels: labels, count: z.shape.first ?? 0))
    }

    /// Samples for latents `z` `[N, dim_z]` and class embeddings `[N, shared_dim]` (BigGAN-PyTorch's
    /// `G(z, G.shared(y))`, so embeddings can be interpolated between classes).
    public func callAsFunction(_ z: Tensor, classEmbedding: Tensor) -> Tensor {
        run(z, classEmbedding: classEmbedding, stoppingAtAttention: false)
    }

    /// The weights of G's attention block, `[N, queries, keys]` = `[N, s², s²/4]` at the
    /// attention side `s`, for latents `z` `[N, dim_z]` and N labels (see
    /// `BigGANAttention.attentionWeights`); `nil` when G has no attention. Runs G up to that
    /// block in its current mode: in training mode batch statistics and power iterations update
    /// the buffers as a forward does, so use `eval()` (or a copy) to look without changing it.
    public func attentionMap(_ z: Tensor, labels: [Int]?) -> AttentionMap? {
        guard attention != nil, let side = settings.generatorAttention else { return nil }
        let weights = run(z, classEmbedding: classEmbedding(labels: labels, count: z.shape.first ?? 0), stoppingAtAttention: true)
        return AttentionMap(weights: weights, querySide: side, keySide: side / 2)
    }

    /// The forward pass, or, with `stoppingAtAttention`, the attention weights at its attention block.
    private func run(_ z: Tensor, classEmbedding: Tensor, stoppingAtAttention: Bool) -> Tensor {
        let s = settings
        precondition(z.rank == 2 && z.shape[1] == s.latentDimension,
                     "BigGANGenerator: z must be [N, \(s.latentDimension)], got \(z.shape)")
        precondition(classEmbedding.shape == [z.shape[0], s.sharedDimension],
                     "BigGANGenerator: class embeddings must be [\(z.shape[0]), \(s.sharedDimension)], got \(classEmbedding.shape)")
        let chunks = z.split(sizes: [Int](repeating: s.latentChunk, count: s.generatorBlocks + 1), axis: 1)
        var h = linear(chunks[0]).reshaped([z.shape[0], s.generatorChannels[0], s.bottomWidth, s.bottomWidth])
        for (i, block) in blocks.enumerated() {
            h = block(h, conditioning: Tensor.concatenate([classEmbedding, chunks[i + 1]], axis: 1))
            if i == s.generatorAttentionIndex, let attention {
                if stoppingAtAttention { return attention.attentionWeights(h) }
                h = attention(h)
            }
        }
        return outputConv(outputNorm(h).relu()).tanh()
    }
}
