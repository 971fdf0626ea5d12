import GANLayers
import GANTensor

/// What `StyleGANModel` needs of a style-based generator, so one model trains either variant:
/// `StyleGANGenerator` (StyleGAN, AdaIN) and `StyleGAN2Generator` (modulated convolutions, skip
/// outputs). Both map `z → w` with `StyleGANMapping`, synthesise from one style `[N, nz]` per
/// style input (`styleCount`, in order) and one noise map per noise input, and track `w_avg`.
public protocol StyleSynthesisNetwork: Module {
    /// The sizes the network was built with.
    var settings: StyleGANNetworkSettings { get }
    /// `z [N, nz]` → `w [N, nz]`.
    var mapping: StyleGANMapping { get }
    /// `[nz]`, the moving mean of `w` over training batches (truncation pulls towards it).
    var averageW: Buffer { get }
    /// Styles `synthesize(styles:noise:)` takes (what style mixing and truncation index).
    var styleCount: Int { get }
    /// Noise maps `[N, 1, s, s]` ~ N(0, 1), one per noise input, in order.
    func noise(count: Int, using rng: inout RandomGenerator) -> [Tensor]
    /// Noise maps of zeros (the noise inputs switched off, as samples use them).
    func zeroNoise(count: Int) -> [Tensor]
    /// Images `[N, channels, S, S]` from `styleCount` styles `[N, nz]` and the noise maps.
    func synthesize(styles: [Tensor], noise: [Tensor]) -> Tensor
}

extension StyleSynthesisNetwork {
    /// `w_avg + ψ(w_i − w_avg)` for the styles below `cutoff` (all when `nil`), `w_i` for the
    /// others; the styles as they are when `psi` is `nil`.
    public func truncated(styles: [Tensor], psi: Float?, cutoff: Int? = nil) -> [Tensor] {
        guard let psi else { return styles }
        let average = averageW.value.reshaped([1, settings.latentDimension])
        return styles.enumerated().map { i, w in i < (cutoff ?? styles.count) ? average + psi * (w - average) : w }
    }

    /// `z [N, nz]` → images `[N, channels, S, S]`, one `w` for every style, noise from `rng`.
    public func callAsFunction(_ z: Tensor, using rng: inout RandomGenerator) -> Tensor {
        let w = mapping(z)
        return synthesize(styles: Array(repeating: w, count: styleCount), noise: noise(count: z.shape[0], using: &rng))
    }
}
