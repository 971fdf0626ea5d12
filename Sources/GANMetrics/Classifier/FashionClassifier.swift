import Foundation
import GANData
import GANLayers
import GANTensor

/// A small convolutional Fashion-MNIST classifier, trained with this package's own engine:
/// the judge for a conditional GAN's class accuracy, and a feature network (its 128-unit
/// penultimate layer) for precision/recall or a Fréchet distance in classifier feature space.
///
/// Inputs are images `[N, 1, 28, 28]` in [−1, 1], the range the generators produce and
/// `GANData` loads. The network (state_dict names as PyTorch would give them):
///
/// ```text
/// features.0  Conv2d(1 → 32, 3×3, pad 1, no bias)    [32, 1, 3, 3]    28×28
/// features.1  MaxPool 2×2, features.2 BatchNorm2d(32), features.3 ReLU   → 14×14
/// features.4  Conv2d(32 → 64, 3×3, pad 1, no bias)   [64, 32, 3, 3]   14×14
/// features.5  MaxPool 2×2, features.6 BatchNorm2d(64), features.7 ReLU   → 7×7
/// (flatten: 64·7·7 = 3136)
/// embedding.0 Linear(3136 → 128)                     [128, 3136]
/// embedding.1 BatchNorm1d(128), embedding.2 ReLU                    → the 128 features
/// classifier  Linear(128 → 10)                       [10, 128]      → logits
/// ```
///
/// Pooling comes before BatchNorm and ReLU (max pooling commutes with ReLU, and BatchNorm
/// makes a convolution's bias redundant): the element-wise work then runs on a quarter of
/// the values, which more than triples the training speed on this engine.
///
/// The committed weights (`fashion-mnist-classifier.safetensors`, built into the binary;
/// `gan classifier train` with its defaults made them) score 93.2% on the 10,000 test images:
///
/// ```swift
/// let judge = try FashionClassifier.pretrained()
/// let labels = try judge.predictedLabels(for: samples)        // samples [N, 1, 28, 28]
/// let features = try judge.features(of: samples)              // [N, 128]
/// ```
public final class FashionClassifier: Module, UnaryLayer {
    /// The shape of one input image.
    public static let imageShape = [1, 28, 28]
    /// The number of classes.
    public static let classCount = 10
    /// The width of the penultimate layer, the length of `features(of:)` rows.
    public static let featureCount = 128
    /// The class names, by label (Fashion-MNIST's).
    public static let classNames = DataSpec.fashionMNISTClassNames
    /// The name of the committed weights file (`Classifier/Weights/`, built into the binary).
    public static let bundledWeightsName = "fashion-mnist-classifier.safetensors"
    /// The value of the `model` metadata entry in the weights files this class writes.
    public static let modelTag = "swift-gan FashionClassifier v1"

    /// Two convolution stages, `features` in the state dict: `[N, 1, 28, 28]` → `[N, 64, 7, 7]`.
    public let convolutions: Sequential
    /// The hidden layer: `[N, 3136]` → `[N, 128]` (after BatchNorm and ReLU).
    public let embedding: Sequential
    /// The output layer: `[N, 128]` → `[N, 10]` logits.
    public let classifier: Linear

    /// A classifier with fresh weights drawn from `generator` (PyTorch's default
    /// initialisation).
    public init(using generator: inout RandomGenerator) {
        convolutions = Sequential {
            Conv2d(inputChannels: 1, outputChannels: 32, kernelSize: 3, padding: 1, bias: false, using: &generator)
            MaxPooling2x2()
            BatchNorm2d(features: 32)
            ReLU()
            Conv2d(inputChannels: 32, outputChannels: 64, kernelSize: 3, padding: 1, bias: false, using: &generator)
            MaxPooling2x2()
            BatchNorm2d(features: 64)
            ReLU()
        }
        embedding = Sequential {
            Linear(inputFeatures: 64 * 7 * 7, outputFeatures: FashionClassifier.featureCount, using: &generator)
            BatchNorm1d(features: FashionClassifier.featureCount)
            ReLU()
        }
        classifier = Linear(inputFeatures: FashionClassifier.featureCount,
                            outputFeatures: FashionClassifier.classCount, using: &generator)
    }

    /// A classifier with fresh weights drawn from a generator seeded with `seed`.
    public convenience init(seed: UInt64) {
        var generator = RandomGenerator(seed: seed)
        self.init(using: &generator)
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("features", convolutions)
        visitor.module("embedding", embedding)
        visitor.module("classifier", classifier)
    }

