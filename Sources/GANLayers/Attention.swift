import GANTensor

/// SAGAN's self-attention block (Zhang et al. 2019), as in the reference PyTorch code
/// (heykeetae/Self-Attention-GAN): 1×1 convolutions give queries and keys with
/// `channels / reduction` channels and values with `channels`; every position attends to every
/// other, and the result is added back scaled by a learned `gamma` that starts at 0.
///
/// `y = gamma · (V · softmax(Qᵀ K)ᵀ) + x` over the `H·W` positions.
///
/// Shapes: `[N, C, H, W]` → the same. Children: `query_conv`, `key_conv`, `value_conv`
/// (each optionally spectrally normalised, as SAGAN does) and `gamma` `[1]`.
public final class SelfAttention2d: Module, UnaryLayer {
    /// Channels `C` of the feature map.
    public let channels: Int
    /// Channels of queries and keys: `channels / reduction`.
    public let attentionChannels: Int
    /// Whether the three convolutions are spectrally normalised.
    public let spectralNormalization: Bool
    /// `C → C/r`, 1×1.
    public let query: any UnaryLayer
    /// `C → C/r`, 1×1.
    public let key: any UnaryLayer
    /// `C → C`, 1×1.
    public let value: any UnaryLayer
    /// `[1]`, initialised to 0.
    public let gamma: Parameter

    /// - Parameters:
    ///   - channels: Channels `C` of the feature map.
    ///   - reduction: Query/key channels are `max(channels / reduction, 1)` (SAGAN: 8).
    ///   - spectralNormalization: Wrap the convolutions in `SpectralNorm`.
    ///   - generator: Draws the initial weights.
    public init(channels: Int, reduction: Int = 8, spectralNormalization: Bool = false,
                using generator: inout RandomGenerator) {
        self.channels = channels
        attentionChannels = Swift.max(channels / reduction, 1)
        self.spectralNormalization = spectralNormalization
        func conv(_ out: Int) -> any UnaryLayer {
            let c = Conv2d(inputChannels: channels, outputChannels: out, kernelSize: 1, using: &generator)
            return spectralNormalization ? SpectralNorm(c, using: &generator) : c
        }
        query = conv(attentionChannels)
        key = conv(attentionChannels)
        value = conv(channels)
        gamma = Parameter(Tensor.zeros([1]))
    }

    private init(copying other: SelfAttention2d, query: any UnaryLayer, key: any UnaryLayer, value: any UnaryLayer) {
        channels = other.channels
        attentionChannels = other.attentionChannels
        spectralNormalization = other.spectralNormalization
        self.query = query
        self.key = key
        self.value = value
        gamma = Parameter(other.gamma.value)
    }

    /// `[N, C, H, W]` → the same shape.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == channels,
                     "SelfAttention2d: input must be [N, \(channels), H, W], got \(input.shape)")
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let v = value(input).reshaped([n, channels, h * w])                          // [N, C, P]
        let attended = Tensor.batchedMatmul(v, attentionWeights(input), transposeB: true)   // [N, C, P]
        return gamma.value * attended.reshaped(input.shape) + input
    }

    /// `softmax(Qᵀ K)`: `[N, P, P]` for `[N, C, H, W]` input (`P = H·W`), row `i` the weights
    /// position `i` gives every position.
    public func attentionWeights(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == channels,
                     "SelfAttention2d: input must be [N, \(channels), H, W], got \(input.shape)")
        let (n, p) = (input.shape[0], input.shape[2] * input.shape[3])
        let q = query(input).reshaped([n, attentionChannels, p])   // [N, C', P]
        let k = key(input).reshaped([n, attentionChannels, p])     // [N, C', P]
        return Tensor.batchedMatmul(q, k, transposeA: true).softmax(axis: -1)
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("query_conv", query)
        visitor.module("key_conv", key)
        visitor.module("value_conv", value)
        visitor.parameter("gamma", gamma)
    }

    override public func structuralCopy() -> Module {
        SelfAttention2d(copying: self, query: query.copy(), key: key.copy(), value: value.copy())
    }
}
