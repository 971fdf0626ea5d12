import ArgumentParser
import Foundation
import GANData
import GANModels
import GANTensor

/// `gan bench train`: the training iteration of the PyTorch yardstick (torch_bench.py), timed
/// the same way, on its four reference models built by our families, and one training step of
/// every other family's 28×28 grey preset.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time one training step per model: the four reference models and every family.",
        discussion: """
        Reference models (PyTorch times the same iteration:
        scripts/torch_train_bench.py):
          mlp28     PyTorch-GAN's MLP GAN, 28×28 grey (gan --preset mnist)
          dcgan28   a DCGAN for 28×28 grey images (dcgan --preset dcgan28)
          dcgan64   pytorch/examples' DCGAN, 64×64 colour (dcgan --preset dcgan64)
          wgangp28  dcgan28's G, a critic without BatchNorm, gradient penalty λ 10,
                    one critic step, Adam 2e-4 (wgan-gp --preset dcgan28)
        One iteration: a D step on a real and a fake batch, then a G step on the same
        fake batch (non-saturating BCE); Adam 2e-4, β (0.5, 0.999); z drawn inside
        the timing.

        Family models (the family's own step, as `gan train` runs it, on random data
        with labels 0–9): cgan28, wgan28 (5 critic steps), sagan28, biggan28,
        progan28 (full size, faded in), stylegan28, stylegan2-28 (R1 every 16 steps,
        path length every 4: see min–max and the mean), cyclegan28, cogan28. `all`
        names every model, `families` the family ones.

        Peak memory: the process's resident peak (VmHWM) while the model is built and
        timed, reset per model where Linux allows. Speed is never asserted by tests;
        compare ratios with PyTorch measured in the same sitting.

        Examples:
          gan bench train
          gan bench train --models dcgan28 --iterations 30
          gan bench train --models families --iterations 5
          gan bench train --models mlp28,stylegan28 --json > train.json
        """
    )

    @OptionGroup var bench: BenchRunOptions

    func run() throws {
        let machine = BenchMachine()
        if !bench.json {
            print(machine.summary)
            print("batch \(bench.batchSize); \(bench.iterations) timed iterations after \(bench.warmup) warm-up; ms median (min–max); "
                  + "CPU = process CPU time, all threads; images/s from the median")
            print("| model | parameters | train ms | mean ms | CPU ms | images/s | peak MiB |")
            print("|---|---|---|---|---|---|---|")
        }
        var rows: [[String: Any]] = []
        for benchModel in try BenchModel.parse(bench.models) {
            let measured = try ResidentMemory.measure { try time(benchModel) }
            let (subject, timings, images) = measured.result
            let imagesPerSecond = Double(images) * 1000 / timings.median
            if bench.json {
                var row = timings.jsonObject
                row["model"] = benchModel.name
                row["command"] = benchModel.command
                row["reference"] = benchModel.isReference
                row["parameters"] = subject.parameterCounts
                row["images_per_step"] = images
                row["images_per_s"] = imagesPerSecond
                row["first_step"] = subject.firstStep
                row["peak_rss_mib"] = jsonNumber(measured.peakMiB)
                row["baseline_rss_mib"] = jsonNumber(measured.baselineMiB)
                rows.append(row)
            } else {
                print(String(format: "| %@ | %@ | %@ | %.1f | %.1f | %.0f | %.0f |", benchModel.name, subject.parameterSummary,
                             timings.describe(), timings.mean, timings.cpuMedian, imagesPerSecond, measured.peakMiB))
            }
        }
        if bench.json {
            var object = machine.jsonObject
            object["command"] = "gan bench train"
            object["kind"] = "train"
            object["batch"] = bench.batchSize
            object["warmup"] = bench.warmup
            object["iterations"] = bench.iterations
            object["models"] = rows
            try printJSON(object)
        }
    }

    /// Builds `benchModel` and times its step; returns the real images one step consumes.
    private func time(_ benchModel: BenchModel) throws -> (BenchSubject, BenchTimings, Int) {
        var subject = try benchModel.make(batchSize: bench.batchSize)
        var step = subject.firstStep
        let lastStep = subject.firstStep + bench.warmup + bench.iterations
        var images = bench.batchSize
        let timings = try BenchTimings(warmup: bench.warmup, iterations: bench.iterations) {
            // The reference models keep step 0, as when these figures were first taken.
            let context = StepContext(step: benchModel.isReference ? 0 : step, totalSteps: lastStep, measure: false,
                                      rng: subject.rng, source: subject.source)
            images = try subject.model.trainingStep(context).realSamples
            subject.rng = context.rng
            step += 1
        }
        return (subject, timings, images)
    }
}

/// `x`, or JSON null for NaN (no /proc on this system).
func jsonNumber(_ x: Double) -> Any { x.isFinite ? x : NSNull() }

/// The options `gan bench train` and `gan bench generate` share: which models, how many timed
/// and warm-up iterations, the batch, and JSON output.
struct BenchRunOptions: ParsableArguments {
    @Option(help: "Comma-separated models (see `gan bench train --help`), all, or families.")
    var models: String = BenchModel.reference.map(\.name).joined(separator: ",")

    @Option(help: "Timed iterations (median, min and max reported).")
    var iterations: Int = 20

    @Option(help: "Untimed warm-up iterations.")
    var warmup: Int = 3

    @Option(help: "Images per batch (and per domain).")
    var batchSize: Int = 64

    @Flag(help: "Print JSON (per model: median, min, max and mean ms, images/s, peak MiB; the machine) instead of the table.")
    var json = false

    func validate() throws {
        guard iterations > 0, warmup >= 0 else { throw ValidationError("--iterations must be positive and --warmup not negative") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        _ = try BenchModel.parse(models)
    }
}
