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
}

/// How to generate: the class of each sample, the domain, the averaged or the trained weights.
/// Later families add truncation here.
public struct GenerationOptions {
    /// One class per sample, for conditional models.
    public var labels: [Int]?
    /// Which of `domainNames`.
    public var domain: Int
    /// The EMA copy of G when the model keeps one.
    public var useAverage: Bool

    public init(labels: [Int]? = nil, domain: Int = 0, useAverage: Bool = true) {
        self.labels = labels
        self.domain = domain
        self.useAverage = useAverage
    }
}

extension LatentModel {
    public var domainNames: [String] { [] }

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
}
