import GANTensor

/// A generator driven by one intermediate latent `w` per synthesis layer (StyleGAN): what
/// `gan mix` (style mixing between two sets of latents) and `gan interpolate --space w` need.
///
/// ```swift
/// let a = model.mapped(model.latents(count: 4, seed: 1), options: options)   // [4, nz]
/// let b = model.mapped(model.latents(count: 4, seed: 2), options: options)
/// let coarse = model.styleLayers(of: .coarse)
/// let mixed = model.synthesize(styles: (0..<model.styleSides.count).map { coarse.contains($0) ? b : a },
///                              options: options)
/// ```
public protocol StyleBasedModel: LatentModel {
    /// The side of each synthesis layer, one per style input, coarse to fine.
    var styleSides: [Int] { get }
    /// `w [N, nz]` for `z [N, nz]`, by the mapping network of the network `options` picks
    /// (the EMA copy by default), without truncation.
    func mapped(_ z: Tensor, options: GenerationOptions) -> Tensor
    /// Images `[N, C, S, S]` from one `w [N, nz]` per synthesis layer, with the noise inputs
    /// off, truncated towards the mean `w` when `options.psi` is set (below
    /// `options.truncationCutoff` layers when set).
    func synthesize(styles: [Tensor], options: GenerationOptions) -> Tensor
}

/// The synthesis layers a group of styles controls, by resolution (StyleGAN, §3.1, Figure 3):
/// coarse styles set pose and shape, middle ones smaller features, fine ones colour and texture.
public enum StyleLevel: String, CaseIterable, Sendable {
    case coarse, middle, fine
}

extension StyleBasedModel {
    /// The synthesis layers of `level`. The paper splits 1024² into 4²–8², 16²–32² and
    /// 64²–1024²; small images have three or four resolutions, so each level takes a third of
    /// them, coarse first (`[7, 14, 28]` gives one each; `[4, 8, 16, 32]` gives 4–8, 16, 32).
    public func styleLayers(of level: StyleLevel) -> Range<Int> {
        let sides = Array(Set(styleSides)).sorted()
        let coarse = (sides.count + 2) / 3
        let middle = (sides.count - coarse + 1) / 2
        let bounds: [Int] = [0, coarse, coarse + middle, sides.count]
        let index = StyleLevel.allCases.firstIndex(of: level)!
        let chosen = Set(sides[bounds[index]..<bounds[index + 1]])
        let layers = styleSides.indices.filter { chosen.contains(styleSides[$0]) }
        return (layers.first ?? 0)..<((layers.last ?? -1) + 1)
    }

    /// Images whose styles come from `base`, except those of `layers`, which come from `source`
    /// (both `[N, nz]`).
    public func mixed(base: Tensor, source: Tensor, layers: Range<Int>, options: GenerationOptions) -> Tensor {
        synthesize(styles: styleSides.indices.map { layers.contains($0) ? source : base }, options: options)
    }
}
