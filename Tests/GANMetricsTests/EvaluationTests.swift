import Foundation
import GANData
import GANTensor
import Testing
@testable import GANMetrics

/// Whether Debian's `dataset-fashion-mnist` is installed (CI installs it).
private let fashionMNISTAvailable = FileManager.default.fileExists(
    atPath: DataSpec.debianFashionMNISTDirectory + "/t10k-images-idx3-ubyte.gz")

/// The first `count` Fashion-MNIST test images, read once.
private let fashionTest: Dataset? = fashionMNISTAvailable
    ? try? DataSpec(parsing: "fashion-mnist").load(DataLoadOptions(split: .test)) : nil

private func temporaryCache() -> ReferenceCache {
    ReferenceCache(directory: FileManager.default.temporaryDirectory
        .appendingPathComponent("gan-eval-cache-\(UUID().uuidString)", isDirectory: true))
}

/// `count` random grey 28×28 images (bytes), seeded.
private func randomImages(_ count: Int, seed: UInt64, name: String = "random") -> Dataset {
    var generator = RandomGenerator(seed: seed)
    let bytes = (0..<(count * 784)).map { _ in UInt8(truncatingIfNeeded: generator.next() >> 56) }
    return Dataset(name: name, values: .bytes(bytes), sampleShape: [1, 28, 28])
}

/// `images` with Gaussian noise of standard deviation `sigma` added, clamped to [-1, 1].
private func noisy(_ images: EvaluationImages, sigma: Float, seed: UInt64) -> EvaluationImages {
    EvaluationImages(name: "\(images.name) + noise \(sigma)", count: images.count, imageShape: images.imageShape) { range in
        var generator = RandomGenerator(seed: seed &+ UInt64(range.lowerBound))
        let clean = try images.images(range)
        return (clean + sigma * Tensor.randomNormal(clean.shape, using: &generator)).clamped(min: -1, max: 1)
    }
}

private func classifierEvaluator(_ metrics: [EvaluationMetric], cache: ReferenceCache? = nil) throws -> Evaluator {
    try Evaluator(options: EvaluationOptions(metrics: metrics, features: .classifier), cache: cache)
}

