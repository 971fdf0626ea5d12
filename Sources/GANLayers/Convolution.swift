import GANTensor

/// A 2-D convolution, as PyTorch's `nn.Conv2d` (square kernels, zero padding).
///
/// Shapes: input `[N, inputChannels, H, W]` → `[N, outputChannels, OH, OW]` with
/// `OH = (H + 2·padding − dilation·(kernelSize − 1) − 1) / stride + 1`. Default
/// initialisation as PyTorch: weight and bias `U(-1/√fanIn, 1/√fanIn)`,
/// `fanIn = inputChannels / groups · kernelSize²`.
///
/// ```swift
/// let conv = Conv2d(inputChannels: 1, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1, using: &rng)
/// conv(Tensor.zeros([8, 1, 28, 28])).shape  // [8, 64, 14, 14]
/// ```
public final class Conv2d: Module, WeightedLayer {
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
    /// Spacing between kernel taps.
    public let dilation: Int
    /// Number of channel groups.
    public let groups: Int
    /// `[out, in / groups, kernelSize, kernelSize]`
    public let weight: Parameter
    /// `[out]`, or `nil` without bias.
    public let bias: Parameter?

    /// - Parameters:
    ///   - inputChannels: Channels of the input; divisible by `groups`.
    ///   - outputChannels: Channels of the output; divisible by `groups`.
    ///   - kernelSize: Side of the square kernel.
    ///   - stride: Step between output positions.
    ///   - padding: Zeros added on each side.
    ///   - dilation: Spacing between kernel taps.
    ///   - groups: Independent channel groups.
    ///   - bias: Whether to add a learned bias.
    ///   - generator: Draws the initial weights.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        dilation: Int = 1, groups: Int = 1, bias: Bool = true, using generator: inout RandomGenerator
    ) {
        precondition(groups >= 1 && inputChannels % groups == 0 && outputChannels % groups == 0,
                     "Conv2d: channels \(inputChannels) → \(outputChannels) must be divisible by groups \(groups)")
        precondition(kernelSize >= 1 && stride >= 1 && padding >= 0 && dilation >= 1,
                     "Conv2d: kernel \(kernelSize), stride \(stride), padding \(padding), dilation \(dilation) out of range")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        let shape = [outputChannels, inputChannels / groups, kernelSize, kernelSize]
        weight = Parameter(Initializer.pytorchDefaultWeight(shape, using: &generator))
        self.bias = bias
            ? Parameter(Initializer.pytorchDefaultBias(outputChannels, fanIn: Initializer.fans(shape).fanIn, using: &generator))
            : nil
    }

    /// The weight axis that indexes outputs (for spectral normalisation).
    public var outputAxis: Int { 0 }

    /// `[N, in, H, W]` → `[N, out, OH, OW]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        callAsFunction(input, weight: weight.value)
    }

    /// The convolution with `weight` (`[out, in / groups, k, k]`) in place of the layer's.
    public func callAsFunction(_ input: Tensor, weight: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inputChannels,
                     "Conv2d: input must be [N, \(inputChannels), H, W], got \(input.shape)")
        return input.conv2d(weight: weight, bias: bias?.value, stride: (stride, stride), padding: (padding, padding),
                            dilation: (dilation, dilation), groups: groups)
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.parameter("weight", weight)
        visitor.parameter("bias", bias)
    }

    override public func structuralCopy() -> Module {
        var g = RandomGenerator(seed: 0)
        return Conv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
                      stride: stride, padding: padding, dilation: dilation, groups: groups, bias: bias != nil, using: &g)
    }
}

/// A 2-D transposed convolution, as PyTorch's `nn.ConvTranspose2d` (generators up-sample
/// with it).
///
/// Shapes: input `[N, inputChannels, H, W]` → `[N, outputChannels, OH, OW]` with
/// `OH = (H − 1)·stride − 2·padding + dilation·(kernelSize − 1) + outputPadding + 1`. The
/// weight is `[in, out / groups, k, k]`; PyTorch's default initialisation uses
/// `fanIn = out / groups · k²` (the weight's second axis).
///
/// ```swift
/// let up = ConvTranspose2d(inputChannels: 128, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1, using: &rng)
/// up(Tensor.zeros([8, 128, 7, 7])).shape  // [8, 64, 14, 14]
/// ```
public final class ConvTranspose2d: Module, WeightedLayer {
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
    /// Extra rows and columns on one side of the output.
    public let outputPadding: Int
    /// Spacing between kernel taps.
    public let dilation: Int
    /// Number of channel groups.
    public let groups: Int
    /// `[in, out / groups, kernelSize, kernelSize]`
    public let weight: Parameter
    /// `[out]`, or `nil` without bias.
    public let bias: Parameter?

