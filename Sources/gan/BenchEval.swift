import ArgumentParser
import Foundation
import GANData
import GANMetrics
import GANTensor

/// `gan bench eval`: Inception-v3 feature extraction as `gan eval` runs it (fid-helper's
/// preprocessing, 28×28 grey → 299×299, then the network without a graph), in images per
/// second at the batch `gan eval` uses. scripts/torch_inception_bench.py times the TorchScript
/// network the weights came from on the same images.
struct BenchEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Time Inception-v3 feature extraction (the FID network) in images/s at gan eval's batch.",
        discussion: """
        The images are 28×28 grey, the same on both sides: pixel (n, y, x) is the byte
        (37n + 11y + 7x) mod 256, scaled to [-1, 1]. Each timed batch is preprocessed
        (quantised, resized to 299×299 with TensorFlow's legacy bilinear resize, grey
        repeated to three channels) and run through the network; `feature_mean` in the
        JSON lets the two sides' features be compared. The weights come from
        --inception-weights, $GAN_INCEPTION_WEIGHTS or
        ~/.cache/swift-gan/inception-2015-12-05.safetensors (`gan weights import`
        makes them); without them the command stops with the way to get them.

        Examples:
          gan bench eval
          gan bench eval --count 64 --json > eval.json
        """
    )

    @Option(help: "Images to time (whole batches; at least one batch).")
    var count: Int = 160

    @Option(help: "Images per forward pass (default: gan eval's, 16).")
    var batchSize: Int?

    @Option(help: "Untimed warm-up batches.")
    var warmup: Int = 1

    @Option(help: "The Inception weights (default: $GAN_INCEPTION_WEIGHTS, else ~/.cache/swift-gan/inception-2015-12-05.safetensors).",
            transform: FileIO.expandingTilde)
    var inceptionWeights: String?

    @Flag(help: "Print JSON (ms per batch median, min, max; images/s; peak MiB; the machine) instead of the table.")
    var json = false

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive, got \(count)") }
        if let batchSize, batchSize <= 0 { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative, got \(warmup)") }
    }

    /// `n` images `[n, 1, 28, 28]` in [-1, 1] from the byte pattern both scripts use.
    static func images(first: Int, count n: Int) -> Tensor {
        var values = [Float](repeating: 0, count: n * 28 * 28)
        for i in 0..<n {
            for y in 0..<28 {
                for x in 0..<28 {
                    let byte = (37 * (first + i) + 11 * y + 7 * x) % 256
                    values[(i * 28 + y) * 28 + x] = Float(byte) / 127.5 - 1
                }
            }
        }
        return Tensor(values, shape: [n, 1, 28, 28])
    }

    func run() throws {
        let machine = BenchMachine()
        let batch = Swift.min(batchSize ?? EvaluationOptions(features: .inception).effectiveBatchSize, count)
        let batches = Swift.max(1, count / batch)
        let measured = try ResidentMemory.measure { () throws -> (BenchTimings, Double, String) in
            let inception = try InceptionV3.load(path: inceptionWeights)
            // Warm-up batches see the first batch; timed batch k sees images k·batch ..< (k+1)·batch.
            let inputs = (0..<batches).map { Self.images(first: $0 * batch, count: batch) }
            var call = 0, featureSum = 0.0
            let timings = try BenchTimings(warmup: warmup, iterations: batches) {
                let features = try inception.features(of: inputs[Swift.max(0, call - warmup)], batchSize: batch).features
                if call >= warmup { featureSum += Double(features.sum().item) }
                call += 1
            }
            return (timings, featureSum / Double(batches * batch * InceptionV3.featureCount),
                    InceptionV3.weightsPath(explicit: inceptionWeights))
        }
        let (timings, featureMean, weights) = measured.result
        let imagesPerSecond = Double(batch) * 1000 / timings.median
        if json {
            var object = machine.jsonObject
            object["command"] = "gan bench eval"
            object["kind"] = "eval"
            object["weights"] = weights
            object["batch"] = batch
            object["warmup"] = warmup
            object["images"] = batches * batch
            object["image_shape"] = [1, 28, 28]
            var row = timings.jsonObject
            row["model"] = "inception"
            row["images_per_s"] = imagesPerSecond
            row["feature_mean"] = featureMean
            row["peak_rss_mib"] = jsonNumber(measured.peakMiB)
            row["baseline_rss_mib"] = jsonNumber(measured.baselineMiB)
            object["models"] = [row]
            try printJSON(object)
        } else {
            print(machine.summary)
            print("Inception-v3 features of \(batches * batch) 28×28 grey images, batch \(batch), after \(warmup) warm-up batch(es); weights \(weights)")
            print("| ms per batch | CPU ms | images/s | 10,000 images | feature mean | peak MiB |")
            print("|---|---|---|---|---|---|")
            print(String(format: "| %@ | %.0f | %.2f | %.1f min | %.6f | %.0f |", timings.describe(), timings.cpuMedian,
                         imagesPerSecond, 10_000 / imagesPerSecond / 60, featureMean, measured.peakMiB))
        }
    }
}
