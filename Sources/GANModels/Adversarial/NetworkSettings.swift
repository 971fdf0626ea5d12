import GANLayers
import GANTensor

/// The architecture of a family's two networks: one value type the families share, so that
/// GAN, CGAN, WGAN and WGAN-GP can use the MLPs of `GAN/` or the convolutional networks of
/// `DCGAN/` as their papers do.
public struct NetworkSettings: Codable, Equatable, Sendable {
    /// Which pair of networks.
    public enum Architecture: String, Codable, Sendable {
        /// Fully connected networks (`GAN/`): any data shape.
        case mlp
        /// The compact 28×28 DCGAN (`dcgan28` of `../shared/bench`): a linear layer to
        /// 128×(S/4)², two transposed convolutions; two strided convolutions and a linear layer.
        case dcgan28
        /// The DCGAN of the paper and of `pytorch/examples` (`dcgan64`): transposed
        /// convolutions from 1×1 to S×S (S = 32 or 64), strided convolutions back down.
        case dcgan
    }

    /// The networks.
    public var architecture: Architecture
    /// The size of `z`.
    public var latentDimension: Int
    /// The shape of one sample: `[2]` for toy points, `[C, H, W]` for images.
    public var dataShape: [Int]
    /// Hidden layer widths of the MLP generator.
    public var generatorHidden: [Int]
    /// Hidden layer widths of the MLP discriminator.
    public var discriminatorHidden: [Int]
    /// BatchNorm in the generator.
    public var generatorBatchNorm: Bool
    /// BatchNorm in the discriminator (never in a WGAN-GP critic: the penalty is per sample).
    public var discriminatorBatchNorm: Bool
    /// BatchNorm ε of the MLP generator (0.8 in the widely used PyTorch-GAN MLP).
    public var batchNormEpsilon: Float
    /// Negative slope of the MLP generator's LeakyReLUs (0 gives ReLU).
    public var generatorSlope: Float
    /// Negative slope of the discriminator's LeakyReLUs.
    public var discriminatorSlope: Float
    /// Base channel count of the convolutional networks (`ngf` = `ndf`).
    public var width: Int
    /// Whether convolution layers have biases (`pytorch/examples` DCGAN has none).
    public var convolutionBias: Bool
    /// Whether the generator ends with tanh (images in [−1, 1]); toy points are unbounded.
    public var outputTanh: Bool
    /// DCGAN's N(0, 0.02) initialisation; otherwise PyTorch's defaults.
    public var dcganInitialization: Bool

    /// Settings with DCGAN-style defaults for everything not given.
    public init(architecture: Architecture, latentDimension: Int = 100, dataShape: [Int],
                generatorHidden: [Int] = [], discriminatorHidden: [Int] = [],
                generatorBatchNorm: Bool = true, discriminatorBatchNorm: Bool = true,
                batchNormEpsilon: Float = 1e-5, generatorSlope: Float = 0, discriminatorSlope: Float = 0.2,
                width: Int = 64, convolutionBias: Bool = true, outputTanh: Bool = true,
                dcganInitialization: Bool = true) {
        self.architecture = architecture
        self.latentDimension = latentDimension
        self.dataShape = dataShape
        self.generatorHidden = generatorHidden
        self.discriminatorHidden = discriminatorHidden
        self.generatorBatchNorm = generatorBatchNorm
        self.discriminatorBatchNorm = discriminatorBatchNorm
        self.batchNormEpsilon = batchNormEpsilon
        self.generatorSlope = generatorSlope
        self.discriminatorSlope = discriminatorSlope
        self.width = width
        self.convolutionBias = convolutionBias
        self.outputTanh = outputTanh
        self.dcganInitialization = dcganInitialization
    }

    /// The image side the data must be resized to (`nil` for the MLP, which takes any shape).
    public var imageSize: Int? { architecture == .mlp ? nil : dataShape[1] }
    /// The channel count the data must be converted to (`nil` for the MLP).
    public var channels: Int? { architecture == .mlp ? nil : dataShape[0] }

