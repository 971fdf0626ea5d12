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
        precondition(real.shape == fake.shape, "GradientPenalty: real \(real.shape) and fake \(fake.shape) differ")
        let n = real.shape[0]
        let coefficientShape = [n] + Array(repeating: 1, count: real.rank - 1)
        let alpha = Tensor.randomUniform(coefficientShape, using: &generator)
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
