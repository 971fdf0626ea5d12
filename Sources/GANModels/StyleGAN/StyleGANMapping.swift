import GANLayers
import GANTensor

/// StyleGAN's mapping network `f: z → w`: `z` pixel-normalised, then `mappingLayers` equalised
/// linear layers (gain √2, learning-rate multiplier 0.01, as the official `G_mapping`), each
/// followed by LeakyReLU 0.2.
///
/// Shapes: `[N, nz]` → `[N, nz]`. State-dict names: `K.weight` `[nz, nz]`, `K.bias` `[nz]`.
public final class StyleGANMapping: Module {
    /// The size of `z` and `w`.
    public let dimension: Int
    /// The linear layers.
    public let layers: ModuleList<EqualizedLinear>
    private let normalize = PixelNorm()

    public init(dimension: Int, depth: Int, learningRateMultiplier: Float, using rng: inout RandomGenerator) {
        self.dimension = dimension
        layers = ModuleList((0..<depth).map { _ in
            EqualizedLinear(inputFeatures: dimension, outputFeatures: dimension, gain: Float(2).squareRoot(),
                            learningRateMultiplier: learningRateMultiplier, using: &rng)
        })
    }

    private init(copying other: StyleGANMapping) {
        dimension = other.dimension
        layers = other.layers.structuralCopy() as! ModuleList<EqualizedLinear>
    }

    /// `z [N, nz]` → `w [N, nz]`.
    public func callAsFunction(_ z: Tensor) -> Tensor {
        precondition(z.rank == 2 && z.shape[1] == dimension, "StyleGANMapping: z must be [N, \(dimension)], got \(z.shape)")
        var h = normalize(z)
        for layer in layers { h = layer(h).leakyRelu(negativeSlope: 0.2) }
        return h
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        layers.visitChildren(visitor)
    }

    override public func structuralCopy() -> Module { StyleGANMapping(copying: self) }
}
