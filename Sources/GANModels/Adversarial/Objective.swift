import GANData
import GANLayers
import GANTensor

/// How a family trains: its loss, how many discriminator steps per generator step, and its
/// regularisers (WGAN's weight clipping, WGAN-GP's gradient penalty, BigGAN's orthogonal
/// regularisation).
public struct Objective: Equatable, Sendable {
    /// The adversarial loss.
    public var loss: AdversarialLoss
    /// Discriminator (critic) steps per generator step, each on a fresh real batch.
    public var discriminatorSteps: Int
    /// WGAN: after each critic step every critic weight is clamped to ±`weightClip`.
    public var weightClip: Float?
    /// WGAN-GP: the weight λ of the gradient penalty.
    public var gradientPenaltyWeight: Float?
    /// BigGAN: β of the orthogonal regularisation added to G's loss (`OrthogonalRegularization`),
    /// over G's weights of rank ≥ 2 except those named in `unregularizedPrefixes`.
    public var orthogonalRegularization: Float?
    /// Parameters of G (by name prefix) the orthogonal regularisation leaves out (BigGAN: the
    /// shared class embedding).
    public var unregularizedPrefixes: [String]

    public init(loss: AdversarialLoss, discriminatorSteps: Int = 1, weightClip: Float? = nil,
                gradientPenaltyWeight: Float? = nil, orthogonalRegularization: Float? = nil,
                unregularizedPrefixes: [String] = []) {
        self.loss = loss
        self.discriminatorSteps = discriminatorSteps
        self.weightClip = weightClip
        self.gradientPenaltyWeight = gradientPenaltyWeight
        self.orthogonalRegularization = orthogonalRegularization
        self.unregularizedPrefixes = unregularizedPrefixes
    }
}
