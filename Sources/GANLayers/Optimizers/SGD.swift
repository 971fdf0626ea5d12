import GANTensor

/// Stochastic gradient descent with momentum, as PyTorch's `torch.optim.SGD`:
///
/// ```text
/// g ← g + weightDecay·p
/// b ← g (first step), else momentum·b + (1 − dampening)·g      (momentum_buffer)
/// g ← g + momentum·b (Nesterov), else b
/// p ← p − lr·g
/// ```
public final class SGD: Optimizer {
    /// Momentum factor.
    public let momentum: Float
    /// Dampening of the momentum.
    public let dampening: Float
    /// L2 penalty (or decoupled decay) factor.
    public let weightDecay: Float
    /// Whether Nesterov momentum is used.
    public let nesterov: Bool

    /// - Parameters:
    ///   - parameters: The parameters to update.
    ///   - learningRate: The step size.
    ///   - momentum: The momentum factor (0 for plain SGD).
    ///   - dampening: Dampening of the momentum.
    ///   - weightDecay: L2 penalty added to the gradient.
    ///   - nesterov: Nesterov momentum (needs momentum > 0 and no dampening).
    public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum requires momentum > 0 and zero dampening")
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        super.init(parameters: parameters, learningRate: learningRate)
    }

    override var stateLayout: [(name: String, scalar: Bool)] {
        momentum != 0 ? [("momentum_buffer", false)] : []
    }

    override func update(index: Int, value: Tensor, gradient: Tensor) -> Tensor {
        var g = weightDecay != 0 ? gradient + weightDecay * value : gradient
        if momentum != 0 {
            let buffer = state[index]["momentum_buffer"].map { momentum * $0 + (1 - dampening) * g } ?? g
            state[index]["momentum_buffer"] = buffer
            g = nesterov ? g + momentum * buffer : buffer
        }
        return value - learningRate * g
    }
}
