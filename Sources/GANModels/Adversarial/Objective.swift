import GANData
import GANLayers
import GANTensor

/// How a family trains: its loss, how many discriminator steps per generator step, and its
/// regulariser (WGAN's weight clipping, WGAN-GP's gradient penalty).
public struct Objective: Equatable, Sendable {
    /// The adversarial loss.
    public var loss: AdversarialLoss
    /// Discriminator (critic) steps per generator step, each on a fresh real batch.
    public var discriminatorSteps: Int
    /// WGAN: after each critic step every critic weight is clamped to ±`weightClip`.
    public var weightClip: Float?
    /// WGAN-GP: the weight λ of the gradient penalty.
    public var gradientPenaltyWeight: Float?

    public init(loss: AdversarialLoss, discriminatorSteps: Int = 1, weightClip: Float? = nil,
                gradientPenaltyWeight: Float? = nil) {
        self.loss = loss
        self.discriminatorSteps = discriminatorSteps
        self.weightClip = weightClip
        self.gradientPenaltyWeight = gradientPenaltyWeight
    }
}
