import GANTensor

/// WGAN-GP's objective: the critic minimises `D(G(z)) − D(x) + λ·E[(‖∇D(x̂)‖₂ − 1)²]` with the
/// penalty of `GradientPenalty` (Shared/GradientPenalty.swift: one coefficient per sample), the
/// generator minimises −E[D(G(z))]. The mean gradient norm at the interpolates is logged
/// (`gp_norm` in metrics.jsonl); it approaches 1 as the critic becomes 1-Lipschitz along the
/// interpolation lines.
public enum WGANGPObjective {
    /// The objective with penalty weight λ and `criticSteps` critic steps per G step.
    public static func objective(gradientPenaltyWeight: Float, criticSteps: Int) -> Objective {
        Objective(loss: .wasserstein, discriminatorSteps: criticSteps, gradientPenaltyWeight: gradientPenaltyWeight)
    }
}
