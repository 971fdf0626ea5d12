import GANTensor

/// A model that generates from latents: `gan sample`, `gan interpolate` and `gan eval` take
/// any of these.
public protocol LatentModel: TrainableModel {
    /// The size of `z`.
    var latentDimension: Int { get }
    /// Classes it is conditioned on (0: unconditional).
    var classCount: Int { get }
    /// The shape of one sample (`[2]` for toy points, `[C, H, W]` for images).
    var dataShape: [Int] { get }
    /// Domains it generates from one latent (CoGAN: 2), named for messages and file names.
    var domainNames: [String] { get }
    /// Latents `[count, latentDimension]`.
    func latents(count: Int, using rng: inout RandomGenerator) -> Tensor
    /// Samples for `z` in evaluation mode, without recording a graph.
    func generate(_ z: Tensor, options: GenerationOptions) -> Tensor
    /// Whether truncation pulls an intermediate latent `w` towards its mean (StyleGAN:
    /// `GenerationOptions.psi`) rather than redrawing large entries of `z` (`truncatedLatents`).
    var truncatesInW: Bool { get }
    /// Whether it keeps an exponential moving average of G (samples use it unless
    /// `GenerationOptions.useAverage` is false).
    var keepsAverage: Bool { get }
}

/// How to generate: the class of each sample, the domain, the averaged or the trained weights,
/// truncation in W.
public struct GenerationOptions {
    /// One class per sample, for conditional models.
    public var labels: [Int]?
    /// Which of `domainNames`.
    public var domain: Int
    /// The EMA copy of G when the model keeps one.
    public var useAverage: Bool
    /// ψ of truncation in W, `w' = w_avg + ψ(w − w_avg)`, for models with `truncatesInW`
    /// (`nil`: none; 1 changes nothing, 0 gives the mean-w image).
    public var psi: Float?
    /// With `psi`, only the synthesis layers below this index are truncated (`nil`: all).
    public var truncationCutoff: Int?

    public init(labels: [Int]? = nil, domain: Int = 0, useAverage: Bool = true, psi: Float? = nil,
                truncationCutoff: Int? = nil) {
        self.labels = labels
        self.domain = domain
        self.useAverage = useAverage
        self.psi = psi
        self.truncationCutoff = truncationCutoff
    }
}

extension LatentModel {
    public var domainNames: [String] { [] }
    public var truncatesInW: Bool { false }

    /// Samples for `z` (and `labels` when conditional).
    public func generate(_ z: Tensor, labels: [Int]? = nil) -> Tensor {
        generate(z, options: GenerationOptions(labels: labels))
    }
}

extension LatentModel {
    /// Latents `[count, latentDimension]` drawn from a generator seeded with `seed`.
    public func latents(count: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return latents(count: count, using: &rng)
    }

    /// The truncation trick of BigGAN (Brock et al. 2018, §3.1) for N(0, 1) latents: every entry
    /// of `z` whose magnitude exceeds `threshold` is redrawn from N(0, 1) until it does not.
    /// Entries already inside are kept, so the same `z` truncated at several thresholds gives
    /// comparable samples (a truncation sweep).
    public static func truncated(_ z: Tensor, threshold: Float, using rng: inout RandomGenerator) -> Tensor {
        precondition(threshold > 0, "truncated: the threshold \(threshold) must be positive")
        var values = z.scalars
        for i in values.indices where abs(values[i]) > threshold {
            repeat { values[i] = Tensor.randomNormal([1], using: &rng).item } while abs(values[i]) > threshold
        }
        return Tensor(values, shape: z.shape)
    }

    /// `latents(count:seed:)` truncated at `threshold` (redraws from a generator seeded from
    /// `seed` too).
    public func truncatedLatents(count: Int, threshold: Float, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed ^ 0x7275_6e63_6174_6564)   // "truncated": apart from the latents' stream
        return Self.truncated(latents(count: count, seed: seed), threshold: threshold, using: &rng)
    }
}
