import ArgumentParser
import Foundation
import GANData
import GANModels
import GANTensor

/// `gan bench train`: the training iteration of `../shared/bench/torch_bench.py`, timed the
/// same way, on the same four reference models built by our families.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time one training iteration of four reference models (mlp28, dcgan28, dcgan64, wgangp28).",
        discussion: """
        One iteration: a D step on a real and a fake batch, then a G step on the same fake batch (non-saturating
        BCE; wgangp28: Wasserstein loss with a gradient penalty λ 10, one critic step); Adam 2e-4, β (0.5, 0.999);
        batch 64; random "real" data; z drawn inside the timing. Inference: G in eval mode, no gradients.
        The reference models: mlp28, PyTorch-GAN's MLP GAN for 28×28 grey images (gan --preset
        mnist); dcgan28, a DCGAN for 28×28 grey images (dcgan --preset dcgan28); dcgan64, the
        pytorch/examples DCGAN for 64×64 colour images (dcgan --preset dcgan64); wgangp28,
        dcgan28's generator with a critic without BatchNorm (wgan-gp --preset dcgan28). Time the
        same iteration in PyTorch on the same machine, in the same sitting, and compare ratios.

        Examples:
          gan bench train
          gan bench train --models dcgan28 --iterations 30
        """
    )

    static let referenceModels = ["mlp28", "dcgan28", "dcgan64", "wgangp28"]

    @Option(help: "Comma-separated models: mlp28, dcgan28, dcgan64, wgangp28.")
    var models: String = referenceModels.joined(separator: ",")

    @Option(help: "Timed iterations (median reported).")
    var iterations: Int = 20

    @Option(help: "Untimed warm-up iterations.")
    var warmup: Int = 3

    func validate() throws {
        guard iterations > 0, warmup >= 0 else { throw ValidationError("--iterations must be positive and --warmup not negative") }
        for name in models.split(separator: ",") where !Self.referenceModels.contains(String(name)) {
            throw ValidationError("unknown model '\(name)': expected one of \(Self.referenceModels.joined(separator: ", "))")
        }
    }

    /// The family config that builds `name` exactly as torch_bench.py does.
    static func configuration(_ name: String) -> any AdversarialConfiguration {
        switch name {
        case "mlp28": return GANConfig.mnist
        case "dcgan28": return DCGANConfig.dcgan28
        case "dcgan64": return DCGANConfig.dcgan64
        default:
            var config = WGANGPConfig.dcgan28
            config.criticSteps = 1
            config.generatorOptimizer = .adam(2e-4, 0.5, 0.999)
            config.criticOptimizer = .adam(2e-4, 0.5, 0.999)
            return config
        }
    }

    func run() throws {
        print("matrix products: \(GEMM.backendDescription); kernels: \(Kernels.instructionSet); threads: \(Parallel.threadCount)")
        print("batch 64; median of \(iterations) iterations after \(warmup) warm-up; CPU = process CPU time, all threads")
        print("| model | G params | D params | train ms | train CPU ms | images/s | G inference ms |")
        print("|---|---|---|---|---|---|---|")
        for name in models.split(separator: ",").map(String.init) {
            let config = Self.configuration(name)
            var rng = RandomGenerator(seed: 0)
            let model = try config.makeAdversarialModel(using: &rng)
            let real = Tensor.randomUniform([64] + config.network.dataShape, using: &rng) * 2 - 1
            let source = RepeatedBatch(Batch(samples: real, labels: nil, indices: Array(0..<64), epoch: 0, index: 0))
            var failure: Error?
            let train = medianTimes(warmup: warmup, iterations: iterations) {
                let context = StepContext(step: 0, totalSteps: 1, measure: false, rng: rng, source: source)
                do { _ = try model.trainingStep(context) } catch { failure = error }
                rng = context.rng
            }
            if let failure { throw failure }
            let inference = medianTimes(warmup: warmup, iterations: iterations) {
                _ = model.generate(model.latents(count: 64, using: &rng))
            }
            print(String(format: "| %@ | %d | %d | %.1f | %.1f | %.0f | %.1f |", name, model.generator.parameterCount,
                         model.discriminator.parameterCount, train.wall, train.cpu, 64_000 / train.wall, inference.wall))
        }
    }
}

/// The same batch for every domain and every step: the benchmark times the step, not the data.
final class RepeatedBatch: BatchSource {
    let batch: Batch
    init(_ batch: Batch) { self.batch = batch }
    var domainCount: Int { 1 }
    func next(domain: Int) -> Batch { batch }
    var epoch: Int { 0 }
    var states: [BatcherState] { [] }
    func restore(_ states: [BatcherState]) throws {}
}
