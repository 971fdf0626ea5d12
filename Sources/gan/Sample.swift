import ArgumentParser
import Foundation
import GANData
import GANModels
import GANTensor

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw samples from a trained run.",
        discussion: """
        Uses the run's newest readable checkpoint (the EMA generator when the run keeps one). Images are
        written as a grid; toy points as a scatter plot over the mixture's modes.

        Examples:
          gan sample --run runs/dcgan-dcgan28 --count 64 --out samples.png
          gan sample --run runs/cgan --class 7 --count 16 --out sneakers.png
          gan sample --run runs/dcgan-dcgan28 --seed 3 --save-latents z.npy --save-array x.npy
        """
    )

    @Option(name: .customLong("run"), help: "The run folder (made by `gan train`).")
    var runPath: String

    @Option(help: "How many samples.")
    var count: Int = 64

    @Option(help: "Seed of the latents.")
    var seed: UInt64 = 0

    @Option(name: .customLong("class"), help: "cgan: the class to draw (0-based); default: all classes in turn.")
    var classIndex: Int?

    @Option(help: "The PNG to write (default: RUN/sample.png).")
    var out: String?

    @Option(help: "Images per row of the grid (default 8; the class count for cgan without --class).")
    var perRow: Int?

    @Option(help: "A checkpoint file to use instead of the newest.")
    var checkpoint: String?

    @Option(help: "Also write the latents [N, D] as a .npy file.")
    var saveLatents: String?

    @Option(help: "Also write the samples [N, ...] as a .npy file (values as generated, images in [-1, 1]).")
    var saveArray: String?

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        if let perRow, perRow <= 0 { throw ValidationError("--per-row must be positive") }
    }

    func run() throws {
        let trained = try TrainedRun(path: runPath, checkpoint: checkpoint)
        let model = try trained.latentModel(for: "sample")
        var labels: [Int]?
        if let classIndex {
            guard model.classCount > 0 else {
                throw ValidationError("--class needs a conditional run (cgan); \(runPath) is \(trained.run.family)")
            }
            guard (0..<model.classCount).contains(classIndex) else {
                throw ValidationError("--class \(classIndex) is out of range: the run has classes 0..<\(model.classCount)")
            }
            labels = Array(repeating: classIndex, count: count)
        } else if model.classCount > 0 {
            labels = (0..<count).map { $0 % model.classCount }
        }
        let z = model.latents(count: count, seed: seed)
        // Several domains (CoGAN): each latent's images side by side, one domain per column.
        let domains = max(1, model.domainNames.count)
        let perDomain = (0..<domains).map { model.generate(z, options: GenerationOptions(labels: labels, domain: $0)) }
        let samples = domains == 1 ? perDomain[0]
            : Tensor.stack(perDomain, axis: 1).reshaped([count * domains] + model.dataShape)
        let path = out ?? trained.folder.url.appendingPathComponent("sample.png").path
        var toy: ToyMixture?
        if case .toy(let name) = trained.run.data.source { toy = ToyMixture.named(name) }
        let columns = perRow ?? (model.classCount > 0 && classIndex == nil ? model.classCount : (domains > 1 ? 4 * domains : 8))
        try SampleWriter.write(samples, to: path, perRow: columns, toy: toy)
        if let saveLatents { try NumPy.write(z, to: saveLatents) }
        if let saveArray { try NumPy.write(samples, to: saveArray) }
        print("wrote \(path): \(count) samples of \(model.dataShape)"
              + (domains > 1 ? " in each of \(model.domainNames.joined(separator: " and ")), side by side" : "")
              + " from \(trained.checkpoint.path) (step \(trained.step))")
        if let toy, samples.rank == 2 {
            print("mode coverage: \(ModeCoverage(points: samples, mixture: toy))")
        }
    }
}
