import GANLayers
import GANTensor

/// CoGAN's two generators as one module: a trunk both domains share, then one head per
/// domain (see `CoGANNetworkSettings` for the layers).
///
/// Each shared layer is one parameter object, listed once (`shared.*`), so `parameters()`,
/// the state dict and an optimiser see it once and a gradient from both domains sums into it;
/// `structuralCopy()` (the EMA copy) keeps the sharing by construction.
///
/// ```text
/// shared   ConvTranspose2d, BatchNorm2d, PReLU × 4   z [N, nz] → [N, 128g, 25, 25]
/// head_a   ConvTranspose2d(128g, C, 6, 1, 1), Tanh  → [N, C, 28, 28]
/// head_b   the same, own weights
/// ```
///
/// ```swift
/// let g = CoGANNetworkSettings.grey28.makeGenerators(using: &rng)
/// let (a, b) = g.generatePair(z)      // [N, 1, 28, 28] each, the same z
/// ```
public final class CoGANGenerators: Module {
    /// The architecture.
    public let settings: CoGANNetworkSettings
    /// The four shared layers: `shared.0` ConvTranspose2d … `shared.11` PReLU.
    public let shared: Sequential
    /// Domain A's last layer and tanh (`head_a.0.weight` `[128g, C, 6, 6]`).
    public let headA: Sequential
    /// Domain B's last layer and tanh.
    public let headB: Sequential

    /// Generators with PyTorch's default initialisation drawn from `rng` (use
    /// `settings.makeGenerators(using:)` for the configured initialisation).
    public init(settings: CoGANNetworkSettings, using rng: inout RandomGenerator) {
        self.settings = settings
        let c = settings.generatorChannels
        var layers: [any UnaryLayer] = []
        var input = settings.latentDimension
        for (i, output) in c.enumerated() {
            // 1 → 4 (k4 s1 p0), then 4 → 7 → 13 → 25 (k3 s2 p1)
            layers.append(ConvTranspose2d(inputChannels: input, outputChannels: output, kernelSize: i == 0 ? 4 : 3,
                                          stride: i == 0 ? 1 : 2, padding: i == 0 ? 0 : 1, using: &rng))
            layers.append(BatchNorm2d(features: output))
            layers.append(PReLU(parameterCount: output))
            input = output
        }
        shared = Sequential(layers: layers)
        func head() -> Sequential {
            Sequential(ConvTranspose2d(inputChannels: input, outputChannels: settings.channels, kernelSize: 6,
                                       stride: 1, padding: 1, using: &rng),   // 25 → 28, [128g, C, 6, 6]
                       Tanh())
        }
        headA = head()
        headB = head()
    }

    /// The head of `domain`.
    public func head(_ domain: CoGANDomain) -> Sequential { domain == .a ? headA : headB }

    /// The shared trunk's features for `z`: `[N, nz]` → `[N, 128g, 25, 25]`.
    public func sharedFeatures(_ z: Tensor) -> Tensor {
        precondition(z.rank == 2 && z.shape[1] == settings.latentDimension,
                     "CoGANGenerators: expected z [N, \(settings.latentDimension)], got \(z.shape)")
        return shared(z.reshaped([z.shape[0], settings.latentDimension, 1, 1]))
    }

    /// Domain `domain`'s images for `z`: `[N, nz]` → `[N, C, 28, 28]` in [−1, 1]. In training
    /// mode each call runs the trunk (and updates its running statistics) once; use
    /// `generatePair(_:)` to make both domains from one pass.
    public func generate(_ z: Tensor, domain: CoGANDomain) -> Tensor {
        head(domain)(sharedFeatures(z))
    }

    /// Both domains' images for the same `z`, from one pass of the shared trunk (one update
    /// of its running statistics, as the paper's coupled generators): `[N, nz]` → two
    /// `[N, C, 28, 28]`.
    public func generatePair(_ z: Tensor) -> (a: Tensor, b: Tensor) {
        let features = sharedFeatures(z)
        return (headA(features), headB(features))
    }

    override public func visitChildren(_ v: ModuleVisitor) {
        v.module("shared", shared)
        v.module("head_a", headA)
        v.module("head_b", headB)
    }

    override public func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return CoGANGenerators(settings: settings, using: &rng)
    }
}