    /// Checks the settings against what the architectures can build.
    public func validate() throws {
        guard latentDimension > 0 else { throw ModelError.invalidOption("the latent dimension must be positive, got \(latentDimension)") }
        guard width > 0, (generatorHidden + discriminatorHidden).allSatisfy({ $0 > 0 }), dataShape.allSatisfy({ $0 > 0 }) else {
            throw ModelError.invalidOption("layer sizes must be positive, got width \(width), hidden \(generatorHidden) and "
                + "\(discriminatorHidden), data shape \(dataShape)")
        }
        guard batchNormEpsilon > 0, generatorSlope.isFinite, discriminatorSlope.isFinite else {
            throw ModelError.invalidOption("the batch-norm epsilon must be positive and the slopes finite, got \(batchNormEpsilon), "
                + "\(generatorSlope), \(discriminatorSlope)")
        }
        switch architecture {
        case .mlp:
            guard !dataShape.isEmpty, dataShape.allSatisfy({ $0 > 0 }) else {
                throw ModelError.invalidOption("the MLP needs a data shape, got \(dataShape)")
            }
        case .dcgan28:
            guard dataShape.count == 3, dataShape[1] == dataShape[2], dataShape[1] % 4 == 0 else {
                throw ModelError.invalidOption("the dcgan28 networks need square images whose side is a multiple of 4, got \(dataShape)")
            }
        case .dcgan:
            guard dataShape.count == 3, dataShape[1] == dataShape[2], [16, 32, 64, 128].contains(dataShape[1]) else {
                throw ModelError.invalidOption("the DCGAN networks need square images of side 16, 32, 64 or 128, got \(dataShape)")
            }
        }
    }

    /// The generator, conditioned on `classCount` classes when it is positive.
    public func makeGenerator(classCount: Int = 0, using rng: inout RandomGenerator) -> any GeneratorNetwork {
        let g: any GeneratorNetwork
        switch architecture {
        case .mlp: g = MLPGenerator(settings: self, classCount: classCount, using: &rng)
        case .dcgan28: g = DCGAN28Generator(settings: self, classCount: classCount, using: &rng)
        case .dcgan: g = DCGANGenerator(settings: self, classCount: classCount, using: &rng)
        }
        if dcganInitialization { Initializer.dcgan(g, using: &rng) }
        return g
    }

    /// The discriminator (critic), conditioned on `classCount` classes when it is positive.
    public func makeDiscriminator(classCount: Int = 0, using rng: inout RandomGenerator) -> any DiscriminatorNetwork {
        let d: any DiscriminatorNetwork
        switch architecture {
        case .mlp: d = MLPDiscriminator(settings: self, classCount: classCount, using: &rng)
        case .dcgan28: d = DCGAN28Discriminator(settings: self, classCount: classCount, using: &rng)
        case .dcgan: d = DCGANDiscriminator(settings: self, classCount: classCount, using: &rng)
        }
        if dcganInitialization { Initializer.dcgan(d, using: &rng) }
        return d
    }

    /// Checks the settings, then builds G and D (in that order from `rng`, conditioned on
    /// `classCount` classes when positive) and the model that trains them: every family's
    /// `makeModel` ends here.
    public func makeModel(
        classCount: Int = 0, generatorOptimizer: OptimizerSettings, discriminatorOptimizer: OptimizerSettings,
        emaDecay: Float?, objective: Objective, using rng: inout RandomGenerator
    ) throws -> AdversarialModel {
        try validate()
        try checkEMADecay(emaDecay)
        return AdversarialModel(generator: makeGenerator(classCount: classCount, using: &rng),
                                discriminator: makeDiscriminator(classCount: classCount, using: &rng),
                                generatorOptimizer: generatorOptimizer, discriminatorOptimizer: discriminatorOptimizer,
                                ema: EMASchedule(fixedDecay: emaDecay), objective: objective, classCount: classCount,
                                latentDimension: latentDimension, dataShape: dataShape)
    }

    /// A short description for `gan list` and logs.
    public var summary: String {
        switch architecture {
        case .mlp:
            return "MLP G \(latentDimension)→\(generatorHidden.map(String.init).joined(separator: "→"))→\(dataShape), "
                + "D →\(discriminatorHidden.map(String.init).joined(separator: "→"))→1"
        case .dcgan28: return "dcgan28 \(dataShape), z \(latentDimension)" + (discriminatorBatchNorm ? "" : ", no BatchNorm in D")
        case .dcgan: return "DCGAN \(dataShape), z \(latentDimension), width \(width)" + (discriminatorBatchNorm ? "" : ", no BatchNorm in D")
        }
    }
}

