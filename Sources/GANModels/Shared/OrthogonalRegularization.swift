import GANTensor

/// BigGAN's orthogonal regularisation (Brock et al. 2018, §3.1, eq. 3): the off-diagonal form that
/// pushes the filters of each weight towards mutual orthogonality without constraining their norms,
///
/// ```text
/// R_β(W) = β ‖W Wᵀ ⊙ (1 − I)‖²_F        W viewed as [outputs, rest], one row per filter
/// ```
///
/// summed over the weights given (BigGAN: every weight of G with two or more axes but the shared
/// class embedding). Its gradient is `4β (W Wᵀ ⊙ (1 − I)) W`. BigGAN-PyTorch's `utils.ortho` adds
/// `2β (W Wᵀ ⊙ (1 − I)) W` to the gradients instead, the gradient of R/2: the same β there
/// regularises half as strongly (the fixture of `scripts/make_step_fixtures.py` holds both).
public enum OrthogonalRegularization {
    /// `Σ R_β(W)` over `weights` (each of rank ≥ 2), differentiable.
    public static func penalty(_ weights: [Tensor], strength: Float) -> Tensor {
        var total = Tensor(0)
        for weight in weights {
            precondition(weight.rank >= 2, "OrthogonalRegularization: weight \(weight.shape) needs two or more axes")
            let w = weight.reshaped([weight.shape[0], -1])
            let offDiagonal = 1 - Tensor.eye(weight.shape[0])
            total = total + (w.matmul(w.transposed()) * offDiagonal).square().sum()
        }
        return strength * total
    }
}
