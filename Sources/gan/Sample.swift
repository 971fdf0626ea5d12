import ArgumentParser
import Foundation
import GANData
import GANModels
import GANTensor

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw samples from a trained run.",
        discussion: """
        Uses the run's newest readable checkpoint (the EMA generator when the run
        keeps one; --no-ema for the trained one). Images are written as a grid; toy
        points as a scatter plot over the mixture's modes.

        Class grid: a conditional run (cgan, sagan, biggan) without --class draws
        sample i of class i mod K, K images per row, so every column is one class (0
        on the left) and every row one latent seed's draw.

        Truncation (BigGAN's trick): --truncation T redraws every latent entry with
        |z| > T, trading variety for fidelity. --truncation-sweep T1,T2,... writes one
        row per threshold, top to bottom in the order given, from the same latents
        (entries already inside a threshold are kept), all of one class (--class,
        default 0) for a conditional run, and prints the per-pixel variance of each
        row.

        Truncation in W (StyleGAN): for a run that truncates in W, T is ψ instead:
        every layer's style w becomes w_avg + ψ(w − w_avg) (1: none, 0: the mean
        image; the same latents in every row of a sweep). --truncation-cutoff L
        truncates only the synthesis layers below L (the coarse styles).

        Examples:
          gan sample --run runs/dcgan-dcgan28 --count 64 --out samples.png
          gan sample --run runs/dcgan-dcgan28 --out samples.jpg
          gan sample --run runs/cgan --class 7 --count 16 --out sneakers.png
          gan sample --run runs/dcgan-dcgan28 --seed 3 \\
              --save-latents z.npy --save-array x.npy
          gan sample --run runs/biggan --class 5 --truncation 0.5 --out sandals.png
          gan sample --run runs/biggan --truncation-sweep 2,1,0.5,0.25 --count 10 \\
              --out sweep.png
          gan sample --run runs/stylegan --truncation 0.7 --truncation-cutoff 4
        """
    )

    @Option(name: .customLong("run"), help: "The run folder (made by `gan train`).", transform: FileIO.expandingTilde)
    var runPath: String

    @Option(help: "How many samples.")
    var count: Int = 64

    @Option(help: "Seed of the latents.")
    var seed: UInt64 = 0

    @Option(name: .customLong("class"), help: "Conditional runs (cgan, sagan, biggan): the class to draw (0-based); default: all classes in turn.")
    var classIndex: Int?

    @Option(help: "The picture to write: .png, .jpg or .jpeg (default: RUN/sample.png).", transform: FileIO.expandingTilde)
    var out: String?

    @Option(help: "Images per row of the grid (default 8; the class count for cgan without --class).")
    var perRow: Int?

    @Option(help: "A checkpoint file to use instead of the newest.", transform: FileIO.expandingTilde)
    var checkpoint: String?

    @Flag(help: "Sample the trained generator instead of its exponential moving average (runs that keep one).")
    var noEma = false

    @Option(help: "Also write the latents [N, D] as a .npy file.", transform: FileIO.expandingTilde)
    var saveLatents: String?

    @Option(help: "Also write the samples [N, ...] as a .npy file (values as generated, images in [-1, 1]).", transform: FileIO.expandingTilde)
    var saveArray: String?

    @Option(help: "Redraw every latent entry with |z| > T (T > 0): less variety, more fidelity. For a run that truncates in W (stylegan): ψ ≥ 0, w' = w_avg + ψ(w − w_avg).")
    var truncation: Float?

    @Option(help: ArgumentHelp("One row of --count samples per threshold (or ψ), e.g. 2,1,0.5,0.25.", valueName: "T1,T2,..."))
    var truncationSweep: String?

    @Option(help: "Truncation in W (stylegan): truncate only the synthesis layers below L.")
    var truncationCutoff: Int?

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        if let out { try checkImagePath(out, option: "--out") }
        if let perRow, perRow <= 0 { throw ValidationError("--per-row must be positive") }
        if let truncation, !(truncation >= 0 && truncation.isFinite) {
            throw ValidationError("--truncation must be a non-negative number, got \(truncation)")
        }
        if let truncationCutoff {
            guard truncationCutoff >= 0 else { throw ValidationError("--truncation-cutoff must be non-negative, got \(truncationCutoff)") }
            guard truncation != nil || truncationSweep != nil else {
                throw ValidationError("--truncation-cutoff goes with --truncation or --truncation-sweep (it limits which layers ψ truncates)")
            }
        }
        if truncation != nil && truncationSweep != nil {
            throw ValidationError("--truncation and --truncation-sweep go separately: the sweep sets a threshold per row")
        }
        if truncationSweep != nil {
            _ = try thresholds()
            if perRow != nil { throw ValidationError("--per-row does not apply to --truncation-sweep (one row per threshold)") }
            if saveLatents != nil { throw ValidationError("--save-latents does not apply to --truncation-sweep (each row has its own latents)") }
        }
    }

    /// The thresholds of `--truncation-sweep`.
    func thresholds() throws -> [Float] {
        let parts = (truncationSweep ?? "").split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! >= 0 && $0!.isFinite }) else {
            throw ValidationError("--truncation-sweep takes non-negative values separated by commas (e.g. 2,1,0.5,0.25), got '\(truncationSweep ?? "")'")
        }
        return values.map { $0! }
    }

    func run() throws {
        let trained = try TrainedRun(path: runPath, checkpoint: checkpoint)
        let model = try trained.latentModel(for: "sample")
        try checkTruncation(for: model, family: trained.run.family)
        if noEma && !model.keepsAverage {
            throw ValidationError("--no-ema: \(runPath) keeps no moving average of G (its samples already come from the trained generator)")
        }
        var labels: [Int]?
        if let classIndex {
            guard model.classCount > 0 else {
                throw ValidationError("--class needs a conditional run (cgan, or sagan/biggan on labelled data); \(runPath) is an unconditional \(trained.run.family) run")
            }
            guard (0..<model.classCount).contains(classIndex) else {
                throw ValidationError("--class \(classIndex) is out of range: the run has classes 0..<\(model.classCount)")
            }
            labels = Array(repeating: classIndex, count: count)
        } else if model.classCount > 0 {
            labels = (0..<count).map { $0 % model.classCount }
        }
        if truncationSweep != nil {
            // One class for the whole strip, so a row's variance is the latents' doing.
            return try sweep(model, trained: trained, labels: model.classCount > 0 ? Array(repeating: classIndex ?? 0, count: count) : nil)
        }
        let z = model.truncatesInW ? model.latents(count: count, seed: seed) : truncation.map {
            model.truncatedLatents(count: count, threshold: $0, seed: seed)
        } ?? model.latents(count: count, seed: seed)
        // Several domains (CoGAN): each latent's images side by side, one domain per column.
        let domains = max(1, model.domainNames.count)
        let perDomain = (0..<domains).map {
            model.generate(z, options: options(for: model, truncation: truncation, labels: labels, domain: $0))
        }
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
              + (truncation.map { model.truncatesInW ? ", truncated in W at ψ \($0)" + (truncationCutoff.map { " below layer \($0)" } ?? "")
                                                      : ", latents truncated at \($0)" } ?? "")
              + (domains > 1 ? " in each of \(model.domainNames.joined(separator: " and ")), side by side" : "")
              + (noEma ? " of the trained generator (not its moving average)" : "")
              + " from \(trained.checkpoint.path) (step \(trained.step))")
        if let toy, samples.rank == 2 {
            print("mode coverage: \(ModeCoverage(points: samples, mixture: toy))")
        }
    }

    /// Refuses what the model's kind of truncation cannot take: a zero threshold for latents
    /// truncated in z, a cutoff beyond W.
    func checkTruncation(for model: any LatentModel, family: String) throws {
        if model.truncatesInW { return }
        if truncationCutoff != nil {
            throw ValidationError("--truncation-cutoff applies to runs that truncate in W (stylegan); \(runPath) is a \(family) run, whose --truncation redraws latents")
        }
        let values = try truncationSweep == nil ? truncation.map { [$0] } ?? [] : thresholds()
        if values.contains(0) {
            throw ValidationError("--truncation thresholds must be positive for a \(family) run (it redraws latent entries beyond T)")
        }
    }

    /// The generation options: ψ and the cutoff for a model that truncates in W.
    func options(for model: any LatentModel, truncation: Float?, labels: [Int]?, domain: Int = 0) -> GenerationOptions {
        GenerationOptions(labels: labels, domain: domain, useAverage: !noEma, psi: model.truncatesInW ? truncation : nil,
                          truncationCutoff: model.truncatesInW ? truncationCutoff : nil)
    }

    /// `--truncation-sweep`: one row per threshold from the same latents.
    func sweep(_ model: any LatentModel, trained: TrainedRun, labels: [Int]?) throws {
        guard model.domainNames.count <= 1, model.dataShape.count == 3 else {
            throw ValidationError("--truncation-sweep draws image rows; \(runPath) generates "
                + (model.dataShape.count == 3 ? "several domains (use --truncation)" : "points"))
        }
        let thresholds = try thresholds()
        var rows: [Tensor] = []
        for threshold in thresholds {
            let z = model.truncatesInW ? model.latents(count: count, seed: seed)
                : model.truncatedLatents(count: count, threshold: threshold, seed: seed)
            let x = model.generate(z, options: options(for: model, truncation: threshold, labels: labels))
            let variance = x.variance(axes: [0]).mean().item
            print("truncation \(threshold): per-pixel variance over \(count) samples\(labels.map { " of class \($0[0])" } ?? "") "
                  + String(format: "%.4f", variance))
            rows.append(x)
        }
        let samples = Tensor.concatenate(rows, axis: 0)
        let path = out ?? trained.folder.url.appendingPathComponent("truncation-sweep.png").path
        try SampleWriter.write(samples, to: path, perRow: count)
        if let saveArray { try NumPy.write(samples, to: saveArray) }
        print("wrote \(path): \(thresholds.count) rows (thresholds \(thresholds.map { "\($0)" }.joined(separator: ", ")), top to bottom) "
              + "of \(count) samples from \(trained.checkpoint.path) (step \(trained.step))")
    }
}

/// Refuses an image path whose extension the writers cannot produce (rather than writing
/// PNG bytes into `x.jpg` or `x.gif`).
func checkImagePath(_ path: String, option: String) throws {
    do {
        _ = try ImageFileFormat(path: path)
    } catch let error as DataError {
        throw ValidationError("\(option) \(path): \(error.reason)")
    }
}
