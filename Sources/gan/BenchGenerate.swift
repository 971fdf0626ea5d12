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

    @OptionGroup var bench: BenchRunOptions

    func run() throws {
        let machine = BenchMachine()
        if !bench.json {
            print(machine.summary)
            print("batch \(bench.batchSize); \(bench.iterations) timed forward passes after \(bench.warmup) warm-up; ms per batch median (min–max)")
            print("| model | G parameters | G forward ms | CPU ms | images/s | peak MiB |")
            print("|---|---|---|---|---|---|")
        }
        var rows: [[String: Any]] = []
        for benchModel in try BenchModel.parse(bench.models) {
            let measured = try ResidentMemory.measure { () throws -> (Int, BenchTimings) in
                let subject = try benchModel.make(batchSize: bench.batchSize)
                guard let model = subject.model as? any LatentModel else {
                    throw ValidationError("\(benchModel.name) translates images (\(benchModel.command)); it has no G that samples from latents")
                }
                var rng = subject.rng
                let z = model.latents(count: bench.batchSize, using: &rng)
                let options = GenerationOptions(labels: model.classCount > 0 ? (0..<bench.batchSize).map { $0 % model.classCount } : nil,
                                                useAverage: false)
                let generator = subject.model.networks.first { $0.name == "generator" }?.module
                let timings = BenchTimings(warmup: bench.warmup, iterations: bench.iterations) { _ = model.generate(z, options: options) }
                return (generator?.parameterCount ?? 0, timings)
            }
            let (parameters, timings) = measured.result
            let imagesPerSecond = Double(bench.batchSize) * 1000 / timings.median
            if bench.json {
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
        if bench.json {
            var object = machine.jsonObject
            object["command"] = "gan bench generate"
            object["kind"] = "generate"
            object["batch"] = bench.batchSize
            object["warmup"] = bench.warmup
            object["iterations"] = bench.iterations
            object["models"] = rows
            try printJSON(object)
        }
    }
}
