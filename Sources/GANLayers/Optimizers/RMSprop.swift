import GANTensor

/// RMSprop, as PyTorch's `torch.optim.RMSprop` (WGAN with weight clipping uses it):
///
/// ```text
/// g ← g + weightDecay·p
/// s ← α·s + (1 − α)·g²                       (square_avg)
/// a ← α·a + (1 − α)·g, centred only          (grad_avg)
/// d ← √(s − a²) + eps when centred, else √s + eps
/// b ← momentum·b + g / d; p ← p − lr·b       (momentum_buffer), or p ← p − lr·g / d
/// ```
public final class RMSprop: Optimizer {
    /// Smoothing constant of the square average.
    public let alpha: Float
    /// Added for numerical stability (to a variance or a norm).
    public let epsilon: Float
    /// L2 penalty (or decoupled decay) factor.
    public let weightDecay: Float
    /// Momentum factor.
    public let momentum: Float
    /// Normalise by the variance estimate instead of the second moment.
    public let centered: Bool

    /// - Parameters:
    ///   - parameters: The parameters to update.
    ///   - learningRate: The step size (PyTorch's default 1e-2; WGAN uses 5e-5).
    ///   - alpha: Smoothing constant of the square average.
    ///   - epsilon: Added to the denominator.
    ///   - weightDecay: L2 penalty added to the gradient.
    ///   - momentum: Momentum factor.
    ///   - centered: Use the centred variant.
    public init(parameters: [Parameter], learningRate: Float = 1e-2, alpha: Float = 0.99, epsilon: Float = 1e-8,
                weightDecay: Float = 0, momentum: Float = 0, centered: Bool = false) {
        self.alpha = alpha
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.centered = centered
        super.init(parameters: parameters, learningRate: learningRate)
    }

    override var stateLayout: [(name: String, scalar: Bool)] {
        [("step", true), ("square_avg", false)] + (momentum > 0 ? [("momentum_buffer", false)] : [])
            + (centered ? [("grad_avg", false)] : [])
    }

    override func update(index: Int, value: Tensor, gradient: Tensor) -> Tensor {
        let g = weightDecay != 0 ? gradient + weightDecay * value : gradient
        let zeros = Tensor.zeros(value.shape)
        _ = nextStep(index)
        let square = alpha * (state[index]["square_avg"] ?? zeros) + (1 - alpha) * g * g
        state[index]["square_avg"] = square
        var denominator: Tensor
        if centered {
            let a0 = state[index]["grad_avg"] ?? zeros
            let average = a0 + (1 - alpha) * (g - a0)
            state[index]["grad_avg"] = average
            denominator = (square - average * average).sqrt() + epsilon
        } else {
            denominator = square.sqrt() + epsilon
        }
        if momentum > 0 {
            let buffer = momentum * (state[index]["momentum_buffer"] ?? zeros) + g / denominator
            state[index]["momentum_buffer"] = buffer
            return value - learningRate * buffer
        }
        return value - learningRate * (g / denominator)
    }
}
