import GANLayers
import GANTensor

/// BigGAN's self-attention block (`layers.Attention` of BigGAN-PyTorch), used in both networks:
/// SAGAN's attention with keys and values max-pooled 2×2 (a quarter of the keys) and values
/// of `C/2` channels mapped back by a fourth convolution.
///
/// ```text
/// theta  SN Conv2d(C, C/8, 1, bias: false)   // [C/8, C, 1, 1]  queries, H·W of them
/// phi    SN Conv2d(C, C/8, 1, bias: false)   // keys, then max-pooled 2×2: H·W/4
/// g      SN Conv2d(C, C/2, 1, bias: false)   // values, then max-pooled 2×2
/// o      SN Conv2d(C/2, C, 1, bias: false)   // [C, C/2, 1, 1]
/// gamma  [1], starts at 0
/// β = softmax over keys of thetaᵀ·phi   [N, H·W, H·W/4]
/// y = x + gamma · o(g · βᵀ)
/// ```
///
/// Channel counts are `C/8` and `C/2` rounded down (BigGAN's `ch // 8`). BigGAN-PyTorch's gamma
/// is a 0-d tensor; ours is `[1]`, as `SelfAttention2d`'s.
/// Shapes: `[N, C, H, W]` → the same, `H` and `W` even.
public final class BigGANAttention: Module, UnaryLayer {
    /// Channels `C` of the feature map.
    public let channels: Int
    /// `C → C/8`: queries.
    public let theta: SpectralNorm<Conv2d>
    /// `C → C/8`: keys.
    public let phi: SpectralNorm<Conv2d>
    /// `C → C/2`: values.
    public let g: SpectralNorm<Conv2d>
    /// `C/2 → C`: the attended values back to `C` channels.
    public let o: SpectralNorm<Conv2d>
    /// `[1]`: the weight of the attended values, starting at 0.
    public let gamma: Parameter

    /// - Parameters:
    ///   - channels: Channels `C` (at least 8).
    ///   - generator: Draws the convolutions (PyTorch's default; the networks redraw them).
    public init(channels: Int, using generator: inout RandomGenerator) {
        precondition(channels >= 8, "BigGANAttention: needs at least 8 channels, got \(channels)")
        self.channels = channels
        func conv(_ input: Int, _ output: Int) -> SpectralNorm<Conv2d> {
            SpectralNorm(Conv2d(inputChannels: input, outputChannels: output, kernelSize: 1, bias: false, using: &generator),
                         using: &generator)
        }
        theta = conv(channels, channels / 8)
        phi = conv(channels, channels / 8)
        g = conv(channels, channels / 2)
        o = conv(channels / 2, channels)
        gamma = Parameter(Tensor.zeros([1]))
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("theta", theta)
        visitor.module("phi", phi)
        visitor.module("g", g)
        visitor.module("o", o)
        visitor.parameter("gamma", gamma)
    }

    override public func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return BigGANAttention(channels: channels, using: &rng)
    }

    /// `[N, C, H, W]` → `x + gamma · o(attended values)`, the same shape.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let weights = attentionWeights(x)                                                  // [N, H·W, H·W/4]
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let values = g(x).maxPool2d(kernelSize: (2, 2)).reshaped([n, channels / 2, h * w / 4])
        let attended = Tensor.batchedMatmul(values, weights, transposeB: true)             // [N, C/2, H·W]
        return x + gamma.value * o(attended.reshaped([n, channels / 2, h, w]))
    }

    /// The attention weights for `x` `[N, C, H, W]`: `[N, H·W, H·W/4]`, row `q` (the query at
    /// `(q / W, q % W)`) a softmax over the 2×2-pooled key positions (`(k / (W/2), k % (W/2))` on
    /// the half-size grid). In training mode this runs the power iterations of `theta` and `phi`,
    /// as a forward does.
    public func attentionWeights(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == channels && x.shape[2] % 2 == 0 && x.shape[3] % 2 == 0,
                     "BigGANAttention: input must be [N, \(channels), H, W] with H, W even, got \(x.shape)")
        let (n, positions) = (x.shape[0], x.shape[2] * x.shape[3])
        let queries = theta(x).reshaped([n, channels / 8, positions])
        let keys = phi(x).maxPool2d(kernelSize: (2, 2)).reshaped([n, channels / 8, positions / 4])
        return Tensor.batchedMatmul(queries, keys, transposeA: true).softmax(axis: -1)
    }
}
