import Foundation
import GANLayers
import GANTensor

/// The compact DCGAN discriminator for 28×28 images — exactly `DC28Disc` of
/// `../shared/bench/torch_bench.py` (`dcgan28`; `wgangp28` without the BatchNorm):
///
/// ```text
/// net  Conv2d(C, 64, 4, 2, 1), LeakyReLU(0.2),          // 28 → 14   [64, C, 4, 4]
///      Conv2d(64, 128, 4, 2, 1), BatchNorm2d(128), LeakyReLU(0.2),   // 14 → 7
///      Flatten, Linear(128·7·7, 1)                      // logits, no sigmoid
/// ```
/// Shapes: `[N, C, S, S]` (+ K label planes for CGAN) → `[N, 1]`.
public final class DCGAN28Discriminator: Module, DiscriminatorNetwork {
    public let settings: NetworkSettings
    public let classCount: Int
    /// The layers.
    public let net: Sequential

    public init(settings: NetworkSettings, classCount: Int = 0, using rng: inout RandomGenerator) {
        self.settings = settings
        self.classCount = classCount
        let w = settings.width, s = settings.dataShape[1] / 4, slope = settings.discriminatorSlope
        net = Sequential {
            Conv2d(inputChannels: settings.dataShape[0] + classCount, outputChannels: w, kernelSize: 4, stride: 2,
                   padding: 1, bias: settings.convolutionBias, using: &rng)
            LeakyReLU(slope)
            Conv2d(inputChannels: w, outputChannels: 2 * w, kernelSize: 4, stride: 2, padding: 1,
                   bias: settings.convolutionBias, using: &rng)
            if settings.discriminatorBatchNorm { BatchNorm2d(features: 2 * w) }
            LeakyReLU(slope)
            Flatten()
            Linear(inputFeatures: 2 * w * s * s, outputFeatures: 1, using: &rng)
        }
    }

    public override func visitChildren(_ v: ModuleVisitor) { v.module("net", net) }

    public override func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return DCGAN28Discriminator(settings: settings, classCount: classCount, using: &rng)
    }

    public func score(_ x: Tensor, labels: [Int]?) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == settings.dataShape,
                     "DCGAN28Discriminator: expected [N] + \(settings.dataShape), got \(x.shape)")
        return net(appendingLabelPlanes(x, labels: labels, classCount: classCount, network: "DCGAN28Discriminator"))
    }
}

/// The DCGAN discriminator of Radford et al. as `pytorch/examples/dcgan` builds it: strided
/// Conv2d (no bias) + BatchNorm2d (not after the first) + LeakyReLU(0.2) from S×S down to 4×4,
/// then Conv2d(8w, 1, 4, 1, 0) to one logit (the final Sigmoid dropped: the losses take logits).
/// Shapes: `[N, C, S, S]` (+ K label planes) → `[N, 1]`.
public final class DCGANDiscriminator: Module, DiscriminatorNetwork {
    public let settings: NetworkSettings
    public let classCount: Int
    /// The layers (`main.0.weight`, `main.3.running_mean`, …).
    public let main: Sequential

    public init(settings: NetworkSettings, classCount: Int = 0, using rng: inout RandomGenerator) {
        self.settings = settings
        self.classCount = classCount
        let bias = settings.convolutionBias, slope = settings.discriminatorSlope
        let downs = Int(log2(Double(settings.dataShape[1]))) - 2   // stride-2 layers to reach 4×4
        var channels = settings.width
        var layers: [any UnaryLayer] = [
            Conv2d(inputChannels: settings.dataShape[0] + classCount, outputChannels: channels, kernelSize: 4,
                   stride: 2, padding: 1, bias: bias, using: &rng),
            LeakyReLU(slope),
        ]
        for _ in 1..<downs {
            layers.append(Conv2d(inputChannels: channels, outputChannels: 2 * channels, kernelSize: 4, stride: 2,
                                 padding: 1, bias: bias, using: &rng))
            channels *= 2
            if settings.discriminatorBatchNorm { layers.append(BatchNorm2d(features: channels)) }
            layers.append(LeakyReLU(slope))
        }
        layers.append(Conv2d(inputChannels: channels, outputChannels: 1, kernelSize: 4, stride: 1, padding: 0,
                             bias: bias, using: &rng))
        main = Sequential(layers: layers)
    }

    public override func visitChildren(_ v: ModuleVisitor) { v.module("main", main) }

    public override func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return DCGANDiscriminator(settings: settings, classCount: classCount, using: &rng)
    }

    public func score(_ x: Tensor, labels: [Int]?) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == settings.dataShape,
                     "DCGANDiscriminator: expected [N] + \(settings.dataShape), got \(x.shape)")
        let input = appendingLabelPlanes(x, labels: labels, classCount: classCount, network: "DCGANDiscriminator")
        return main(input).reshaped([x.shape[0], 1])
    }
}
