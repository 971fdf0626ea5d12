import Foundation
import GANLayers
import GANTensor

/// The compact DCGAN generator for 28×28 images — exactly `DC28Gen` of
/// `../shared/bench/torch_bench.py` (`dcgan28`), so its speed compares 1:1 with PyTorch's:
///
/// ```text
/// fc   Linear(nz, 128·7·7)          // [6272, nz]   → view [N, 128, 7, 7]
/// net  BatchNorm2d(128), ReLU,
///      ConvTranspose2d(128, 64, 4, 2, 1), BatchNorm2d(64), ReLU,     // 7 → 14
///      ConvTranspose2d(64, C, 4, 2, 1), Tanh                         // 14 → 28
/// ```
///
/// Sides other than 28 (a multiple of 4) start from (S/4)². Shapes: `[N, nz (+K)]` → `[N, C, S, S]`.
public final class DCGAN28Generator: Module, GeneratorNetwork {
    public let settings: NetworkSettings
    public let classCount: Int
    /// `Linear(nz + K, 2w·(S/4)²)`.
    public let fc: Linear
    /// BatchNorm, ReLU and the two transposed convolutions.
    public let net: Sequential

    public init(settings: NetworkSettings, classCount: Int = 0, using rng: inout RandomGenerator) {
        self.settings = settings
        self.classCount = classCount
        let w = settings.width, s = settings.dataShape[1] / 4
        fc = Linear(inputFeatures: settings.latentDimension + classCount, outputFeatures: 2 * w * s * s, using: &rng)
        net = Sequential {
            if settings.generatorBatchNorm { BatchNorm2d(features: 2 * w) }
            ReLU()
            ConvTranspose2d(inputChannels: 2 * w, outputChannels: w, kernelSize: 4, stride: 2, padding: 1,
                            bias: settings.convolutionBias, using: &rng)     // [2w, w, 4, 4]
            if settings.generatorBatchNorm { BatchNorm2d(features: w) }
            ReLU()
            ConvTranspose2d(inputChannels: w, outputChannels: settings.dataShape[0], kernelSize: 4, stride: 2,
                            padding: 1, bias: settings.convolutionBias, using: &rng)   // [w, C, 4, 4]
            Tanh()
        }
    }

    public override func visitChildren(_ v: ModuleVisitor) {
        v.module("fc", fc)
        v.module("net", net)
    }

    public override func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return DCGAN28Generator(settings: settings, classCount: classCount, using: &rng)
    }

    public func generate(_ z: Tensor, labels: [Int]?) -> Tensor {
        precondition(z.rank == 2 && z.shape[1] == settings.latentDimension,
                     "DCGAN28Generator: expected z [N, \(settings.latentDimension)], got \(z.shape)")
        let s = settings.dataShape[1] / 4
        let input = appendingOneHot(z, labels: labels, classCount: classCount, network: "DCGAN28Generator")
        return net(fc(input).reshaped([z.shape[0], 2 * settings.width, s, s]))
    }
}

/// The DCGAN generator of Radford et al. as `pytorch/examples/dcgan` builds it (`dcgan64`):
/// a stack of ConvTranspose2d (no bias) + BatchNorm2d + ReLU from `z` as a 1×1 image to S×S,
/// channels halving from `w·S/8`, then tanh.
///
/// ```text
/// main.0  ConvTranspose2d(nz, 8w, 4, 1, 0)   1 → 4     (S = 64: 8w; S = 32: 4w)
/// main.3  ConvTranspose2d(8w, 4w, 4, 2, 1)   4 → 8   … main.last-1: ConvTranspose2d(w, C, 4, 2, 1), Tanh
/// ```
/// Shapes: `[N, nz (+K)]` → `[N, C, S, S]`.
public final class DCGANGenerator: Module, GeneratorNetwork {
    public let settings: NetworkSettings
    public let classCount: Int
    /// The layers, named as in `pytorch/examples` (`main.0.weight`, `main.1.running_mean`, …).
    public let main: Sequential

    public init(settings: NetworkSettings, classCount: Int = 0, using rng: inout RandomGenerator) {
        self.settings = settings
        self.classCount = classCount
        let w = settings.width, bias = settings.convolutionBias
        let ups = Int(log2(Double(settings.dataShape[1]))) - 2   // stride-2 doublings from 4×4 to S×S
        var channels = w << (ups - 1)
        var layers: [any UnaryLayer] = [
            ConvTranspose2d(inputChannels: settings.latentDimension + classCount, outputChannels: channels,
                            kernelSize: 4, stride: 1, padding: 0, bias: bias, using: &rng),
        ]
        if settings.generatorBatchNorm { layers.append(BatchNorm2d(features: channels)) }
        layers.append(ReLU())
        for _ in 0..<(ups - 1) {
            layers.append(ConvTranspose2d(inputChannels: channels, outputChannels: channels / 2, kernelSize: 4,
                                          stride: 2, padding: 1, bias: bias, using: &rng))
            channels /= 2
            if settings.generatorBatchNorm { layers.append(BatchNorm2d(features: channels)) }
            layers.append(ReLU())
        }
        layers.append(ConvTranspose2d(inputChannels: channels, outputChannels: settings.dataShape[0], kernelSize: 4,
                                      stride: 2, padding: 1, bias: bias, using: &rng))
        layers.append(Tanh())
        main = Sequential(layers: layers)
    }

    public override func visitChildren(_ v: ModuleVisitor) { v.module("main", main) }

    public override func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return DCGANGenerator(settings: settings, classCount: classCount, using: &rng)
    }

    public func generate(_ z: Tensor, labels: [Int]?) -> Tensor {
        precondition(z.rank == 2 && z.shape[1] == settings.latentDimension,
                     "DCGANGenerator: expected z [N, \(settings.latentDimension)], got \(z.shape)")
        let input = appendingOneHot(z, labels: labels, classCount: classCount, network: "DCGANGenerator")
        return main(input.reshaped([z.shape[0], -1, 1, 1]))
    }
}
