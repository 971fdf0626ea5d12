import Foundation

/// What an `Evaluator` measured, with what it needs to be reproduced: the settings, the
/// identities of the images and networks, and where the time went.
///
/// `jsonObject()` gives the layout `gan eval --out` writes:
///
/// ```json
/// {"metrics": {"fid": 1.93, "kid": {"mean": 0.0021, "std": 0.0004, "subsets": 100, "subset_size": 1000},
///              "pr": {"precision": 0.71, "recall": 0.66, "k": 3}, "is": {"mean": 7.9, "std": 0.2, "splits": 10},
///              "acc": {"accuracy": 0.83, "correct": 1660, "count": 2000, "per_class": [...]}},
///  "settings": {...}, "samples": {...}, "reference": {...}, "feature_network": {...}, "timings": {...}}
/// ```
public struct EvaluationResult {
    /// KID over random subsets.
    public struct KID: Sendable, Equatable {
        public var mean: Double
        public var standardDeviation: Double
        public var subsetCount: Int
        public var subsetSize: Int
    }

    /// Inception Score over splits.
    public struct Score: Sendable, Equatable {
        public var mean: Double
        public var standardDeviation: Double
        public var splits: Int
        /// `classifier` (Fashion-MNIST probabilities) or `inception` (1008-way logits).
        public var network: String
    }

    /// Precision and recall with neighbourhood size k.
    public struct PrecisionRecall: Sendable, Equatable {
        public var precision: Double
        public var recall: Double
        public var neighbourhoodSize: Int
    }

    /// A conditional generator's class accuracy under the classifier.
    public struct Accuracy: Sendable, Equatable {
        /// The images of one class.
        public struct ClassResult: Sendable, Equatable {
            public var label: Int
            public var name: String
            public var count: Int
            public var correct: Int
            public var accuracy: Double { count == 0 ? 0 : Double(correct) / Double(count) }
        }
        public var correct: Int
        public var count: Int
        public var perClass: [ClassResult]
        public var accuracy: Double { count == 0 ? 0 : Double(correct) / Double(count) }
    }

    /// The images evaluated or compared against.
    public struct ImagesInfo: Sendable, Equatable {
        public var name: String
        public var count: Int
        public var shape: [Int]
        /// The SHA-256 of their values, for data sets.
        public var sha256: String?
    }

    /// The reference set's features.
    public struct ReferenceInfo: Sendable, Equatable {
        public var images: ImagesInfo
        public var cacheKey: String
        public var cache: ReferenceFeatures.Source
        public var cacheFile: String?
    }

    /// A network's identity.
    public struct NetworkInfo: Sendable, Equatable {
        public var kind: String
        public var weights: String
        public var sha256: String
        public var dimension: Int
    }

    /// Seconds spent, by phase.
    public struct Timings: Sendable, Equatable {
        /// Loading the networks and hashing their weights (when this evaluator was made).
        public var loading = 0.0
        /// Reading or computing the reference features.
        public var reference = 0.0
        /// Inside the image source (generating or reading the evaluated images).
        public var generation = 0.0
        /// Running the networks on the evaluated images.
        public var features = 0.0
        /// Each metric's computation from the features.
        public var metrics: [EvaluationMetric: Double] = [:]
        /// The whole `evaluate` call.
        public var total = 0.0
    }

    public var fid: Double?
    public var kid: KID?
    public var inceptionScore: Score?
    public var precisionRecall: PrecisionRecall?
    public var accuracy: Accuracy?
    public var options: EvaluationOptions
    public var samples: ImagesInfo
    public var reference: ReferenceInfo?
    public var featureNetwork: NetworkInfo?
    /// The classifier that judged classes (acc) or gave the Inception Score's probabilities.
    public var classifier: NetworkInfo?
    public var timings = Timings()

    /// The values as flat keys, in the order of `options.metrics`: `fid`, `kid`, `kid_std`,
    /// `is`, `is_std`, `precision`, `recall`, `acc` (what training writes to metrics.jsonl).
    public var values: [(key: String, value: Double)] {
        var out: [(String, Double)] = []
        for metric in options.metrics {
            switch metric {
            case .fid: if let fid { out.append(("fid", fid)) }
            case .kid: if let kid { out += [("kid", kid.mean), ("kid_std", kid.standardDeviation)] }
            case .inceptionScore:
                if let s = inceptionScore { out += [("is", s.mean), ("is_std", s.standardDeviation)] }
            case .precisionRecall:
                if let pr = precisionRecall { out += [("precision", pr.precision), ("recall", pr.recall)] }
            case .accuracy: if let accuracy { out.append(("acc", accuracy.accuracy)) }
            }
        }
        return out
    }

