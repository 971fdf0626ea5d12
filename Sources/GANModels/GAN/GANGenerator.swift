import GANLayers
import GANTensor

/// The fully connected generator of the original GAN, as the widely used PyTorch-GAN
/// implementation builds it (`implementations/gan/gan.py`): blocks of Linear, BatchNorm1d
/// (not in the first block) and LeakyReLU, then a linear layer to the sample and tanh for images.
///
/// Shapes: `z` `[N, latentDimension]` (with `classCount` one-hot columns appended by CGAN) →
/// `[N] + dataShape`. State dict: `model.0.weight`, `model.0.bias`, `model.2.weight`, ….
public final class MLPGenerator: Module, GeneratorNetwork {
    /// The settings it was built from.
    public let settings: NetworkSettings
    /// Classes it is conditioned on (0: unconditional).
    public let classCount: Int
    /// The layers.
    public let model: Sequential

    /// A generator with fresh PyTorch-default weights.
    public init(settings: NetworkSettings, classCount: Int = 0, using rng: inout RandomGenerator) {
        self.settings = settings
        self.classCount = classCount
        var layers: [any UnaryLayer] = []
        var width = settings.latentDimension + classCount
        for (i, hidden) in settings.generatorHidden.enumerated() {
            layers.append(Linear(inputFeatures: width, outputFeatures: hidden, using: &rng))    // [hidden, width]
            if settings.generatorBatchNorm && i > 0 {
                layers.append(BatchNorm1d(features: hidden, epsilon: settings.batchNormEpsilon))
            }
            layers.append(settings.generatorSlope == 0 ? ReLU() : LeakyReLU(settings.generatorSlope))
            width = hidden
        }
        layers.append(Linear(inputFeatures: width, outputFeatures: settings.dataShape.reduce(1, *), using: &rng))
        if settings.outputTanh { layers.append(Tanh()) }
        model = Sequential(layers: layers)
    }

    public override func visitChildren(_ v: ModuleVisitor) { v.module("model", model) }

    public override func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return MLPGenerator(settings: settings, classCount: classCount, using: &rng)
    }

    public func generate(_ z: Tensor, labels: [Int]?) -> Tensor {
        precondition(z.rank == 2 && z.shape[1] == settings.latentDimension,
                     "MLPGenerator: expected z [N, \(settings.latentDimension)], got \(z.shape)")
        let input = appendingOneHot(z, labels: labels, classCount: classCount, network: "MLPGenerator")
        return model(input).reshaped([z.shape[0]] + settings.dataShape)
    }
}
