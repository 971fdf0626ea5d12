import Foundation
import GANTensor

/// A feature network ready for the `Evaluator`: Inception-v3 or the Fashion-MNIST classifier,
/// with the identity of its weights (the file's SHA-256), which keys the reference cache.
public final class FeatureNetwork {
    /// Which network.
    public let kind: FeatureNetworkKind
    /// The weights file it was loaded from.
    public let weightsPath: String
    /// The SHA-256 of that file.
    public let weightsSHA256: String
    /// D, features per image (2048 or 128).
    public let dimension: Int
    let inception: InceptionV3?
    let classifier: FashionClassifier?

    /// The network `kind` with its usual weights: Inception from `inceptionWeights` (else
    /// `$GAN_INCEPTION_WEIGHTS`, else `~/.cache/swift-gan/`), the classifier from the weights
    /// built into the binary.
    ///
    /// - Throws: `MetricsError` when the weights are missing (with the command that makes
    ///   Inception's) or do not fit.
    public static func load(_ kind: FeatureNetworkKind, inceptionWeights: String? = nil) throws -> FeatureNetwork {
        switch kind {
        case .inception:
            let path = InceptionV3.weightsPath(explicit: inceptionWeights)
            let network = try InceptionV3.load(path: path)
            return FeatureNetwork(inception: network, weightsPath: path, weightsSHA256: try cachedFileHash(path))
        case .classifier:
            let classifier = try FashionClassifier.pretrained()
            // The same hash as the committed file's, so reference caches made before the
            // weights were built in still match.
            return FeatureNetwork(classifier: classifier, weightsPath: FashionClassifier.builtInWeightsDescription,
                                  weightsSHA256: builtInClassifierHash)
        }
    }

    /// Inception-v3 with its weights' identity.
    public init(inception: InceptionV3, weightsPath: String, weightsSHA256: String) {
        kind = .inception
        self.inception = inception
        classifier = nil
        self.weightsPath = weightsPath
        self.weightsSHA256 = weightsSHA256
        dimension = InceptionV3.featureCount
    }

    /// The Fashion-MNIST classifier with its weights' identity.
    public init(classifier: FashionClassifier, weightsPath: String, weightsSHA256: String) {
        kind = .classifier
        inception = nil
        self.classifier = classifier
        self.weightsPath = weightsPath
        self.weightsSHA256 = weightsSHA256
        dimension = FashionClassifier.featureCount
        classifier.eval()
    }

    /// What the features depend on besides the images: the network, its weights and its
    /// preprocessing (`inception sha256:… quantize`).
    public func identity(quantize: Bool) -> String {
        switch kind {
        case .inception: return "inception-v3 sha256:\(weightsSHA256) preprocess:fid-helper-tf-bilinear quantize:\(quantize)"
        case .classifier: return "fashion-classifier sha256:\(weightsSHA256)"
        }
    }

    /// Whether Inception's weights hold the 1008-way output layer (the Inception Score's logits).
    public var hasLogits: Bool { inception?.includesLogits ?? false }

    /// Checks that the network takes images of `shape` (`[C, H, W]`).
    ///
    /// - Throws: `MetricsError` naming `subject` when it does not.
    func validate(imageShape shape: [Int], subject: String) throws {
        switch kind {
        case .inception:
            guard shape.count == 3, shape[0] == 1 || shape[0] == 3 else {
                throw MetricsError(subject, "Inception-v3 takes grey or colour images [C, H, W], found \(shape)")
            }
        case .classifier:
            guard shape == FashionClassifier.imageShape else {
                throw MetricsError(subject, "the Fashion-MNIST classifier's features need 1×28×28 images, found "
                    + "\(shape.map(String.init).joined(separator: "×")); use --features inception")
            }
        }
    }

    /// What one batch gives: features `[n, D]`, and the class outputs the network has
    /// (the classifier's probabilities `[n, 10]`, Inception's logits `[n, 1008]`).
    struct BatchOutput {
        var features: Tensor
        var probabilities: Tensor?
        var logits: Tensor?
    }

    /// Runs the network on images `[n, C, H, W]` in [-1, 1], without gradients.
    func callAsFunction(_ images: Tensor, batchSize: Int, quantize: Bool) throws -> BatchOutput {
        if let inception {
            let output = try inception.features(of: images, batchSize: batchSize, quantize: quantize)
            return BatchOutput(features: output.features, probabilities: nil, logits: output.logits)
        }
        let classifier = classifier!
        return try FeatureNetwork.classify(images, with: classifier)
    }

    /// The classifier's penultimate features and class probabilities in one pass.
    static func classify(_ images: Tensor, with classifier: FashionClassifier) throws -> BatchOutput {
        try FashionClassifier.validate(images: images)
        return withoutGradients {
            let features = classifier.penultimate(images)
            let probabilities = classifier.classifier(features).softmax(axis: 1)
            return BatchOutput(features: features, probabilities: probabilities, logits: nil)
        }
    }

    // MARK: Weights identity

    /// The SHA-256 of the built-in classifier weights, computed once.
    static let builtInClassifierHash: String = SHA256.hexDigest(of: FashionClassifier.builtInWeights ?? Data())

    private static let hashLock = NSLock()
    nonisolated(unsafe) private static var fileHashes: [String: (size: Int, modified: Date, hash: String)] = [:]

    /// A file's SHA-256, computed once per process for a given size and modification date
    /// (Inception's 87 MB take about a second).
    static func cachedFileHash(_ path: String) throws -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
        let modified = attributes?[.modificationDate] as? Date ?? .distantPast
        hashLock.lock()
        let known = fileHashes[path]
        hashLock.unlock()
        if let known, known.size == size, known.modified == modified { return known.hash }
        let hash = try SHA256.hexDigest(ofFile: path)
        hashLock.lock()
        fileHashes[path] = (size, modified, hash)
        hashLock.unlock()
        return hash
    }
}
