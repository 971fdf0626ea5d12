import GANLayers
import GANTensor

/// StyleGAN's two regularisers, each a scalar in the graph (second order: the gradients they
/// penalise are recorded, so their own gradients reach the weights).
public enum StyleGANRegularization {
    /// R1 (Mescheder et al. 2018): `E[‖∇ₓD(x)‖²]` on reals. `real` must require a gradient;
    /// `realScores` are `D(real)` `[N, 1]` (the same forward pass the loss uses).
    public static func r1(realScores: Tensor, real: Tensor) -> Tensor {
        let gradient = gradients(of: realScores.sum(), wrt: [real], createGraph: true)[0]
        return gradient.reshaped([real.shape[0], -1]).square().sum(axis: 1).mean()
    }

    /// StyleGAN2's path-length regularisation (§3.2; rosinality's `g_path_regularize`): for
    /// images `x = g(styles)` and a random image-space direction `y ~ N(0, 1)/√(H·W)`,
    ///
    /// ```text
    /// J_i = ∂(Σ x·y)/∂w_i  (one gradient per style input i, [N, nz] each)
    /// pl  = √(mean_i Σ_j J_i,j²)                                  [N]
    /// a'  = a + decay · (mean(pl) − a)                            (a: the running mean, pl_mean)
    /// penalty = mean((pl − a')²)
    /// ```
    /// As in rosinality and the official code the penalty is taken against the updated mean
    /// `a'`, gradient through `mean(pl)` included.
    ///
    /// - Parameters:
    ///   - generator: Synthesises the images.
    ///   - styles: `styleCount` styles `[N, nz]` (in the graph, so the mapping gets gradients).
    ///   - noise: The noise maps.
    ///   - direction: `y`, the images' shape `[N, channels, S, S]`, already divided by √(H·W).
    ///   - mean: `a`, the running mean of `pl` before this batch.
    ///   - decay: Its decay (0.01).
    ///   - batchMean: The mean of the lengths that updates `a` (over every process's batch in a
    ///     data-parallel run: `StepContext.meanOverBatch`).
    /// - Returns: `penalty` (scalar), `lengths` `[N]`, `mean` (`a'`, detached).
    public static func pathLength(generator: any StyleSynthesisNetwork, styles: [Tensor], noise: [Tensor],
                                  direction: Tensor, mean: Float, decay: Float,
                                  batchMean: (Tensor) -> Tensor = { $0.mean() })
        -> (penalty: Tensor, lengths: Tensor, mean: Float) {
        // One node per style input: the gradient w.r.t. the stack is [N, styles, nz], one row per input
        // even where several inputs share one w.
        let stacked = Tensor.stack(styles, axis: 1)
        let n = stacked.shape[0], nz = stacked.shape[2]
        let perStyle = stacked.split(sizes: Array(repeating: 1, count: styles.count), axis: 1).map { $0.reshaped([n, nz]) }
        let image = generator.synthesize(styles: perStyle, noise: noise)
        precondition(direction.shape == image.shape,
                     "StyleGANRegularization.pathLength: direction must be \(image.shape), got \(direction.shape)")
        let jacobian = gradients(of: (image * direction).sum(), wrt: [stacked], createGraph: true)[0]
        let lengths = jacobian.square().sum(axis: 2).mean(axis: 1).sqrt()
        let updated = mean + decay * (batchMean(lengths) - mean)
        let penalty = (lengths - updated).square().mean()
        return (penalty, lengths, updated.item)
    }
}
