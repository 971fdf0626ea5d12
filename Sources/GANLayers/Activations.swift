import GANTensor

// Parameter-free layers: activations, reshaping, dropout, resampling and pooling. Each takes
// an index in a `Sequential`, as its PyTorch counterpart does, and has no state_dict entries.

/// `max(x, 0)`, as `nn.ReLU`. Any shape.
public final class ReLU: Module, UnaryLayer {
    public override init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.relu() }
    override public func structuralCopy() -> Module { ReLU() }
}

/// `x` for positive values, `negativeSlope * x` otherwise, as `nn.LeakyReLU`. Any shape.
public final class LeakyReLU: Module, UnaryLayer {
    /// The slope for negative inputs (DCGAN uses 0.2).
    public let negativeSlope: Float

    /// - Parameter negativeSlope: The slope for negative inputs (PyTorch's default 0.01).
    public init(_ negativeSlope: Float = 0.01) {
        self.negativeSlope = negativeSlope
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { input.leakyRelu(negativeSlope: negativeSlope) }
    override public func structuralCopy() -> Module { LeakyReLU(negativeSlope) }
}

/// Hyperbolic tangent, as `nn.Tanh` (generator outputs in [-1, 1]). Any shape.
public final class Tanh: Module, UnaryLayer {
    public override init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.tanh() }
    override public func structuralCopy() -> Module { Tanh() }
}

/// `1 / (1 + e^-x)`, as `nn.Sigmoid`. Any shape.
public final class Sigmoid: Module, UnaryLayer {
    public override init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.sigmoid() }
    override public func structuralCopy() -> Module { Sigmoid() }
}

/// `x` for positive values, `alpha * (e^x - 1)` otherwise, as `nn.ELU`. Any shape.
public final class ELU: Module, UnaryLayer {
    /// The scale of the negative part.
    public let alpha: Float

    public init(alpha: Float = 1) {
        self.alpha = alpha
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { input.elu(alpha: alpha) }
    override public func structuralCopy() -> Module { ELU(alpha: alpha) }
}

/// `log(1 + e^x)`, as `nn.Softplus` with `beta = 1`. Any shape.
public final class Softplus: Module, UnaryLayer {
    public override init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.softplus() }
    override public func structuralCopy() -> Module { Softplus() }
}

/// Collapses the axes from `startAxis` on, as `nn.Flatten`: `[N, C, H, W]` → `[N, C·H·W]`.
public final class Flatten: Module, UnaryLayer {
    /// The first axis folded in (1 keeps the batch axis).
    public let startAxis: Int

    public init(startAxis: Int = 1) {
        self.startAxis = startAxis
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { input.flattened(startAxis: startAxis) }
    override public func structuralCopy() -> Module { Flatten(startAxis: startAxis) }
}

/// Reshapes each sample, as `x.view(N, *shape)`: `[N, …]` → `[N] + shape`. Generators use it
/// to turn a linear layer's output into a first feature map (`[N, 128·7·7]` → `[N, 128, 7, 7]`).
public final class Unflatten: Module, UnaryLayer {
    /// The shape of one sample.
    public let shape: [Int]

    public init(_ shape: [Int]) {
        self.shape = shape
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { input.reshaped([input.shape[0]] + shape) }
    override public func structuralCopy() -> Module { Unflatten(shape) }
}

/// Zeroes each element with probability `probability` in training and scales the rest by
/// `1 / (1 - probability)`, as `nn.Dropout`; the identity in evaluation. Any shape.
///
/// The mask comes from the layer's own generator, seeded from the one given at construction.
public final class Dropout: Module, UnaryLayer {
    /// The probability of zeroing an element, in [0, 1).
    public let probability: Float
    /// The generator the masks are drawn from.
    public var generator: RandomGenerator

    /// - Parameters:
    ///   - probability: In [0, 1); PyTorch's default 0.5.
    ///   - generator: Seeds the layer's own generator (one draw).
    public init(probability: Float = 0.5, using generator: inout RandomGenerator) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability \(probability) must be in [0, 1)")
        self.probability = probability
        self.generator = RandomGenerator(seed: generator.next())
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard isTraining, probability > 0 else { return input }
        let keep = Tensor.randomBernoulli(input.shape, probability: 1 - probability, using: &generator)
        return input * (keep / (1 - probability))
    }

    override public func structuralCopy() -> Module {
        var g = generator
        return Dropout(probability: probability, using: &g)
    }
}

/// Up-sampling by an integer factor, as `nn.Upsample(scale_factor:mode:)`:
/// `[N, C, H, W]` → `[N, C, H·scale, W·scale]`.
public final class Upsample: Module, UnaryLayer {
    /// How new pixels are filled.
    public enum Mode: Equatable, Sendable {
        /// Each pixel becomes a block (PyTorch's default).
        case nearest
        /// Bilinear interpolation with or without `align_corners`.
        case bilinear(alignCorners: Bool)
    }

    /// The factor, ≥ 1.
    public let scale: Int
    /// The interpolation.
    public let mode: Mode

    public init(scale: Int = 2, mode: Mode = .nearest) {
        precondition(scale >= 1, "Upsample: scale \(scale) must be at least 1")
        self.scale = scale
        self.mode = mode
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        switch mode {
        case .nearest: return input.upsampledNearest(scale: scale)
        case .bilinear(let alignCorners): return input.upsampledBilinear(scale: scale, alignCorners: alignCorners)
        }
    }

    override public func structuralCopy() -> Module { Upsample(scale: scale, mode: mode) }
}

/// Average pooling, as `nn.AvgPool2d` (`ceil_mode=False`, `count_include_pad=True`):
/// `[N, C, H, W]` → `[N, C, (H + 2p - k) / s + 1, …]`. ProGAN down-samples with `kernelSize: 2`.
public final class AvgPool2d: Module, UnaryLayer {
    /// Side of the square kernel.
    public let kernelSize: Int
    /// Step between output positions.
    public let stride: Int
    /// Zeros added on each side.
    public let padding: Int

    /// - Parameters:
    ///   - kernelSize: Window side.
    ///   - stride: Step; `nil` means `kernelSize`.
    ///   - padding: Zeros on each side.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.avgPool2d(kernelSize: (kernelSize, kernelSize), stride: (stride, stride), padding: (padding, padding))
    }

    override public func structuralCopy() -> Module { AvgPool2d(kernelSize: kernelSize, stride: stride, padding: padding) }
}

/// Max pooling, as `nn.MaxPool2d` (`ceil_mode=False`, dilation 1; padding counts as −∞):
/// `[N, C, H, W]` → `[N, C, (H + 2p − k) / s + 1, …]`. The gradient goes to each window's
/// first maximum, as PyTorch's. CoGAN's discriminators pool with `kernelSize: 2`.
public final class MaxPool2d: Module, UnaryLayer {
    /// Side of the square kernel.
    public let kernelSize: Int
    /// Step between output positions.
    public let stride: Int
    /// Padding on each side, at most half the kernel.
    public let padding: Int

    /// - Parameters:
    ///   - kernelSize: Window side.
    ///   - stride: Step; `nil` means `kernelSize` (PyTorch's default).
    ///   - padding: −∞ padding on each side.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.maxPool2d(kernelSize: (kernelSize, kernelSize), stride: (stride, stride), padding: (padding, padding))
    }

    override public func structuralCopy() -> Module { MaxPool2d(kernelSize: kernelSize, stride: stride, padding: padding) }
}
