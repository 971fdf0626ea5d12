import GANLayers
import GANTensor

/// SAGAN's discriminator: strided convolutions with spectral norm and LeakyReLU(0.1), as the
/// reference code, a self-attention block on the feature map of side `attentionSide`, then
/// global sum pooling and a linear score; with classes, the projection of Miyato & Koyama 2018
/// that the paper uses (the inner product of a class embedding with the pooled features):
///
/// ```text
/// downs.i    SN Conv2d(c(i−1), c(i), 4, 2, 1), LeakyReLU(0.1)     i = 0 … u−1 (c(−1) = C)
/// attention  SelfAttention2d(c(j), SN) after the layer whose output side is attentionSide
/// fc         SN Linear(c(u−1), 1) on h = Σ_{x,y} features
/// embed      SN Embedding(K, c(u−1)):  score += ⟨embed(y), h⟩      (K > 0)
/// ```
///
/// Shapes: `[N, C, S, S]` (+ N labels) → `[N, 1]` raw scores.
public final class SAGANDiscriminator: Module, DiscriminatorNetwork {
    public let settings: SAGANNetworkSettings
    /// The stride-2 convolutions.
    public let downs: ModuleList<SpectralNorm<Conv2d>>
    /// The self-attention block.
    public let attention: SelfAttention2d
    /// `SpectralNorm(Linear(c(u−1), 1))`.
    public let fc: SpectralNorm<Linear>
    /// `SpectralNorm(Embedding(K, c(u−1)))` when conditional.
    public let embed: SpectralNorm<Embedding>?

    public init(settings: SAGANNetworkSettings, using rng: inout RandomGenerator) {
        self.settings = settings
        let u = settings.upsamplings, c = settings.discriminatorChannels
        downs = ModuleList((0..<u).map { i in
            SpectralNorm(Conv2d(inputChannels: i == 0 ? settings.channels : c(i - 1), outputChannels: c(i), kernelSize: 4,
                                stride: 2, padding: 1, using: &rng), using: &rng)
        })
        let level = (0..<u).first { settings.imageSize >> ($0 + 1) == settings.attentionSide } ?? 0
        attention = SelfAttention2d(channels: c(level), spectralNormalization: true, using: &rng)
        fc = SpectralNorm(Linear(inputFeatures: c(u - 1), outputFeatures: 1, using: &rng), using: &rng)
        embed = settings.classCount > 0
            ? SpectralNorm(Embedding(entries: settings.classCount, dimension: c(u - 1), using: &rng), using: &rng) : nil
        super.init()
        setSpectralNormIterations(settings.powerIterations ?? 1)
    }

    public override func visitChildren(_ v: ModuleVisitor) {
        v.module("downs", downs)
        v.module("attention", attention)
        v.module("fc", fc)
        if let embed { v.module("embed", embed) }
    }

    public override func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return SAGANDiscriminator(settings: settings, using: &rng)
    }

    public func score(_ x: Tensor, labels: [Int]?) -> Tensor {
        let s = settings
        precondition(x.rank == 4 && Array(x.shape.dropFirst()) == s.imageShape,
                     "SAGANDiscriminator: expected [N] + \(s.imageShape), got \(x.shape)")
        var h = x
        for down in downs {
            h = down(h).leakyRelu(negativeSlope: 0.1)
            if h.shape[2] == s.attentionSide { h = attention(h) }
        }
        let pooled = h.sum(axes: [2, 3])   // [N, c]
        var score = fc(pooled)
        if let embed {
            guard let labels, labels.count == x.shape[0] else {
                preconditionFailure("SAGANDiscriminator: a conditional discriminator needs one label per image")
            }
            score = score + (embed(labels) * pooled).sum(axis: 1, keepDims: true)
        }
        return score
    }
}
