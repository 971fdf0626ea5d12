import GANLayers
import GANTensor

/// CoGAN's two discriminators as one module: one first layer per domain, then layers both
/// domains share (see `CoGANNetworkSettings` for the layers). Scores are logits.
///
/// Each shared layer is one parameter object, listed once (`shared.*`); `structuralCopy()`
/// keeps the sharing by construction.
///
/// ```text
/// trunk_a  Conv2d(C, 20d, 5), MaxPool2d(2)            [N, C, 28, 28] → [N, 20d, 12, 12]
/// trunk_b  the same, own weights
/// shared   Conv2d(20d, 50d, 5), MaxPool2d(2), Flatten,
///          Linear(50d·16, 500d), PReLU, Linear(500d, 1)  → [N, 1]
/// ```
///
/// ```swift
/// let d = CoGANNetworkSettings.grey28.makeDiscriminators(using: &rng)
/// let logits = d.score(images, domain: .b)     // [N, 1]
/// ```
public final class CoGANDiscriminators: Module {
    /// The architecture.
    public let settings: CoGANNetworkSettings
    /// Domain A's first layer (`trunk_a.0.weight` `[20d, C, 5, 5]`).
    public let trunkA: Sequential
    /// Domain B's first layer.
    public let trunkB: Sequential
    /// The shared layers: `shared.0` Conv2d, `shared.3` Linear, `shared.4` PReLU, `shared.5` Linear.
    public let shared: Sequential

    /// Discriminators with PyTorch's default initialisation drawn from `rng` (use
    /// `settings.makeDiscriminators(using:)` for the configured initialisation).
    public init(settings: CoGANNetworkSettings, using rng: inout RandomGenerator) {
        self.settings = settings
        let c = settings.discriminatorChannels
        func trunk() -> Sequential {
            Sequential(Conv2d(inputChannels: settings.channels, outputChannels: c[0], kernelSize: 5, using: &rng),
                       MaxPool2d(kernelSize: 2))                     // 28 → 24 → 12
        }
        trunkA = trunk()
        trunkB = trunk()
        shared = Sequential {
            Conv2d(inputChannels: c[0], outputChannels: c[1], kernelSize: 5, using: &rng)   // 12 → 8
            MaxPool2d(kernelSize: 2)                                                         // 8 → 4
            Flatten()
            Linear(inputFeatures: c[1] * 16, outputFeatures: c[2], using: &rng)              // [500d, 50d·16]
            PReLU(parameterCount: c[2])
            Linear(inputFeatures: c[2], outputFeatures: 1, using: &rng)
        }
    }

    /// The first layer of `domain`.
    public func trunk(_ domain: CoGANDomain) -> Sequential { domain == .a ? trunkA : trunkB }

    /// Logits `[N, 1]` for images `x` `[N, C, 28, 28]` of `domain`.
    public func score(_ x: Tensor, domain: CoGANDomain) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == settings.dataShape,
                     "CoGANDiscriminators: expected [N] + \(settings.dataShape), got \(x.shape)")
        return shared(trunk(domain)(x))
    }

    /// Logits for a batch of each domain, the shared layers run once on both batches
    /// concatenated (the same values as two `score` calls: nothing in D depends on the batch):
    /// `[Na, C, 28, 28]`, `[Nb, C, 28, 28]` → `[Na, 1]`, `[Nb, 1]`.
    public func scorePair(a: Tensor, b: Tensor) -> (a: Tensor, b: Tensor) {
        for x in [a, b] {
            precondition(Array(x.shape.dropFirst()) == settings.dataShape,
                         "CoGANDiscriminators: expected [N] + \(settings.dataShape), got \(x.shape)")
        }
        let features = Tensor.concatenate([trunkA(a), trunkB(b)], axis: 0)
        let scores = shared(features).split(sizes: [a.shape[0], b.shape[0]], axis: 0)
        return (scores[0], scores[1])
    }

    override public func visitChildren(_ v: ModuleVisitor) {
        v.module("trunk_a", trunkA)
        v.module("trunk_b", trunkB)
        v.module("shared", shared)
    }

    override public func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return CoGANDiscriminators(settings: settings, using: &rng)
    }
}
