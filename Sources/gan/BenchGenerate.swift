import ArgumentParser
import Foundation
import GANModels
import GANTensor

/// `gan bench generate`: G's forward pass as `gan sample` runs it (evaluation mode, no graph) on
/// one batch of fixed latents, as scripts/torch_generate_bench.py times PyTorch's G under
/// `torch.no_grad()` after `G.eval()`.
struct BenchGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Time G's forward pass without a graph (inference) on one batch of latents.",
        discussion: """
        G is freshly initialised from seed 0 (BatchNorm uses its running statistics);
        the latents are drawn once, outside the timing, and conditional models get
        labels 0, 1, 2, … in turn. Default: the four reference models of
        `gan bench train`; any model of it that samples from a latent works.
        PyTorch's figures: scripts/torch_generate_bench.py, same models, batch and
        threads.

        Examples:
          gan bench generate
          gan bench generate --models dcgan64 --iterations 30
          gan bench generate --models mlp28 --json > generate.json
        """
    )

    @Option(help: "Comma-separated models (those of `gan bench train`), all, or families.")
    var models: String = BenchModel.reference.map(\.name).joined(separator: ",")

    @Option(help: "Timed forward passes (median, min and max reported).")
    var iterations: Int = 20

    @Option(help: "Untimed warm-up passes.")
    var warmup: Int = 3

    @Option(help: "Latents per forward pass.")
    var batchSize: Int = 64

    @Flag(help: "Print JSON (per model: median, min, max ms per batch, images/s, peak MiB; the machine) instead of the table.")
    var json = false

    func validate() throws {
        guard iterations > 0, warmup >= 0 else { throw ValidationError("--iterations must be positive and --warmup not negative") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        _ = try BenchModel.parse(models)
    }

    func run() throws {
        let machine = BenchMachine()
        if !json {
            print(machine.summary)
            print("batch \(batchSize); \(iterations) timed forward passes after \(warmup) warm-up; ms per batch median (min–max)")
            print("| model | G parameters | G forward ms | CPU ms | images/s | peak MiB |")
            print("|---|---|---|---|---|---|")
        }
        var rows: [[String: Any]] = []
        for benchModel in try BenchModel.parse(models) {
            let measured = try ResidentMemory.measure { () throws -> (Int, BenchTimings) in
                let subject = try benchModel.make(batchSize: batchSize)
                guard let model = subject.model as? any LatentModel else {
                    throw ValidationError("\(benchModel.name) translates images (\(benchModel.command)); it has no G that samples from latents")
                }
                var rng = subject.rng
                let z = model.latents(count: batchSize, using: &rng)
                let options = GenerationOptions(labels: model.classCount > 0 ? (0..<batchSize).map { $0 % model.classCount } : nil,
                                                useAverage: false)
                let generator = subject.model.networks.first { $0.name == "generator" }?.module
                let timings = BenchTimings(warmup: warmup, iterations: iterations) { _ = model.generate(z, options: options) }
                return (generator?.parameterCount ?? 0, timings)
            }
            let (parameters, timings) = measured.result
            let imagesPerSecond = Double(batchSize) * 1000 / timings.median
            if json {
                var row = timings.jsonObject
                row["model"] = benchModel.name
                row["command"] = benchModel.command
                row["reference"] = benchModel.isReference
                row["generator_parameters"] = parameters
                row["images_per_s"] = imagesPerSecond
                row["peak_rss_mib"] = jsonNumber(measured.peakMiB)
                row["baseline_rss_mib"] = jsonNumber(measured.baselineMiB)
                rows.append(row)
            } else {
                print(String(format: "| %@ | %@ | %@ | %.2f | %.0f | %.0f |", benchModel.name, BenchSubject.grouped(parameters),
                             timings.describe(decimals: 2), timings.cpuMedian, imagesPerSecond, measured.peakMiB))
            }
        }
        if json {
            var object = machine.jsonObject
            object["command"] = "gan bench generate"
            object["kind"] = "generate"
            object["batch"] = batchSize
            object["warmup"] = warmup
            object["iterations"] = iterations
            object["models"] = rows
            try printJSON(object)
        }
    }
}
