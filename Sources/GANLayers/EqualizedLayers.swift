import GANTensor

// ProGAN / StyleGAN building blocks: layers with an equalised learning rate (weights stored
// N(0, 1) and scaled by He's constant at run time) and the minibatch standard-deviation
// feature. Names and formulas follow rosinality's stylegan2-pytorch (`EqualLinear`,
// `EqualConv2d`), so state dicts interchange with it.

/// A linear layer with an equalised learning rate (ProGAN, StyleGAN's mapping network):
/// `y = x · (W·c)ᵀ + b·lrMul`, `c = gain / √in · lrMul`, with `W` drawn `N(0, 1/lrMul²)`.
///
/// Shapes: `[…, in]` → `[…, out]`; `weight` `[out, in]`, `bias` `[out]`.
public final class EqualizedLinear: Module, UnaryLayer {
    /// Size of the last input axis.
    public let inputFeatures: Int
    /// Size of the last output axis.
    public let outputFeatures: Int
    /// The run-time weight scale is `gain / √inputFeatures · learningRateMultiplier`.
    public let gain: Float
    /// Scales the effective learning rate of this layer (StyleGAN's mapping uses 0.01).
    public let learningRateMultiplier: Float
    /// `[out, in]`, stored unscaled.
    public let weight: Parameter
    /// `[out]`; the effective bias is `bias · learningRateMultiplier`.
    public let bias: Parameter?

    /// - Parameters:
    ///   - inputFeatures: Size of the last input axis.
    ///   - outputFeatures: Size of the last output axis.
    ///   - bias: Whether to add a bias.
    ///   - biasInitialValue: The stored bias's initial value (rosinality's `bias_init`; a style
    ///     modulation uses 1).
    ///   - gain: He gain (1 as in StyleGAN2; √2 as in ProGAN).
    ///   - learningRateMultiplier: Per-layer learning-rate scale.
    ///   - generator: Draws the initial weights.
    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true, biasInitialValue: Float = 0,
                gain: Float = 1, learningRateMultiplier: Float = 1, using generator: inout RandomGenerator) {
        precondition(learningRateMultiplier > 0, "EqualizedLinear: learningRateMultiplier must be positive")
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        self.gain = gain
        self.learningRateMultiplier = learningRateMultiplier
        weight = Parameter(Initializer.normal([outputFeatures, inputFeatures],
                                              standardDeviation: 1 / learningRateMultiplier, using: &generator))
        self.bias = bias ? Parameter(Tensor.full([outputFeatures], biasInitialValue)) : nil
    }

    /// The factor applied to the stored weight.
    public var scale: Float { gain / Float(Swift.max(inputFeatures, 1)).squareRoot() * learningRateMultiplier }

    /// `[…, in]` → `[…, out]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.affine(weight: weight.value * scale, bias: bias.map { $0.value * learningRateMultiplier },
                     op: "EqualizedLinear")
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.parameter("weight", weight)
        visitor.parameter("bias", bias)
    }

    override public func structuralCopy() -> Module {
        var g = RandomGenerator(seed: 0)
        return EqualizedLinear(inputFeatures: inputFeatures, outputFeatures: outputFeatures, bias: bias != nil,
                               gain: gain, learningRateMultiplier: learningRateMultiplier, using: &g)
    }
}

/// A convolution with an equalised learning rate (ProGAN, StyleGAN): the stored `N(0, 1)`
/// weight is scaled by `c = gain / √(in·k²)` at run time.
///
/// Shapes: `[N, in, H, W]` → `[N, out, OH, OW]` as `Conv2d`; `weight` `[out, in, k, k]`,
/// `bias` `[out]` (zeros).
public final class EqualizedConv2d: Module, UnaryLayer {
    /// Channels of the input.
    public let inputChannels: Int
    /// Channels of the output.
    public let outputChannels: Int
    /// Side of the square kernel.
    public let kernelSize: Int
    /// Step between output positions.
    public let stride: Int
    /// Zeros added on each side.
    public let padding: Int
    /// He gain in the run-time weight scale.
    public let gain: Float
    /// `[out, in, k, k]`, stored unscaled.
    public let weight: Parameter
    /// `[out]`
    public let bias: Parameter?