    /// - Parameters:
    ///   - inputChannels: Channels of the input; divisible by `groups`.
    ///   - outputChannels: Channels of the output; divisible by `groups`.
    ///   - kernelSize: Side of the square kernel.
    ///   - stride: Up-sampling step.
    ///   - padding: Removed from each side of the full output.
    ///   - outputPadding: Extra rows and columns on one side (smaller than stride or dilation).
    ///   - dilation: Spacing between kernel taps.
    ///   - groups: Independent channel groups.
    ///   - bias: Whether to add a learned bias.
    ///   - generator: Draws the initial weights.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        outputPadding: Int = 0, dilation: Int = 1, groups: Int = 1, bias: Bool = true,
        using generator: inout RandomGenerator
    ) {
        precondition(groups >= 1 && inputChannels % groups == 0 && outputChannels % groups == 0,
                     "ConvTranspose2d: channels \(inputChannels) → \(outputChannels) must be divisible by groups \(groups)")
        precondition(kernelSize >= 1 && stride >= 1 && padding >= 0 && dilation >= 1 && outputPadding >= 0,
                     "ConvTranspose2d: kernel \(kernelSize), stride \(stride), padding \(padding) out of range")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        self.groups = groups
        let shape = [inputChannels, outputChannels / groups, kernelSize, kernelSize]
        weight = Parameter(Initializer.pytorchDefaultWeight(shape, using: &generator))
        self.bias = bias
            ? Parameter(Initializer.pytorchDefaultBias(outputChannels, fanIn: Initializer.fans(shape).fanIn, using: &generator))
            : nil
    }

    /// The weight axis that indexes outputs (for spectral normalisation).
    public var outputAxis: Int { 1 }

    /// `[N, in, H, W]` → `[N, out, OH, OW]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        callAsFunction(input, weight: weight.value)
    }

    /// The transposed convolution with `weight` (`[in, out / groups, k, k]`) in place of the layer's.
    public func callAsFunction(_ input: Tensor, weight: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inputChannels,
                     "ConvTranspose2d: input must be [N, \(inputChannels), H, W], got \(input.shape)")
        return input.convTranspose2d(weight: weight, bias: bias?.value, stride: (stride, stride),
                                     padding: (padding, padding), outputPadding: (outputPadding, outputPadding),
                                     dilation: (dilation, dilation), groups: groups)
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.parameter("weight", weight)
        visitor.parameter("bias", bias)
    }

    override public func structuralCopy() -> Module {
        var g = RandomGenerator(seed: 0)
        return ConvTranspose2d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
                               stride: stride, padding: padding, outputPadding: outputPadding, dilation: dilation,
                               groups: groups, bias: bias != nil, using: &g)
    }
}

/// Pads the two spatial axes, as PyTorch's `nn.ZeroPad2d` / `nn.ReflectionPad2d` /
/// `nn.ReplicationPad2d` (CycleGAN's generator pads by reflection):
/// `[N, C, H, W]` → `[N, C, H + 2·amount, W + 2·amount]`.
public final class Pad2d: Module, UnaryLayer {
    /// Rows and columns added on each side.
    public let amount: Int
    /// How the border is filled.
    public let mode: Tensor.PaddingMode

    public init(_ amount: Int, mode: Tensor.PaddingMode = .zeros) {
        precondition(amount >= 0, "Pad2d: amount \(amount) must not be negative")
        self.amount = amount
        self.mode = mode
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4, "Pad2d: input must be [N, C, H, W], got \(input.shape)")
        return input.padded2d(top: amount, bottom: amount, left: amount, right: amount, mode: mode)
    }

    override public func structuralCopy() -> Module { Pad2d(amount, mode: mode) }
}