    /// Rows for a table: name, value, note.
    public var tableRows: [(metric: String, value: String, note: String)] {
        let features = options.features.rawValue + " features"
        var rows: [(String, String, String)] = []
        for metric in options.metrics {
            switch metric {
            case .fid:
                if let fid { rows.append(("FID", String(format: "%.4f", fid), features)) }
            case .kid:
                if let kid {
                    rows.append(("KID", String(format: "%.6f ± %.6f", kid.mean, kid.standardDeviation),
                                 "\(features); \(kid.subsetCount) subsets of \(kid.subsetSize)"))
                }
            case .inceptionScore:
                if let s = inceptionScore {
                    rows.append(("IS", String(format: "%.4f ± %.4f", s.mean, s.standardDeviation),
                                 "\(s.network) class probabilities; \(s.splits) splits"))
                }
            case .precisionRecall:
                if let pr = precisionRecall {
                    rows.append(("precision", String(format: "%.4f", pr.precision), "\(features); k = \(pr.neighbourhoodSize)"))
                    rows.append(("recall", String(format: "%.4f", pr.recall), "\(features); k = \(pr.neighbourhoodSize)"))
                }
            case .accuracy:
                if let a = accuracy {
                    rows.append(("class accuracy", String(format: "%.2f%%", 100 * a.accuracy),
                                 "\(a.correct) of \(a.count), Fashion-MNIST classifier"))
                }
            }
        }
        return rows
    }

    /// The result as JSON-ready dictionaries and arrays (see the type's documentation).
    public func jsonObject() -> [String: Any] {
        var metrics: [String: Any] = [:]
        if let fid { metrics["fid"] = fid }
        if let kid {
            metrics["kid"] = ["mean": kid.mean, "std": kid.standardDeviation, "subsets": kid.subsetCount,
                              "subset_size": kid.subsetSize]
        }
        if let s = inceptionScore {
            metrics["is"] = ["mean": s.mean, "std": s.standardDeviation, "splits": s.splits, "network": s.network]
        }
        if let pr = precisionRecall {
            metrics["pr"] = ["precision": pr.precision, "recall": pr.recall, "k": pr.neighbourhoodSize]
        }
        if let a = accuracy {
            metrics["acc"] = [
                "accuracy": a.accuracy, "correct": a.correct, "count": a.count,
                "per_class": a.perClass.map { ["label": $0.label, "name": $0.name, "count": $0.count,
                                               "correct": $0.correct, "accuracy": $0.accuracy] as [String: Any] },
            ] as [String: Any]
        }
        func images(_ info: ImagesInfo) -> [String: Any] {
            var out: [String: Any] = ["name": info.name, "count": info.count, "shape": info.shape]
            if let sha = info.sha256 { out["sha256"] = sha }
            return out
        }
        func network(_ info: NetworkInfo) -> [String: Any] {
            ["kind": info.kind, "weights": info.weights, "sha256": info.sha256, "dimension": info.dimension]
        }
        var settings: [String: Any] = [
            "metrics": options.metrics.map(\.rawValue), "features": options.features.rawValue,
            "count": samples.count, "seed": options.seed, "batch_size": options.effectiveBatchSize,
        ]
        if let reference { settings["reference_count"] = reference.images.count }
        if options.features == .inception { settings["quantize"] = options.quantize }
        var timing: [String: Any] = [
            "loading_s": timings.loading, "reference_s": timings.reference, "generation_s": timings.generation,
            "features_s": timings.features, "total_s": timings.total,
        ]
        timing["metrics_s"] = Dictionary(uniqueKeysWithValues: timings.metrics.map { ($0.key.rawValue, $0.value) })
        var object: [String: Any] = ["metrics": metrics, "settings": settings, "samples": images(samples), "timings": timing]
        if let reference {
            var info = images(reference.images)
            info["cache_key"] = reference.cacheKey
            info["cache"] = reference.cache == .cacheHit ? "hit" : (reference.cache == .computedWithoutCache ? "disabled" : "miss")
            if case .computedNotStored(let reason) = reference.cache { info["cache_error"] = reason }
            if let file = reference.cacheFile { info["cache_file"] = file }
            object["reference"] = info
        }
        if let featureNetwork { object["feature_network"] = network(featureNetwork) }
        if let classifier { object["classifier"] = network(classifier) }
        return object
    }
}