    /// - Parameters:
    ///   - inputChannels: Input channels.
    ///   - outputChannels: Output channels.
    ///   - kernelSize: Side of the square kernel.
    ///   - stride: Step.
    ///   - padding: Zeros on each side.
    ///   - bias: Whether to add a bias.
    ///   - gain: He gain (1 as in StyleGAN2; √2 as in ProGAN).
    ///   - generator: Draws the initial weights.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, gain: Float = 1, using generator: inout RandomGenerator) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.gain = gain
        weight = Parameter(Initializer.normal([outputChannels, inputChannels, kernelSize, kernelSize], using: &generator))
        self.bias = bias ? Parameter(Tensor.zeros([outputChannels])) : nil
    }

    /// The factor applied to the stored weight.
    public var scale: Float { gain / Float(Swift.max(inputChannels * kernelSize * kernelSize, 1)).squareRoot() }

    /// `[N, in, H, W]` → `[N, out, OH, OW]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inputChannels,
                     "EqualizedConv2d: input must be [N, \(inputChannels), H, W], got \(input.shape)")
        return input.conv2d(weight: weight.value * scale, bias: bias?.value, stride: (stride, stride),
                            padding: (padding, padding))
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.parameter("weight", weight)
        visitor.parameter("bias", bias)
    }

    override public func structuralCopy() -> Module {
        var g = RandomGenerator(seed: 0)
        return EqualizedConv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
                               stride: stride, padding: padding, bias: bias != nil, gain: gain, using: &g)
    }
}

/// The minibatch standard deviation feature (ProGAN, StyleGAN2's discriminator): the batch is
/// split into groups of `groupSize`; for each position within the groups, the standard
/// deviation across the group of every feature, averaged over channels (in `features`
/// channel sets) and positions, is appended as `features` constant channels.
///
/// Shapes: `[N, C, H, W]` → `[N, C + features, H, W]`; `N` must be divisible by
/// `min(N, groupSize)` and `C` by `features`. Sample `n` gets the statistics of the samples
/// `n mod (N / G)` + multiples of `N / G`, as in stylegan2-pytorch.
public final class MinibatchStdDev: Module, UnaryLayer {
    /// Samples per group (fewer when the batch is smaller).
    public let groupSize: Int
    /// Number of channels (or statistic channels) `C`.
    public let features: Int
    /// Added for numerical stability (to a variance or a norm).
    public let epsilon: Float

    public init(groupSize: Int = 4, features: Int = 1, epsilon: Float = 1e-8) {
        precondition(groupSize >= 1 && features >= 1, "MinibatchStdDev: groupSize and features must be positive")
        self.groupSize = groupSize
        self.features = features
        self.epsilon = epsilon
    }

    /// `[N, C, H, W]` → `[N, C + features, H, W]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4, "MinibatchStdDev: input must be [N, C, H, W], got \(input.shape)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let g = Swift.min(n, groupSize)
        precondition(n % g == 0 && c % features == 0,
                     "MinibatchStdDev: batch \(n) must divide into groups of \(g) and \(c) channels into \(features) sets (input \(input.shape))")
        let m = n / g
        let grouped = input.reshaped([g, m, features, c / features, h, w])
        let deviation = (grouped.variance(axes: [0], correction: 0) + epsilon).sqrt()   // [M, F, C/F, H, W]
        let statistic = deviation.mean(axes: [2, 3, 4])                                 // [M, F]
        let tiled = statistic.reshaped([1, m, features, 1, 1]).broadcast(to: [g, m, features, h, w])
        return Tensor.concatenate([input, tiled.reshaped([n, features, h, w])], axis: 1)
    }

    override public func structuralCopy() -> Module {
        MinibatchStdDev(groupSize: groupSize, features: features, epsilon: epsilon)
    }
}
