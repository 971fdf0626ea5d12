import ArgumentParser
import Foundation
import GANData
import GANMetrics
import GANModels
import GANTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `gan eval`: FID, KID, precision/recall, Inception Score and class accuracy of a run's
/// generator or of saved samples, against reference images.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure FID, KID, precision/recall, Inception Score or class accuracy of a run or of saved samples.",
        discussion: """
        Metrics (--metrics, comma-separated):
          fid  Fréchet distance between the feature Gaussians of samples and
               reference
          kid  kernel (MMD²) distance: mean ± std over 100 seeded random
               subsets of min(1000, N/2) images
          pr   precision and recall (k = 3 nearest-neighbour manifolds)
          is   Inception Score from the Fashion-MNIST classifier's class
               probabilities (--features classifier; the converted Inception
               weights have no logits layer)
          acc  class accuracy of a conditional run (cgan): N/10 images per
               class, judged by the Fashion-MNIST classifier

        Features (--features):
          classifier  the Fashion-MNIST classifier's 128 penultimate features:
                      1×28×28 images only, seconds for 10,000 images; values
                      compare only with other classifier-feature values
          inception   Inception-v3's 2048 pool features, the published FID;
                      about 0.1 s per image on two cores
        Default: classifier for 1×28×28 images, inception otherwise.

        Reference (--reference): a data spec, optionally followed by :train or
        :test. Default: the run's data, test split when it has one
        (fashion-mnist:test for --samples), at the samples' size. The first
        --reference-count images are used (default: as many as there are
        samples, at most all). Reference features are cached in
        ~/.cache/swift-gan/reference ($GAN_REFERENCE_CACHE), keyed by the
        images' bytes, their count and the feature network's weights; the
        output says whether the cache was hit.

        Examples:
          gan eval --run runs/dcgan-dcgan28 --metrics fid,kid,pr
          gan eval --run runs/cgan --metrics acc,fid --count 2000 \\
              --out cgan-eval.json
          gan eval --samples samples.npy --metrics fid,kid,pr,is
          gan eval --samples folder:generated --features inception \\
              --reference fashion-mnist:test --count 500
          gan eval --samples npy:x.npy,labels.npy --metrics acc
          gan eval --run runs/dcgan-dcgan28 \\
              --checkpoint runs/dcgan-dcgan28/checkpoints/step-00000500.safetensors
        """
    )

    @Option(name: .customLong("run"), help: "A run folder (made by `gan train`): its generator is sampled.", transform: FileIO.expandingTilde)
    var runPath: String?

    @Option(help: "With --run: a checkpoint file to use instead of the newest.", transform: FileIO.expandingTilde)
    var checkpoint: String?

    @Option(help: ArgumentHelp("Saved samples: FILE.npy ([N, C, H, W] or [N, H, W] in [-1, 1], or uint8), folder:DIR, or any data spec.",
                               valueName: "samples"))
    var samples: String?

    @Option(help: "Comma-separated metrics: fid, kid, pr, is, acc.")
    var metrics: String = "fid"

    @Option(help: ArgumentHelp("The real images: a data spec with an optional :train or :test split.", valueName: "spec"))
    var reference: String?

    @Option(help: "Reference images to use (default: as many as samples, at most the reference set's size).")
    var referenceCount: Int?

    @Option(help: "Images to evaluate (default: 10000 generated for --run; all of --samples).")
    var count: Int?

    @Option(help: "Feature network: inception or classifier (default: classifier for 1×28×28 images, else inception).")
    var features: String?

    @Option(help: "Seeds the generated latents and KID's subsets.")
    var seed: UInt64 = 0

    @Option(help: "Images per forward pass (default 16 for inception, 500 for the classifier).")
    var batchSize: Int?

    @Option(help: "The Inception weights (default: $GAN_INCEPTION_WEIGHTS, else ~/.cache/swift-gan/inception-2015-12-05.safetensors).", transform: FileIO.expandingTilde)
    var inceptionWeights: String?

    @Option(help: "Write the results as JSON here.", transform: FileIO.expandingTilde)
    var out: String?

    @Flag(help: "Neither read nor write the reference cache.")
    var noCache = false

    @Flag(help: "With --run: sample the trained generator instead of its exponential moving average.")
    var noEma = false

    func validate() throws {
        guard (runPath == nil) != (samples == nil) else {
            throw ValidationError("give either --run DIR or --samples FILE.npy|folder:DIR (exactly one)")
        }
        if checkpoint != nil && runPath == nil { throw ValidationError("--checkpoint needs --run") }
        if noEma && runPath == nil { throw ValidationError("--no-ema needs --run") }
        if let count, count <= 0 { throw ValidationError("--count must be positive, got \(count)") }
        if let referenceCount, referenceCount <= 1 { throw ValidationError("--reference-count must be at least 2, got \(referenceCount)") }
        if let batchSize, batchSize <= 0 { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
    }

    func run() throws {
        let started = Date()
        let metricList = try EvaluationMetric.list(parsing: metrics)
        let progress = StderrProgress()

        // The images to evaluate.
        let images: EvaluationImages
        var source: [String: Any]
        var defaultReference: (DataSpec, DataSplit)?
        if let runPath {
            let trained = try TrainedRun(path: runPath, checkpoint: checkpoint)
            let model = try trained.latentModel(for: "eval")
            guard model.dataShape.count == 3 else {
                throw ModelError.run("\(trained.folder.url.path): the run generates points of shape \(model.dataShape), "
                    + "not images; `gan sample --run` reports mode coverage for toy data")
            }
            if metricList.contains(.accuracy) {
                guard model.classCount > 0 else {
                    throw MetricsError("acc", "class accuracy needs a conditional run (cgan) that generates chosen classes; "
                        + "\(trained.folder.url.path) is \(trained.run.family), which is unconditional")
                }
                guard case .fashionMNIST = trained.run.data.source, trained.run.data.classes == nil,
                      model.classCount == FashionClassifier.classCount else {
                    throw MetricsError("acc", "the classifier judges the 10 Fashion-MNIST classes; \(trained.folder.url.path) "
                        + "trains on \(trained.run.data) with \(model.classCount) classes")
                }
            }
            if noEma && !model.keepsAverage {
                throw ModelError.run("--no-ema: \(trained.folder.url.path) keeps no moving average of G (its samples already come from the trained generator)")
            }
            let n = count ?? 10_000
            let z = model.latents(count: n, seed: seed)
            images = EvaluationImages.generated(
                name: "\(trained.run.family) \(trained.folder.url.path) step \(trained.step)", count: n,
                imageShape: model.dataShape, classCount: model.classCount
            ) { range, labels in
                model.generate(z.slice(axis: 0, start: range.lowerBound, end: range.upperBound),
                               options: GenerationOptions(labels: labels, useAverage: !noEma))
            }
            source = ["kind": "run", "run": trained.folder.url.path, "checkpoint": trained.checkpoint.path,
                      "step": trained.step, "family": trained.run.family, "latent_seed": seed,
                      "generator": model.keepsAverage && !noEma ? "moving average" : "trained",
                      "class_count": model.classCount]
            defaultReference = (trained.run.data, EvaluationSetup.hasTestSplit(trained.run.data) ? .test : .train)
        } else {
            let (spec, split) = try EvaluationSetup.parse(samplesSpec: samples!)
            let dataset = try EvaluationSetup.load(spec, split: split ?? .train, shape: nil)
            if let count, count > dataset.count {
                throw MetricsError(dataset.name, "--count \(count) asks for more images than the \(dataset.count) it holds")
            }
            images = try EvaluationImages(dataset: dataset, count: count)
            source = ["kind": "samples", "spec": samples!, "count_in_file": dataset.count]
            defaultReference = (try DataSpec(parsing: "fashion-mnist"), .test)
        }

        let kind = try features.map { try FeatureNetworkKind(parsing: $0) }
            ?? FeatureNetworkKind.defaultKind(forImageShape: images.imageShape)
        let options = EvaluationOptions(metrics: metricList, features: kind, seed: seed, batchSize: batchSize)

        // The reference images, when a metric compares against them.
        var referenceImages: EvaluationImages?
        if options.needsFeatures {
            let (spec, split): (DataSpec, DataSplit)
            if let reference {
                let parsed = try EvaluationSetup.parse(referenceSpec: reference)
                (spec, split) = (parsed.0, parsed.1 ?? (EvaluationSetup.hasTestSplit(parsed.0) ? .test : .train))
            } else {
                (spec, split) = defaultReference!
            }
            referenceImages = try EvaluationSetup.reference(spec, split: split, shape: images.imageShape,
                                                            count: referenceCount, defaultCount: images.count)
        }

        let evaluator = try Evaluator(options: options, inceptionWeights: inceptionWeights,
                                      cache: noCache ? nil : ReferenceCache())
        try evaluator.check(images, reference: referenceImages)
        printHeader(images, referenceImages, evaluator)
        let result = try evaluator.evaluate(images, reference: referenceImages) { progress.update($0) }
        progress.finish()
        printResult(result)

        var json = result.jsonObject()
        json["source"] = source
        json["version"] = GANTensorVersion.string
        json["command"] = (["gan"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        json["date"] = ISO8601DateFormatter().string(from: Date())
        var timings = json["timings"] as? [String: Any] ?? [:]
        timings["command_s"] = Date().timeIntervalSince(started)
        json["timings"] = timings
        if let out {
            try EvaluationSetup.writeJSON(json, to: out)
            print("wrote \(out)")
        }
    }

    private func printHeader(_ images: EvaluationImages, _ reference: EvaluationImages?, _ evaluator: Evaluator) {
        let shape = images.imageShape.map(String.init).joined(separator: "×")
        print("samples:   \(images.name): \(images.count) images \(shape)"
              + (images.labels != nil && runPath != nil ? ", classes in turn" : ""))
        if let reference { print("reference: \(reference.name): \(reference.count) images") }
        if let network = evaluator.featureNetwork {
            print("features:  \(network.kind.rawValue) (\(network.dimension)-d, weights \(network.weightsPath), "
                  + "sha256 \(network.weightsSHA256.prefix(12))…)")
        }
    }

    private func printResult(_ result: EvaluationResult) {
        if let reference = result.reference {
            print("reference features: cache \(reference.cache.description)"
                  + (reference.cacheFile.map { " (\($0))" } ?? "")
                  + String(format: ", %.1f s", result.timings.reference))
        }
        print("")
        let rows = result.tableRows
        let width = Swift.max(8, rows.map(\.metric.count).max() ?? 0)
        let valueWidth = Swift.max(10, rows.map(\.value.count).max() ?? 0)
        print("metric".padding(toLength: width + 2, withPad: " ", startingAt: 0)
              + "value".padding(toLength: valueWidth + 2, withPad: " ", startingAt: 0) + "note")
        for row in rows {
            print(row.metric.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                  + row.value.padding(toLength: valueWidth + 2, withPad: " ", startingAt: 0) + row.note)
        }
        if let accuracy = result.accuracy {
            print("")
            print("per class:")
            for c in accuracy.perClass {
                print("  \(c.label) \(c.name.padding(toLength: 12, withPad: " ", startingAt: 0)) "
                      + String(format: "%6.2f%%  (%d of %d)", 100 * c.accuracy, c.correct, c.count))
            }
        }
        let t = result.timings
        let metricTime = t.metrics.values.reduce(0, +)
        print("")
        print(String(format: "time: loading %.1f s, reference %.1f s, generation %.1f s, features %.1f s, metrics %.1f s (%@), total %.1f s",
                     t.loading, t.reference, t.generation, t.features, metricTime,
                     result.options.metrics.compactMap { m in t.metrics[m].map { String(format: "%@ %.1f", m.rawValue, $0) } }
                         .joined(separator: ", "),
                     t.total))
    }
}

/// Data specs, splits and reference images for `gan eval` and `gan train --eval-every`.
enum EvaluationSetup {
    /// Whether the source has separate training and test images.
    static func hasTestSplit(_ spec: DataSpec) -> Bool {
        switch spec.source {
        case .fashionMNIST, .mnist, .kmnist, .cifar10, .cifar100: return true
        default: return false
        }
    }

    /// A data spec with an optional `:train` or `:test` at the end of its source part
    /// (`fashion-mnist:test`, `fashion-mnist:DIR:test@sneaker`).
    static func parse(referenceSpec text: String) throws -> (DataSpec, DataSplit?) {
        var body = text, classes = ""
        if let at = text.lastIndex(of: "@"), !text[text.index(after: at)...].contains("/") {
            body = String(text[..<at])
            classes = String(text[at...])
        }
        for split in DataSplit.allCases where body.hasSuffix(":" + split.rawValue) {
            let stripped = String(body.dropLast(split.rawValue.count + 1))
            let spec = try DataSpec(parsing: stripped + classes)
            guard hasTestSplit(spec) else {
                throw DataError(.invalidArgument, path: text, "'\(stripped)' has no train and test splits; drop ':\(split.rawValue)'")
            }
            return (spec, split)
        }
        return (try DataSpec(parsing: text), nil)
    }

    /// `--samples`: a path ending in `.npy`, or a data spec as `parse(referenceSpec:)` takes it.
    static func parse(samplesSpec text: String) throws -> (DataSpec, DataSplit?) {
        if text.lowercased().hasSuffix(".npy") && !text.hasPrefix("npy:") {
            return (DataSpec(source: .npy(file: text, labels: nil)), nil)
        }
        return try parse(referenceSpec: text)
    }

    /// Reads a data set (installing Debian's Fashion-MNIST when it is the default and missing),
    /// resized to `shape` (`[C, H, W]`) when given and different.
    static func load(_ spec: DataSpec, split: DataSplit, shape: [Int]?) throws -> Dataset {
        if case .fashionMNIST(nil) = spec.source,
           !FileManager.default.fileExists(atPath: DataSpec.debianFashionMNISTDirectory + "/t10k-images-idx3-ubyte.gz"),
           !FileManager.default.fileExists(atPath: DataSpec.debianFashionMNISTDirectory + "/t10k-images-idx3-ubyte") {
            try installFashionMNIST()
        }
        if case .toy = spec.source {
            throw DataError(.invalidArgument, path: spec.description, "evaluation compares images; toy mixtures are points")
        }
        var dataset = try spec.load(DataLoadOptions(split: split))
        if let shape, dataset.isImage, dataset.sampleShape != shape, shape.count == 3, shape[1] == shape[2] {
            dataset = dataset.resized(to: shape[1], channels: shape[0])
        }
        return dataset
    }

    /// The first `count` images (default: `min(defaultCount, size)`) of a reference set at `shape`.
    static func reference(_ spec: DataSpec, split: DataSplit, shape: [Int], count: Int?, defaultCount: Int) throws -> EvaluationImages {
        let dataset = try load(spec, split: split, shape: shape)
        if let count, count > dataset.count {
            throw MetricsError(dataset.name, "--reference-count \(count) asks for more images than the \(dataset.count) it holds")
        }
        return try EvaluationImages(dataset: dataset, count: count ?? Swift.min(defaultCount, dataset.count))
    }

    /// Writes `object` as pretty JSON.
    static func writeJSON(_ object: [String: Any], to path: String) throws {
        let data: Data
        do {
            data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        } catch {
            throw MetricsError(path, "cannot encode the results as JSON: \(error.localizedDescription)")
        }
        do {
            try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw MetricsError(path, "cannot write: \(error.localizedDescription)")
        }
    }
}

/// Progress of an evaluation on standard error: a line redrawn in place on a terminal, a line
/// every 15 s otherwise; silent for work that ends within two seconds.
final class StderrProgress {
    private let terminal = isatty(STDERR_FILENO) != 0
    private var phaseStart = Date()
    private var lastShown = Date.distantPast
    private var phase: Evaluator.Progress.Phase?
    private var shown = false

    func update(_ progress: Evaluator.Progress) {
        if progress.phase != phase {
            finish()
            phase = progress.phase
            phaseStart = Date()
        }
        let now = Date()
        let elapsed = now.timeIntervalSince(phaseStart)
        guard elapsed >= 2, progress.total > 0 else { return }
        let interval: TimeInterval = terminal ? 0.2 : 15
        let complete = progress.done == progress.total
        guard now.timeIntervalSince(lastShown) >= interval || (complete && shown) else { return }
        lastShown = now
        let rate = Double(progress.done) / Swift.max(elapsed, 1e-9)
        let eta = rate > 0 ? Double(progress.total - progress.done) / rate : 0
        let what = progress.phase == .reference ? "reference images" : "samples"
        let text = String(format: "%@: %d/%d images, %.1f images/s, %@ elapsed, eta %@", what, progress.done, progress.total,
                          rate, ProgressReporter.duration(elapsed), ProgressReporter.duration(eta))
        fflush(stdout)
        FileHandle.standardError.write(Data(((terminal ? "\r\u{1B}[K" : "") + text + (terminal ? "" : "\n")).utf8))
        shown = true
    }

    func finish() {
        if terminal && shown { FileHandle.standardError.write(Data("\n".utf8)) }
        shown = false
    }
}
