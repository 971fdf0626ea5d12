import GANLayers
import GANTensor

/// SAGAN's generator: spectral norm on every layer, BatchNorm (class-conditional when the
/// settings have classes) and ReLU after each, a self-attention block on the feature map of side
/// `attentionSide`. With `u` up-samplings, `b` the bottom side and `c(i)` the channels at level i:
///
/// ```text
/// fc        SN Linear(nz, c(0)·b², no bias)  → view [N, c(0), b, b];  bn0, ReLU
/// ups.i     SN ConvTranspose2d(c(i), c(i+1), 4, 2, 1);  bn(i+1), ReLU      i = 0 … u−1
/// attention SelfAttention2d(c(j), SN) after the level whose side is attentionSide
/// out       SN Conv2d(c(u), C, 3, 1, 1), tanh
/// ```
///
/// `bn.i` is `BatchNorm2d` without classes and `ConditionalBatchNorm2d(.classes(K))` with them
/// (the paper's conditional BN: a gain and bias per class, from 1 and 0). Weights start as
/// PyTorch's defaults, as in the reference code. Shapes: `[N, nz]` (+ N labels) → `[N, C, S, S]`.
public final class SAGANGenerator: Module, AttentionGenerator {
    public let settings: SAGANNetworkSettings
    /// `SpectralNorm(Linear(nz, c(0)·b², bias: false))`.
    public let fc: SpectralNorm<Linear>
    /// Level i's normalisation (`BatchNorm2d` or `ConditionalBatchNorm2d`), i = 0 … u.
    public let norms: ModuleList<Module>
    /// The stride-2 transposed convolutions.
    public let ups: ModuleList<SpectralNorm<ConvTranspose2d>>
    /// The self-attention block.
    public let attention: SelfAttention2d
    /// `SpectralNorm(Conv2d(c(u), C, 3, padding 1))`.
    public let out: SpectralNorm<Conv2d>

    public init(settings: SAGANNetworkSettings, using rng: inout RandomGenerator) {
        self.settings = settings
        let u = settings.upsamplings, b = settings.bottomSide, c = settings.generatorChannels
        // No bias: BatchNorm follows, and a bias per output position would be a z-independent
        // template that spectral norm (which bounds only the weight) lets grow without limit.
        fc = SpectralNorm(Linear(inputFeatures: settings.latentDimension, outputFeatures: c(0) * b * b, bias: false,
                                 using: &rng), using: &rng)
        var norms: [Module] = []
        var ups: [SpectralNorm<ConvTranspose2d>] = []
        for i in 0...u {
            if i > 0 {
                ups.append(SpectralNorm(ConvTranspose2d(inputChannels: c(i - 1), outputChannels: c(i), kernelSize: 4, stride: 2,
                                                        padding: 1, using: &rng), using: &rng))
            }
            norms.append(settings.classCount > 0
                ? ConditionalBatchNorm2d(features: c(i), condition: .classes(settings.classCount), using: &rng)
                : BatchNorm2d(features: c(i)))
        }
        self.norms = ModuleList(norms)
        self.ups = ModuleList(ups)
        let level = (0...u).first { b << $0 == settings.attentionSide } ?? 1
        attention = SelfAttention2d(channels: c(level), spectralNormalization: true, using: &rng)
        out = SpectralNorm(Conv2d(inputChannels: c(u), outputChannels: settings.channels, kernelSize: 3, padding: 1,
                                  using: &rng), using: &rng)
        super.init()
        setSpectralNormIterations(settings.powerIterations ?? 1)
    }

    public override func visitChildren(_ v: ModuleVisitor) {
        v.module("fc", fc)
        v.module("bn", norms)
        v.module("ups", ups)
        v.module("attention", attention)
        v.module("out", out)
    }

    public override func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return SAGANGenerator(settings: settings, using: &rng)
    }

    public func generate(_ z: Tensor, labels: [Int]?) -> Tensor {
        forward(z, labels: labels, stopAtAttention: false)
    }

    /// Where each position of G's attention block looks, for latents `z`.
    public func attentionMap(_ z: Tensor, labels: [Int]?) -> AttentionMap? {
        let features = forward(z, labels: labels, stopAtAttention: true)
        return AttentionMap(weights: attention.attentionWeights(features), querySide: settings.attentionSide,
                            keySide: settings.attentionSide)
    }

    /// The images, or (`stopAtAttention`) the attention block's input.
    private func forward(_ z: Tensor, labels: [Int]?, stopAtAttention: Bool) -> Tensor {
        let s = settings
        precondition(z.rank == 2 && z.shape[1] == s.latentDimension,
                     "SAGANGenerator: expected z [N, \(s.latentDimension)], got \(z.shape)")
        if s.classCount > 0 {
            precondition(labels?.count == z.shape[0], "SAGANGenerator: a conditional generator needs one label per latent")
        }
        func normalized(_ i: Int, _ x: Tensor) -> Tensor {
            if let conditional = norms[i] as? ConditionalBatchNorm2d { return conditional(x, labels: labels!).relu() }
            return (norms[i] as! BatchNorm2d)(x).relu()
        }
        var x = normalized(0, fc(z).reshaped([z.shape[0], s.generatorChannels(0), s.bottomSide, s.bottomSide]))
        for i in 0..<s.upsamplings {
            if x.shape[2] == s.attentionSide {
                if stopAtAttention { return x }
                x = attention(x)
            }
            x = normalized(i + 1, ups[i](x))
        }
        return out(x).tanh()
    }
}
