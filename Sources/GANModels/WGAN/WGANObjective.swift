import GANTensor

/// WGAN's objective: the critic maximises E[D(x)] − E[D(G(z))] (minimises the Wasserstein loss
/// `D(G(z)) − D(x)`), the generator minimises −E[D(G(z))]; after every critic step each critic
/// weight is clamped to [−c, c] (`GANModel.trainingStep` applies `weightClip`), which keeps the
/// critic (roughly) Lipschitz.
public enum WGANObjective {
    /// The objective with clipping bound `clip` and `criticSteps` critic steps per G step.
    public static func objective(clip: Float, criticSteps: Int) -> Objective {
        Objective(loss: .wasserstein, discriminatorSteps: criticSteps, weightClip: clip)
    }
}
