import GANLayers
import GANTensor

/// The fully connected discriminator of the original GAN (PyTorch-GAN's): the flattened sample
/// (with `classCount` one-hot columns appended by CGAN) through Linear + LeakyReLU blocks to one
/// logit. No sigmoid: the losses take logits.
///
/// Shapes: `[N] + dataShape` → `[N, 1]`. State dict: `model.0.weight`, `model.2.weight`, ….
public final class MLPDiscriminator: Module, DiscriminatorNetwork {
    /// The settings it was built from.
    public let settings: NetworkSettings
    /// Classes it is conditioned on (0: unconditional).
    public let classCount: Int
    /// The layers.
    public let model: Sequential

    /// A discriminator with fresh PyTorch-default weights.
    public init(settings: NetworkSettings, classCount: Int = 0, using rng: inout RandomGenerator) {
        self.settings = settings
        self.classCount = classCount
        var layers: [any UnaryLayer] = []
        var width = settings.dataShape.reduce(1, *) + classCount
        for (i, hidden) in settings.discriminatorHidden.enumerated() {
            layers.append(Linear(inputFeatures: width, outputFeatures: hidden, using: &rng))    // [hidden, width]
            if settings.discriminatorBatchNorm && i > 0 { layers.append(BatchNorm1d(features: hidden)) }
            layers.append(LeakyReLU(settings.discriminatorSlope))
            width = hidden
        }
        layers.append(Linear(inputFeatures: width, outputFeatures: 1, using: &rng))
        model = Sequential(layers: layers)
    }

    public override func visitChildren(_ v: ModuleVisitor) { v.module("model", model) }

    public override func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return MLPDiscriminator(settings: settings, classCount: classCount, using: &rng)
    }

    public func score(_ x: Tensor, labels: [Int]?) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == settings.dataShape,
                     "MLPDiscriminator: expected [N] + \(settings.dataShape), got \(x.shape)")
        let flat = x.reshaped([x.shape[0], -1])
        return model(appendingOneHot(flat, labels: labels, classCount: classCount, network: "MLPDiscriminator"))
    }
}
