import GANTensor

/// WGAN-GP's gradient penalty (Gulrajani et al. 2017): `E[(‖∇D(x̂)‖₂ − 1)²]` on interpolates
/// `x̂ = α·x + (1 − α)·G(z)`, with **one** coefficient `α ~ U[0, 1)` per sample, broadcast
/// over all of that sample's elements.
///
/// (A widely copied implementation draws one `α` per pixel — `torch.rand(real.size())` — which
/// puts `x̂` off the segment between the real and the generated sample; this one does not.)
///
/// The gradient is taken with `createGraph: true`, so the penalty is differentiable with respect
/// to the critic's weights.
public enum GradientPenalty {
    /// The penalty and the mean gradient norm at the interpolates (which the penalty pushes to 1).
    ///
    /// - Parameters:
    ///   - critic: The critic, `[N, …] → [N, 1]` scores.
    ///   - real: Real samples `[N, …]`.
    ///   - fake: Generated samples of the same shape (detached by the caller or not: only `x̂`
    ///     is differentiated).
    ///   - generator: Draws the coefficients.
    /// - Returns: `penalty` (a scalar in the graph) and `meanNorm`.
    public static func penalty(
        critic: (Tensor) -> Tensor, real: Tensor, fake: Tensor, using generator: inout RandomGenerator
    ) -> (penalty: Tensor, meanNorm: Float) {
        let alpha = Tensor.randomUniform(coefficientShape(of: real, count: real.shape[0]), using: &generator)
        return penalty(critic: critic, real: real, fake: fake, coefficients: alpha)
    }

    /// The penalty with the coefficients drawn through `context.perSample` (the global batch's
    /// coefficients, this process's rows).
    public static func penalty(
        critic: (Tensor) -> Tensor, real: Tensor, fake: Tensor, in context: StepContext
    ) -> (penalty: Tensor, meanNorm: Float) {
        let alpha = context.perSample(real.shape[0]) { Tensor.randomUniform(coefficientShape(of: real, count: $0), using: &$1) }
        return penalty(critic: critic, real: real, fake: fake, coefficients: alpha)
    }

    /// `[count, 1, …]`: one coefficient per sample of `real`.
    static func coefficientShape(of real: Tensor, count: Int) -> [Int] {
        [count] + Array(repeating: 1, count: real.rank - 1)
    }

    /// The penalty for given coefficients `alpha` `[N, 1, …]`.
    public static func penalty(
        critic: (Tensor) -> Tensor, real: Tensor, fake: Tensor, coefficients alpha: Tensor
    ) -> (penalty: Tensor, meanNorm: Float) {
        precondition(real.shape == fake.shape, "GradientPenalty: real \(real.shape) and fake \(fake.shape) differ")
        let n = real.shape[0]
        precondition(alpha.shape == coefficientShape(of: real, count: n),
                     "GradientPenalty: coefficients \(alpha.shape) for samples \(real.shape)")
        let interpolates = withoutGradients { alpha * real.detach() + (1 - alpha) * fake.detach() }
            .requiringGradient()
        let scores = critic(interpolates)
        let gradient = gradients(of: scores.sum(), wrt: [interpolates], createGraph: true)[0]
        let norms = (gradient.reshaped([n, -1]).square().sum(axis: 1) + 1e-12).sqrt()
        let penalty = (norms - 1).square().mean()
        let meanNorm = withoutGradients { norms.mean().item }
        return (penalty, meanNorm)
    }
}
