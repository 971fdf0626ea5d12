import GANTensor

/// The adversarial objectives, each as a discriminator (critic) loss on its outputs for real
/// and generated samples and a generator loss on its output for generated samples.
///
/// The discriminator outputs raw scores (logits for the probabilistic losses, no sigmoid):
///
/// | loss | discriminator minimises | generator minimises |
/// |---|---|---|
/// | `minimax` (Goodfellow et al. 2014) | −log D(x) − log(1 − D(G(z))) | log(1 − D(G(z))) |
/// | `nonSaturating` (same paper, §3) | as minimax | −log D(G(z)) |
/// | `hinge` (Lim & Ye 2017; SAGAN, BigGAN) | max(0, 1 − D(x)) + max(0, 1 + D(G(z))) | −D(G(z)) |
/// | `wasserstein` (Arjovsky et al. 2017) | D(G(z)) − D(x) | −D(G(z)) |
/// | `leastSquares` (Mao et al. 2017, a=0, b=c=1) | ½(D(x) − 1)² + ½D(G(z))² | ½(D(G(z)) − 1)² |
///
/// D(·) = sigmoid(score) for minimax and non-saturating, written with softplus so that no
/// logarithm of 0 is ever taken. Every loss is a mean over the batch.
///
/// ```swift
/// let lossD = AdversarialLoss.nonSaturating.discriminatorLoss(real: critic(x), fake: critic(fake.detach()))
/// let lossG = AdversarialLoss.nonSaturating.generatorLoss(fake: critic(fake))
/// ```
public enum AdversarialLoss: String, Codable, CaseIterable, Sendable {
    case minimax
    case nonSaturating = "non-saturating"
    case hinge
    case wasserstein
    case leastSquares = "least-squares"

    /// Whether the score is a logit whose sigmoid is a probability (for logging D(x)).
    public var isProbabilistic: Bool { self == .minimax || self == .nonSaturating }

    /// The discriminator's loss for scores `[N, 1]` on real and generated samples.
    public func discriminatorLoss(real: Tensor, fake: Tensor) -> Tensor {
        switch self {
        case .minimax, .nonSaturating:
            // −log σ(r) = softplus(−r);  −log(1 − σ(f)) = softplus(f)
            return (-real).softplus().mean() + fake.softplus().mean()
        case .hinge:
            return (1 - real).relu().mean() + (1 + fake).relu().mean()
        case .wasserstein:
            return fake.mean() - real.mean()
        case .leastSquares:
            return 0.5 * (real - 1).square().mean() + 0.5 * fake.square().mean()
        }
    }

    /// The generator's loss for the discriminator's scores `[N, 1]` on generated samples.
    public func generatorLoss(fake: Tensor) -> Tensor {
        switch self {
        case .minimax:
            // log(1 − σ(f)) = −softplus(f)
            return -fake.softplus().mean()
        case .nonSaturating:
            return (-fake).softplus().mean()
        case .hinge, .wasserstein:
            return -fake.mean()
        case .leastSquares:
            return 0.5 * (fake - 1).square().mean()
        }
    }

    /// What is logged as D(x) for scores `[N, 1]`: the mean probability for the
    /// probabilistic losses, the mean score otherwise.
    public func reportedScore(_ scores: Tensor) -> Float {
        withoutGradients { isProbabilistic ? scores.sigmoid().mean().item : scores.mean().item }
    }
}
