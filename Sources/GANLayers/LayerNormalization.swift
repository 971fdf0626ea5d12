import GANTensor

/// Layer normalisation over the trailing axes, as PyTorch's `nn.LayerNorm`:
/// `y = (x − mean) / √(var + eps) · weight + bias`, statistics (biased variance) over the last
/// `normalizedShape.count` axes of each sample; the same in training and evaluation.
///
/// Shapes: `[…, normalizedShape…]` → the same; `weight` and `bias` are `normalizedShape`.
public final class LayerNorm: Module, UnaryLayer {
    /// The trailing shape normalised over.
    public let normalizedShape: [Int]
    /// Added for numerical stability (to a variance or a norm).
    public let epsilon: Float
    /// `normalizedShape`, ones; `nil` without elementwise affine.
    public let weight: Parameter?
    /// `normalizedShape`, zeros; `nil` without elementwise affine or without bias.
    public let bias: Parameter?

    /// - Parameters:
    ///   - normalizedShape: The trailing axes to normalise over (e.g. `[C, H, W]` or `[D]`).
    ///   - epsilon: Added to the variance.
    ///   - elementwiseAffine: Learn `weight` (and `bias`).
    ///   - bias: Learn `bias` (with `elementwiseAffine`).
    public init(normalizedShape: [Int], epsilon: Float = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        precondition(!normalizedShape.isEmpty, "LayerNorm: normalizedShape must not be empty")
        self.normalizedShape = normalizedShape
        self.epsilon = epsilon
        weight = elementwiseAffine ? Parameter(Tensor.ones(normalizedShape)) : nil
        self.bias = elementwiseAffine && bias ? Parameter(Tensor.zeros(normalizedShape)) : nil
    }

    /// `[…, normalizedShape…]` → the same shape.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let k = normalizedShape.count
        precondition(input.rank >= k && Array(input.shape.suffix(k)) == normalizedShape,
                     "LayerNorm: input \(input.shape) does not end in \(normalizedShape)")
        let axes = Array((input.rank - k)..<input.rank)
        let mean = input.mean(axes: axes, keepDims: true)
        let variance = input.variance(axes: axes, correction: 0, keepDims: true)
        var y = (input - mean) * (variance + epsilon).rsqrt()
        if let weight { y = y * weight.value }
        if let bias { y = y + bias.value }
        return y
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.parameter("weight", weight)
        visitor.parameter("bias", bias)
    }

    override public func structuralCopy() -> Module {
        LayerNorm(normalizedShape: normalizedShape, epsilon: epsilon, elementwiseAffine: weight != nil, bias: bias != nil)
    }
}

/// Group normalisation, as PyTorch's `nn.GroupNorm`: channels split into `groups`, each
/// sample's group normalised over its channels and positions (biased variance), then a
/// per-channel affine map; the same in training and evaluation.
///
/// Shapes: `[N, C, …]` → the same; `weight` and `bias` are `[C]`.
public final class GroupNorm: Module, UnaryLayer {
    /// Number of channel groups.
    public let groups: Int
    /// Channels `C` of the feature map.
    public let channels: Int
    /// Added for numerical stability (to a variance or a norm).
    public let epsilon: Float
    /// `[C]`, ones; `nil` when not affine.
    public let weight: Parameter?
    /// `[C]`, zeros; `nil` when not affine.
    public let bias: Parameter?

    /// - Parameters:
    ///   - groups: Number of groups; divides `channels`.
    ///   - channels: Channels `C`.
    ///   - epsilon: Added to the variance.
    ///   - affine: Learn per-channel `weight` and `bias`.
    public init(groups: Int, channels: Int, epsilon: Float = 1e-5, affine: Bool = true) {
        precondition(groups >= 1 && channels % groups == 0, "GroupNorm: \(channels) channels do not split into \(groups) groups")
        self.groups = groups
        self.channels = channels
        self.epsilon = epsilon
        weight = affine ? Parameter(Tensor.ones([channels])) : nil
        bias = affine ? Parameter(Tensor.zeros([channels])) : nil
    }

    /// `[N, C, …]` → the same shape.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 2 && input.shape[1] == channels,
                     "GroupNorm: input must be [N, \(channels), …], got \(input.shape)")
        let grouped = input.reshaped([input.shape[0], groups, -1])
        let mean = grouped.mean(axes: [2], keepDims: true)
        let variance = grouped.variance(axes: [2], correction: 0, keepDims: true)
        var y = ((grouped - mean) * (variance + epsilon).rsqrt()).reshaped(input.shape)
        let shape = channelShape(channels, rank: input.rank)
        if let weight { y = y * weight.value.reshaped(shape) }
        if let bias { y = y + bias.value.reshaped(shape) }
        return y
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.parameter("weight", weight)
        visitor.parameter("bias", bias)
    }

    override public func structuralCopy() -> Module {
        GroupNorm(groups: groups, channels: channels, epsilon: epsilon, affine: weight != nil)
    }
}

/// Pixel-wise feature normalisation (ProGAN, StyleGAN's mapping network):
/// `x / √(mean over channels of x² + eps)`.
///
/// Shapes: `[N, C, …]` → the same (channel axis 1).
public final class PixelNorm: Module, UnaryLayer {
    /// Added for numerical stability (to a variance or a norm).
    public let epsilon: Float

    public init(epsilon: Float = 1e-8) {
        self.epsilon = epsilon
    }

    /// `[N, C, …]` → the same shape.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 2, "PixelNorm: input must be [N, C, …], got \(input.shape)")
        return input * (input.square().mean(axes: [1], keepDims: true) + epsilon).rsqrt()
    }

    override public func structuralCopy() -> Module { PixelNorm(epsilon: epsilon) }
}
