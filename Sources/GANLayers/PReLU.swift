import GANTensor

/// The parametric rectifier of He et al. (2015), as `nn.PReLU`: `x` for positive values,
/// `a · x` otherwise, with a learned slope `a` — one for all channels (`weight` `[1]`) or one
/// per channel (`weight` `[C]`, channels on axis 1: `[N, C]` or `[N, C, H, W]`).
///
/// Written as `relu(x) + a · (x − relu(x))`, composed from differentiable ops, so it has no
/// rule of its own and second order works. Its gradient at `x = 0` is `a`, as PyTorch's
/// (which takes the negative branch unless `x > 0`).
///
/// ```swift
/// let act = PReLU(parameterCount: 64)          // weight [64], initialised to 0.25
/// act(Tensor.zeros([8, 64, 7, 7])).shape       // [8, 64, 7, 7]
/// ```
public final class PReLU: Module, UnaryLayer {
    /// `[parameterCount]`: the negative slopes (PyTorch's `weight`).
    public let weight: Parameter

    /// - Parameters:
    ///   - parameterCount: 1 (one slope shared by all channels, PyTorch's default) or the
    ///     number of channels (Caffe's default, which the CoGAN paper used).
    ///   - initialSlope: The starting slope (PyTorch's `init`, 0.25).
    public init(parameterCount: Int = 1, initialSlope: Float = 0.25) {
        precondition(parameterCount >= 1, "PReLU: parameterCount \(parameterCount) must be at least 1")
        weight = Parameter(Tensor([Float](repeating: initialSlope, count: parameterCount), shape: [parameterCount]))
    }

    /// The number of slopes (1, or the channel count).
    public var slopeCount: Int { weight.shape[0] }

    /// Any shape `[N, C, …]` → the same shape; `C` must equal `slopeCount` unless that is 1.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let count = slopeCount
        var slope = weight.value
        if count > 1 {
            precondition(input.rank >= 2 && input.shape[1] == count,
                         "PReLU: \(count) slopes need input [N, \(count), …], got \(input.shape)")
            slope = slope.reshaped([1, count] + [Int](repeating: 1, count: input.rank - 2))
        }
        let positive = input.relu()
        return positive + slope * (input - positive)
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.parameter("weight", weight)
    }

    override public func structuralCopy() -> Module { PReLU(parameterCount: slopeCount) }
}
