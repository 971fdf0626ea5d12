import Foundation
import GANTensor

/// Adam, as PyTorch's `torch.optim.Adam` (and `AdamW` with `decoupledWeightDecay`):
///
/// ```text
/// g ← g + weightDecay·p               (L2; AdamW instead: p ← p·(1 − lr·weightDecay))
/// m ← β1·m + (1 − β1)·g               (exp_avg)
/// v ← β2·v + (1 − β2)·g²              (exp_avg_sq)
/// v̂ ← max(v̂, v) with AMSGrad          (max_exp_avg_sq)
/// p ← p − lr / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)
/// ```
///
/// GANs usually use `betas: (0.5, 0.999)` (DCGAN) or `(0, 0.99)` (StyleGAN, BigGAN).
public final class Adam: Optimizer {
    /// Decay rates of the first and second moment estimates.
    public let betas: (Float, Float)
    /// Added for numerical stability (to a variance or a norm).
    public let epsilon: Float
    /// L2 penalty (or decoupled decay) factor.
    public let weightDecay: Float
    /// Use the maximum of past second moments (AMSGrad).
    public let amsgrad: Bool
    /// Decay the weights directly (AdamW) instead of adding an L2 term to the gradient.
    public let decoupledWeightDecay: Bool

    /// - Parameters:
    ///   - parameters: The parameters to update.
    ///   - learningRate: The step size (PyTorch's default 1e-3).
    ///   - betas: Decay rates of the first and second moments.
    ///   - epsilon: Added to the denominator.
    ///   - weightDecay: L2 penalty (or decoupled decay with `decoupledWeightDecay`).
    ///   - amsgrad: Use AMSGrad (off by default).
    ///   - decoupledWeightDecay: AdamW's weight decay.
    public init(parameters: [Parameter], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                epsilon: Float = 1e-8, weightDecay: Float = 0, amsgrad: Bool = false, decoupledWeightDecay: Bool = false) {
        precondition(betas.0 >= 0 && betas.0 < 1 && betas.1 >= 0 && betas.1 < 1, "Adam: betas \(betas) must be in [0, 1)")
        self.betas = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.decoupledWeightDecay = decoupledWeightDecay
        super.init(parameters: parameters, learningRate: learningRate)
    }

    override var stateLayout: [(name: String, scalar: Bool)] {
        [("step", true), ("exp_avg", false), ("exp_avg_sq", false)] + (amsgrad ? [("max_exp_avg_sq", false)] : [])
    }

    override func update(index: Int, value: Tensor, gradient: Tensor) -> Tensor {
        var p = value, g = gradient
        if weightDecay != 0 {
            if decoupledWeightDecay { p = p * (1 - learningRate * weightDecay) } else { g = g + weightDecay * p }
        }
        let (beta1, beta2) = betas
        let m0 = state[index]["exp_avg"] ?? Tensor.zeros(value.shape)
        let v0 = state[index]["exp_avg_sq"] ?? Tensor.zeros(value.shape)
        let t = Double(nextStep(index))
        let correction1 = 1 - Foundation.pow(Double(beta1), t)
        let correction2Root = (1 - Foundation.pow(Double(beta2), t)).squareRoot()
        if !amsgrad {
            // One pass instead of ten tensor operations; the same bits.
            let next = ElementwiseKernels.adam(
                parameter: p.storage, gradient: g.storage, exponentialAverage: m0.storage, squaredAverage: v0.storage,
                c1: 1 - beta1, b2: beta2, c2: 1 - beta2, root2: Float(correction2Root), epsilon: epsilon,
                step: Float(Double(learningRate) / correction1))
            state[index]["exp_avg"] = Tensor(shape: value.shape, storage: next.exponentialAverage)
            state[index]["exp_avg_sq"] = Tensor(shape: value.shape, storage: next.squaredAverage)
            return Tensor(shape: value.shape, storage: next.parameter)
        }
        let m = m0 + (1 - beta1) * (g - m0)
        let v = beta2 * v0 + (1 - beta2) * g * g
        state[index]["exp_avg"] = m
        state[index]["exp_avg_sq"] = v
        var second = v
        if amsgrad {
            second = Tensor.maximum(state[index]["max_exp_avg_sq"] ?? Tensor.zeros(value.shape), v)
            state[index]["max_exp_avg_sq"] = second
        }
        let denominator = second.sqrt() / Float(correction2Root) + epsilon
        return p - Float(Double(learningRate) / correction1) * (m / denominator)
    }
}