    override public func structuralCopy() -> Module {
        FashionClassifier(seed: 0)
    }

    // MARK: Forward

    /// The logits: `[N, 1, 28, 28]` → `[N, 10]`. Records a graph when gradients are on; the
    /// mode (`train()` / `eval()`) decides batch or running BatchNorm statistics.
    public func callAsFunction(_ images: Tensor) -> Tensor {
        classifier(penultimate(images))
    }

    /// The 128 penultimate activations (after BatchNorm and ReLU): `[N, 1, 28, 28]` → `[N, 128]`.
    public func penultimate(_ images: Tensor) -> Tensor {
        precondition(images.rank == 4 && Array(images.shape.dropFirst()) == FashionClassifier.imageShape,
                     "FashionClassifier: expected images [N, 1, 28, 28], got \(images.shape)")
        return embedding(convolutions(images).flattened(startAxis: 1))
    }

    // MARK: Inference

    /// Class probabilities (softmax of the logits), in evaluation mode without a graph, in
    /// chunks of `batchSize`: `[N, 1, 28, 28]` → `[N, 10]`.
    ///
    /// - Throws: `MetricsError` when `images` is not `[N, 1, 28, 28]`.
    public func probabilities(for images: Tensor, batchSize: Int = 500) throws -> Tensor {
        try inferring(images, batchSize: batchSize, width: FashionClassifier.classCount) {
            self.classifier(self.penultimate($0)).softmax(axis: 1)
        }
    }

    /// The most probable class of each image (the first one on ties): `[N, 1, 28, 28]` → N labels.
    ///
    /// - Throws: `MetricsError` when `images` is not `[N, 1, 28, 28]`.
    public func predictedLabels(for images: Tensor, batchSize: Int = 500) throws -> [Int] {
        let logits = try inferring(images, batchSize: batchSize, width: FashionClassifier.classCount) {
            self.classifier(self.penultimate($0))
        }
        return logits.shape[0] == 0 ? [] : logits.argmax(axis: 1)
    }

    /// The penultimate features, in evaluation mode without a graph: `[N, 1, 28, 28]` →
    /// `[N, 128]`, for precision/recall or a Fréchet distance in classifier feature space.
    ///
    /// - Throws: `MetricsError` when `images` is not `[N, 1, 28, 28]`.
    public func features(of images: Tensor, batchSize: Int = 500) throws -> Tensor {
        try inferring(images, batchSize: batchSize, width: FashionClassifier.featureCount) { self.penultimate($0) }
    }

    /// Checks that `images` are `[N, 1, 28, 28]`.
    public static func validate(images: Tensor, subject: String = "images") throws {
        guard images.rank == 4, Array(images.shape.dropFirst()) == imageShape else {
            throw MetricsError(subject, "the Fashion-MNIST classifier takes images [N, 1, 28, 28] in [-1, 1], got shape \(images.shape)")
        }
    }

    /// Runs `body` over chunks of `images` in evaluation mode without recording, and restores
    /// the previous mode; no images give `[0, width]`.
    private func inferring(_ images: Tensor, batchSize: Int, width: Int, _ body: (Tensor) -> Tensor) throws -> Tensor {
        try FashionClassifier.validate(images: images)
        precondition(batchSize > 0, "FashionClassifier: batch size \(batchSize) must be positive")
        if images.shape[0] == 0 { return Tensor.zeros([0, width]) }
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        return withoutGradients {
            let n = images.shape[0]
            if n <= batchSize { return body(images.detach()) }
            var parts: [Tensor] = []
            for start in stride(from: 0, to: n, by: batchSize) {
                parts.append(body(images.slice(axis: 0, start: start, end: Swift.min(start + batchSize, n))))
            }
            return Tensor.concatenate(parts, axis: 0)
        }
    }
}

/// Max pooling over non-overlapping 2×2 windows, as `nn.MaxPool2d(2)`:
/// `[N, C, H, W]` → `[N, C, H/2, W/2]`. No state_dict entries.
final class MaxPooling2x2: Module, UnaryLayer {
    override init() {}
    func callAsFunction(_ input: Tensor) -> Tensor { input.maxPool2d(kernelSize: (2, 2)) }
    override func structuralCopy() -> Module { MaxPooling2x2() }
}