@Suite struct EvaluationTests {
    // MARK: Building blocks

    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hexDigest(of: [UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let twoBlocks = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hexDigest(of: twoBlocks) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // Pieces of any size give the hash of the whole.
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var hash = SHA256()
        var start = 0, piece = 1
        while start < million.count {
            let end = min(million.count, start + piece)
            hash.update(million[start..<end])
            start = end
            piece = piece * 3 % 1000 + 1
        }
        #expect(hash.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func metricListsParse() throws {
        #expect(try EvaluationMetric.list(parsing: "fid, KID,pr,fid") == [.fid, .kid, .precisionRecall])
        #expect(try EvaluationMetric.list(parsing: "is,acc") == [.inceptionScore, .accuracy])
        #expect(throws: MetricsError.self) { try EvaluationMetric.list(parsing: "fid,ssim") }
        #expect(throws: MetricsError.self) { try EvaluationMetric.list(parsing: " , ") }
        #expect(throws: MetricsError.self) { try FeatureNetworkKind(parsing: "vgg") }
        #expect(FeatureNetworkKind.defaultKind(forImageShape: [1, 28, 28]) == .classifier)
        #expect(FeatureNetworkKind.defaultKind(forImageShape: [3, 32, 32]) == .inception)
        let options = EvaluationOptions()
        #expect(options.effectiveKIDSubsetSize(realCount: 10_000, fakeCount: 10_000) == 1000)
        #expect(options.effectiveKIDSubsetSize(realCount: 500, fakeCount: 2000) == 250)
        #expect(options.effectiveSplits(count: 50_000) == 10)
        #expect(options.effectiveSplits(count: 500) == 5)
    }

    // MARK: Metrics on Fashion-MNIST

    @Test(.enabled(if: fashionMNISTAvailable, "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): skipped"))
    func fidOfTheTestSetAgainstItselfIsZeroAndNoiseRaisesIt() throws {
        let test = try #require(fashionTest)
        let real = try EvaluationImages(dataset: test, count: 2000)
        let evaluator = try classifierEvaluator([.fid, .kid, .precisionRecall, .inceptionScore])
        let same = try evaluator.evaluate(real, reference: real)
        let fid = try #require(same.fid)
        #expect(abs(fid) < 1e-6, "FID of a set against itself: \(fid)")
        // KID's real and fake subsets are drawn independently, so an image can sit in both; the
        // cross term then sees k(x, x), which pulls a set against itself slightly below 0.
        let selfKID = try #require(same.kid).mean
        #expect(same.precisionRecall?.precision == 1 && same.precisionRecall?.recall == 1)
        #expect(same.reference?.cache == .computedWithoutCache)

        let slightly = try evaluator.evaluate(noisy(real, sigma: 0.1, seed: 1), reference: real)
        let very = try evaluator.evaluate(noisy(real, sigma: 0.5, seed: 2), reference: real)
        let (a, b) = (try #require(slightly.fid), try #require(very.fid))
        print(String(format: "classifier FID: self %.2e, noise 0.1 %.3f, noise 0.5 %.3f; KID self %.4f, %.4f, %.4f; IS real %.3f",
                     fid, a, b, selfKID, slightly.kid!.mean, very.kid!.mean, same.inceptionScore!.mean))
        #expect(abs(selfKID) < slightly.kid!.mean / 3)
        #expect(a > 0.1)
        #expect(b > a)
        #expect(very.kid!.mean > slightly.kid!.mean)
        #expect(very.precisionRecall!.precision < 1)
        // Real images are confidently and evenly classified: a high score (10 is the most).
        #expect(same.inceptionScore!.mean > 6 && same.inceptionScore!.mean <= 10)
        #expect(same.inceptionScore!.splits == 10)
        #expect(same.values.map(\.key) == ["fid", "kid", "kid_std", "precision", "recall", "is", "is_std"])
        // The same reference a second time comes from the evaluator's memory.
        #expect(very.timings.reference < 0.5)
    }

    @Test(.enabled(if: fashionMNISTAvailable, "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): skipped"))
    func accuracyOnLabelledImagesIsTheClassifierAccuracy() throws {
        let test = try #require(fashionTest).subset(Array(0..<3000), name: "fashion-mnist test (first 3000)")
        let evaluator = try classifierEvaluator([.accuracy])
        let result = try evaluator.evaluate(try EvaluationImages(dataset: test))
        let expected = try FashionClassifier.pretrained().evaluate(on: test)
        let accuracy = try #require(result.accuracy)
        #expect(accuracy.correct == expected.correct)
        #expect(accuracy.count == 3000)
        #expect(accuracy.perClass.map(\.count) == expected.classCounts)
        #expect(accuracy.perClass.map(\.correct) == (0..<10).map { expected.confusion[$0][$0] })
        #expect(accuracy.accuracy > 0.9)
        #expect(result.reference == nil, "acc needs no reference")
        let json = result.jsonObject()
        let acc = try #require((json["metrics"] as? [String: Any])?["acc"] as? [String: Any])
        #expect((acc["per_class"] as? [[String: Any]])?.count == 10)
        #expect(JSONSerialization.isValidJSONObject(json))
    }

    // MARK: Reference cache

    @Test func referenceCacheHitsAndAChangedReferenceMisses() throws {
        let cache = temporaryCache()
        defer { try? FileManager.default.removeItem(at: cache.directory) }
        let reference = try EvaluationImages(dataset: randomImages(300, seed: 1, name: "reference"))
        let samples = try EvaluationImages(dataset: randomImages(300, seed: 2, name: "samples"))

        let first = try classifierEvaluator([.fid, .kid], cache: cache).evaluate(samples, reference: reference)
        #expect(first.reference?.cache == .computedAndStored)
        let file = try #require(first.reference?.cacheFile)
        #expect(FileManager.default.fileExists(atPath: file))

        // A new evaluator (as a new process) reads the entry; the metric values are the same.
        let second = try classifierEvaluator([.fid, .kid], cache: cache).evaluate(samples, reference: reference)
        #expect(second.reference?.cache == .cacheHit)
        #expect(second.reference?.cacheKey == first.reference?.cacheKey)
        // The cached features are the same Float32 values; the cached statistics keep about
        // 48 bits of each Double.
        #expect(abs(second.fid! - first.fid!) <= 1e-9 * first.fid!)
        #expect(second.kid == first.kid)

        // One changed pixel, a different count, or the same images under another name.
        var bytes = [UInt8](repeating: 0, count: 300 * 784)
        if case .bytes(let b) = randomImages(300, seed: 1).values { bytes = b }
        bytes[12_345] &+= 1
        let changed = try EvaluationImages(dataset: Dataset(name: "reference", values: .bytes(bytes), sampleShape: [1, 28, 28]))
        let third = try classifierEvaluator([.fid], cache: cache).evaluate(samples, reference: changed)
        #expect(third.reference?.cache == .computedAndStored)
        #expect(third.reference?.cacheKey != first.reference?.cacheKey)
        let fewer = try EvaluationImages(dataset: randomImages(300, seed: 1, name: "reference"), count: 299)
        #expect(try classifierEvaluator([.fid], cache: cache).evaluate(samples, reference: fewer).reference?.cache == .computedAndStored)
        let renamed = try EvaluationImages(dataset: randomImages(300, seed: 1, name: "same images, other name"))
        #expect(try classifierEvaluator([.fid], cache: cache).evaluate(samples, reference: renamed).reference?.cache == .cacheHit)

        // A damaged entry is a miss and is rewritten.
        try Data("not safetensors".utf8).write(to: URL(fileURLWithPath: file))
        let repaired = try classifierEvaluator([.fid], cache: cache).evaluate(samples, reference: reference)
        #expect(repaired.reference?.cache == .computedAndStored)
        #expect(repaired.fid == first.fid, "recomputed statistics are the first run's, bit for bit")
        // Without a cache nothing is written.
        let uncached = try classifierEvaluator([.fid], cache: nil).evaluate(samples, reference: reference)
        #expect(uncached.reference?.cache == .computedWithoutCache)
    }

    @Test func keyDependsOnEveryPart() {
        let base = ReferenceCache.key(imagesSHA256: "a", imageShape: [1, 28, 28], count: 10, networkIdentity: "n")
        #expect(base.count == 64)
        #expect(base != ReferenceCache.key(imagesSHA256: "b", imageShape: [1, 28, 28], count: 10, networkIdentity: "n"))
        #expect(base != ReferenceCache.key(imagesSHA256: "a", imageShape: [3, 28, 28], count: 10, networkIdentity: "n"))
        #expect(base != ReferenceCache.key(imagesSHA256: "a", imageShape: [1, 28, 28], count: 11, networkIdentity: "n"))
        #expect(base != ReferenceCache.key(imagesSHA256: "a", imageShape: [1, 28, 28], count: 10, networkIdentity: "m"))
        #expect(ReferenceCache.defaultDirectory(environment: ["HOME": "/home/u"]).path == "/home/u/.cache/swift-gan/reference")
        #expect(ReferenceCache.defaultDirectory(environment: ["HOME": "/home/u", "GAN_REFERENCE_CACHE": "/tmp/c"]).path == "/tmp/c")
    }

    @Test func progressCountsEveryImage() throws {
        let reference = try EvaluationImages(dataset: randomImages(120, seed: 3))
        let samples = try EvaluationImages(dataset: randomImages(70, seed: 4))
        let evaluator = try Evaluator(options: EvaluationOptions(metrics: [.fid], features: .classifier, batchSize: 50), cache: nil)
        var seen: [(Evaluator.Progress.Phase, Int, Int)] = []
        _ = try evaluator.evaluate(samples, reference: reference) { seen.append(($0.phase, $0.done, $0.total)) }
        #expect(seen.map(\.0) == [.reference, .reference, .reference, .reference, .samples, .samples, .samples])
        #expect(seen.map(\.1) == [0, 50, 100, 120, 0, 50, 70])
        #expect(seen.map(\.2) == [120, 120, 120, 120, 70, 70, 70])
    }

    // MARK: Errors

    @Test func badInputsThrowMetricsErrors() throws {
        let images = try EvaluationImages(dataset: randomImages(20, seed: 5))
        // acc without labels.
        let judge = try classifierEvaluator([.accuracy])
        #expect(throws: MetricsError.self) { _ = try judge.evaluate(images) }
        // Labels outside the classifier's classes.
        let labelled = Dataset(name: "labelled", values: randomImages(20, seed: 5).values, sampleShape: [1, 28, 28],
                               labels: Array(repeating: 12, count: 20))
        #expect(throws: MetricsError.self) { _ = try judge.evaluate(try EvaluationImages(dataset: labelled)) }
        // FID without a reference, or against images of another size.
        let fid = try classifierEvaluator([.fid])
        #expect(throws: MetricsError.self) { _ = try fid.evaluate(images) }
        let big = Dataset(name: "32×32", values: .bytes([UInt8](repeating: 9, count: 20 * 1024)), sampleShape: [1, 32, 32])
        #expect(throws: MetricsError.self) { _ = try fid.evaluate(try EvaluationImages(dataset: big), reference: images) }
        #expect(throws: MetricsError.self) { _ = try fid.evaluate(images, reference: try EvaluationImages(dataset: big)) }
        // Too few images for precision/recall's k = 3.
        let pr = try classifierEvaluator([.precisionRecall])
        let three = try EvaluationImages(dataset: randomImages(3, seed: 6))
        #expect(throws: MetricsError.self) { _ = try pr.evaluate(three, reference: images) }
        // Not images; float values far outside [-1, 1]; more images than there are.
        let points = Dataset(name: "points", values: .floats([Float](repeating: 0, count: 20)), sampleShape: [2])
        #expect(throws: MetricsError.self) { _ = try EvaluationImages(dataset: points) }
        let bright = Dataset(name: "0-255", values: .floats([Float](repeating: 200, count: 784)), sampleShape: [1, 28, 28])
        #expect(throws: MetricsError.self) { _ = try EvaluationImages(dataset: bright) }
        let broken = Dataset(name: "nan", values: .floats([Float](repeating: .nan, count: 784)), sampleShape: [1, 28, 28])
        #expect(throws: MetricsError.self) { _ = try EvaluationImages(dataset: broken) }
        #expect(throws: MetricsError.self) { _ = try EvaluationImages(dataset: randomImages(5, seed: 1), count: 6) }
        // A source that returns the wrong shape.
        let wrong = EvaluationImages(name: "wrong", count: 10, imageShape: [1, 28, 28]) { range in
            Tensor.zeros([range.count, 1, 27, 27])
        }
        #expect(throws: MetricsError.self) { _ = try fid.evaluate(wrong, reference: images) }
        // A generator that produced NaN.
        let nan = EvaluationImages(name: "nan", count: 10, imageShape: [1, 28, 28]) { range in
            Tensor(Array(repeating: Float.nan, count: range.count * 784), shape: [range.count, 1, 28, 28])
        }
        #expect(throws: MetricsError.self) { _ = try fid.evaluate(nan, reference: images) }
        // Options out of range.
        #expect(throws: MetricsError.self) {
            _ = try Evaluator(options: EvaluationOptions(metrics: [.kid], kidSubsetCount: 0), cache: nil)
        }
    }

    /// With these Inception weights (no 1008-way layer) the Inception Score is refused, saying
    /// what to use instead; checked with an unloaded network, so no weights are needed.
    @Test func inceptionScoreWithoutLogitsSaysToUseTheClassifier() throws {
        let inception = FeatureNetwork(inception: InceptionV3(includesLogits: false), weightsPath: "inception.safetensors",
                                       weightsSHA256: "0")
        do {
            _ = try Evaluator(options: EvaluationOptions(metrics: [.fid, .inceptionScore], features: .inception),
                              featureNetwork: inception, classifier: nil, cache: nil)
            Issue.record("the Inception Score without logits was accepted")
        } catch let error as MetricsError {
            #expect(error.subject == "is")
            #expect(error.reason.contains("no logits layer"))
            #expect(error.reason.contains("--features classifier"))
        }
        // Classifier features need 1×28×28 images.
        let evaluator = try Evaluator(options: EvaluationOptions(metrics: [.fid], features: .inception),
                                      featureNetwork: inception, classifier: nil, cache: nil)
        let colour = EvaluationImages(name: "colour", count: 4, imageShape: [3, 32, 32]) { Tensor.zeros([$0.count, 3, 32, 32]) }
        #expect(throws: Never.self) { try evaluator.check(colour, reference: colour) }
        let clf = try classifierEvaluator([.fid])
        #expect(throws: MetricsError.self) { try clf.check(colour, reference: colour) }
    }
}
