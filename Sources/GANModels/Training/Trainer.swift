import Foundation
import GANData
import GANLayers
import GANTensor

/// The training loop: D steps per G step (the family's objective), logging every `logEvery`
/// steps (losses, D(x), D(G(z)), gradient norms, images per second) to the reporter and to
/// `metrics.jsonl`, sample grids from fixed latents every `sampleEvery` steps, checkpoints
/// every `checkpointEvery` steps and at the end, exact resume, a stop on a non-finite loss and
/// a clean stop when asked (Ctrl-C); `evaluation`, when set, logs FID and the like every K steps.
///
/// ```swift
/// let trainer = try Trainer(run: settings, model: config, dataset: data, folder: folder)
/// try trainer.resumeIfPossible()
/// let outcome = try trainer.train()
/// ```
public final class Trainer {
    /// How a call to `train` ended.
    public enum Outcome: Equatable {
        /// All steps done; the final checkpoint.
        case completed(checkpoint: URL)
        /// Stopped on request at `step`, after writing `checkpoint`.
        case interrupted(step: Int, checkpoint: URL)
    }

    public let run: RunSettings
    public let modelConfig: any ModelConfiguration
    public let folder: RunFolder
    public let model: GANModel
    public let batcher: Batcher
    public let reporter: ProgressReporter
    /// Generator steps done.
    public private(set) var step = 0
    /// Draws latents and penalty coefficients.
    public private(set) var generator: RandomGenerator
    /// Evaluation during training (FID and the like, wired by the CLI); `nil`: none.
    public var evaluation: TrainingEvaluation?
    /// The toy mixture, when training on one (for scatter plots).
    let toy: ToyMixture?
    private var lastCheckpoint: (url: URL, step: Int)?

    /// A fresh run: the model initialised from `run.seed`, the batcher from `seed + 2`.
    public init(run: RunSettings, model config: any ModelConfiguration, dataset: Dataset, folder: RunFolder,
                reporter: ProgressReporter = ProgressReporter(style: .silent)) throws {
        try run.validate()
        self.run = run
        self.modelConfig = config
        self.folder = folder
        self.reporter = reporter
        var initRNG = RandomGenerator(seed: run.seed)
        model = try config.makeModel(using: &initRNG)
        batcher = try Batcher(dataset: dataset, batchSize: run.batchSize, seed: run.seed &+ 2)
        generator = RandomGenerator(seed: run.seed &+ 1)
        if case .toy(let name) = run.data.source { toy = ToyMixture.named(name) } else { toy = nil }
    }

    /// The state a checkpoint stores besides the tensors.
    public var state: TrainingState {
        TrainingState(family: run.family, step: step, generator: generator, batcher: batcher.state)
    }

    /// Continues from the newest readable checkpoint of the folder, if there is one.
    /// - Returns: a message saying where it resumed (and which files were skipped), or `nil`.
    @discardableResult
    public func resumeIfPossible() throws -> String? {
        Checkpoints.removeStaleTemporaries(in: folder)
        guard let found = try Checkpoints.loadNewest(in: folder, into: model, family: run.family) else { return nil }
        do {
            try batcher.restore(found.state.batcher)
        } catch {
            throw ModelError.checkpoint("\(found.url.path): \(error)")
        }
        step = found.state.step
        generator = found.state.generator
        lastCheckpoint = (found.url, step)
        folder.truncateMetrics(after: step)
        var message = "resumed from \(found.url.path) at step \(step)"
        for reason in found.skipped { message += "\n  skipped unreadable checkpoint: \(reason)" }
        return message
    }

    /// Writes a checkpoint of the current state.
    @discardableResult
    public func saveCheckpoint() throws -> URL {
        let url = try Checkpoints.write(model: model, state: state, in: folder, keep: run.keepCheckpoints)
        lastCheckpoint = (url, step)
        return url
    }

    /// Writes the sample grid (or scatter plot) for the current step from the fixed latents.
    public func writeSamples() throws {
        let inputs = SampleWriter.fixedInputs(for: model, seed: run.seed)
        let samples = model.generate(inputs.z, labels: inputs.labels)
        try SampleWriter.write(samples, to: folder.samplePath(step: step), perRow: inputs.perRow, toy: toy,
                               labels: toy != nil ? inputs.labels : nil)
    }

    /// Trains until `run.steps` generator steps are done or `shouldStop` returns true.
    ///
    /// - Throws: `ModelError.nonFinite` (naming the last good checkpoint, which is left in
    ///   place) when a loss is NaN or infinite; checkpoint and sample write errors.
    public func train(shouldStop: () -> Bool = { false }) throws -> Outcome {
        let startStep = step
        if step == 0 && folder.sampleFiles().isEmpty { try writeSamples() }
        var window = (lossD: 0.0, lossG: 0.0, steps: 0, samples: 0, seconds: 0.0)
        let started = Date()
        var lastStatus = ""
        let baseRates = (model.generatorOptimizer.learningRate, model.discriminatorOptimizer.learningRate)
        while step < run.steps {
            if run.learningRateDecay == "linear" {
                let scale = 1 - Float(step) / Float(run.steps)
                model.generatorOptimizer.learningRate = baseRates.0 * scale
                model.discriminatorOptimizer.learningRate = baseRates.1 * scale
            }
            if shouldStop() {
                reporter.finish()
                return .interrupted(step: step, checkpoint: try saveCheckpoint())
            }
            let measure = (step + 1) % run.logEvery == 0 || step + 1 == run.steps
            let t0 = DispatchTime.now().uptimeNanoseconds
            let metrics: StepMetrics
            do {
                metrics = try model.trainingStep(nextBatch: { batcher.next() }, using: &generator, measure: measure)
            } catch ModelError.nonFinite(let what) {
                reporter.finish()
                let kept = lastCheckpoint.map { "the last good checkpoint, \($0.url.path) (step \($0.step)), is kept" }
                    ?? "no checkpoint was written yet"
                throw ModelError.nonFinite("training stopped at step \(step + 1): \(what); \(kept). "
                    + "Resume with --resume, perhaps with a lower --lr.")
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            step += 1
            window.lossD += Double(metrics.discriminatorLoss)
            window.lossG += Double(metrics.generatorLoss)
            window.steps += 1
            window.samples += metrics.realSamples
            window.seconds += seconds
            let rate = Double(window.samples) / Swift.max(window.seconds, 1e-9)
            if measure {
                log(metrics, window: window, rate: rate, elapsed: Date().timeIntervalSince(started))
                window = (0, 0, 0, 0, 0)
            }
            if step % 10 == 0 || step == run.steps {
                lastStatus = String(format: "D %.3f G %.3f %.0f img/s", metrics.discriminatorLoss, metrics.generatorLoss, rate)
            }
            reporter.progress(step: step, total: run.steps, startStep: startStep, status: lastStatus)
            if let evaluation, step % evaluation.every == 0 || step == run.steps { evaluate(evaluation) }
            if step % run.sampleEvery == 0 || step == run.steps { try writeSamples() }
            if step % run.checkpointEvery == 0 || step == run.steps { try saveCheckpoint() }
        }
        reporter.finish()
        if lastCheckpoint?.step != step { try saveCheckpoint() }
        return .completed(checkpoint: lastCheckpoint!.url)
    }

    /// Runs `evaluation` on the current model and appends `{"step", "eval", "eval_seconds"}` (and
    /// `eval_settings` when given) to metrics.jsonl. A failure is reported and logged as
    /// `eval_error`; training goes on.
    private func evaluate(_ evaluation: TrainingEvaluation) {
        let start = Date()
        var line: [String: Any] = ["step": step]
        if !evaluation.settings.isEmpty { line["eval_settings"] = evaluation.settings }
        do {
            let values = try evaluation.evaluate(model)
            let seconds = Date().timeIntervalSince(start)
            line["eval"] = Dictionary(values.filter { $0.value.isFinite }.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            line["eval_seconds"] = seconds
            let text = values.map { "\($0.key) \(String(format: "%.5g", $0.value))" }.joined(separator: "  ")
            reporter.line("eval at step \(step): \(text)  (\(String(format: "%.1f", seconds)) s)")
        } catch {
            line["eval_error"] = "\(error)"
            reporter.line("warning: evaluation at step \(step) failed: \(error)")
        }
        folder.appendMetrics(line)
    }

    private func log(_ m: StepMetrics, window: (lossD: Double, lossG: Double, steps: Int, samples: Int, seconds: Double),
                     rate: Double, elapsed: Double) {
        let n = Double(Swift.max(window.steps, 1))
        var values: [String: Any] = [
            "step": step, "epoch": batcher.state.epoch,
            "loss_d": window.lossD / n, "loss_g": window.lossG / n,
            "images_per_second": rate, "elapsed_s": elapsed,
        ]
        var text = String(format: "step %d/%d  epoch %d  loss D %.4f  G %.4f", step, run.steps, batcher.state.epoch,
                          window.lossD / n, window.lossG / n)
        if let r = m.realScore, let f = m.fakeScore {
            values["d_real"] = Double(r)
            values["d_fake"] = Double(f)
            text += String(format: "  D(x) %.3f  D(G(z)) %.3f", r, f)
        }
        if let g = m.discriminatorGradientNorm { values["grad_norm_d"] = Double(g); text += String(format: "  |∇D| %.3g", g) }
        if let g = m.generatorGradientNorm { values["grad_norm_g"] = Double(g); text += String(format: "  |∇G| %.3g", g) }
        if let g = m.penaltyGradientNorm { values["gp_norm"] = Double(g); text += String(format: "  ‖∇D(x̂)‖ %.3f", g) }
        text += String(format: "  %.0f img/s", rate)
        folder.appendMetrics(values)
        reporter.line(text)
    }
}

/// An evaluation the trainer runs every `every` generator steps and after the last one, without
/// touching the training state (the closure should sample from its own seeded latents, in
/// evaluation mode, as `GANModel.generate` does). Its values go to metrics.jsonl as
/// `{"step": 500, "eval": {"fid": 23.1, "kid": 0.012}, "eval_seconds": 4.2, "eval_settings": {...}}`.
///
/// ```swift
/// trainer.evaluation = TrainingEvaluation(every: 500, settings: ["features": "classifier", "count": 2000]) { model in
///     [("fid", try fid(of: model))]
/// }
/// ```
public struct TrainingEvaluation {
    /// Generator steps between evaluations (positive).
    public var every: Int
    /// What stays the same from one evaluation to the next (features, sample count), written
    /// with each line as `eval_settings`; JSON values only.
    public var settings: [String: Any]
    /// The metric values of the model as it is now, by name; non-finite values are left out of
    /// the line.
    public var evaluate: (GANModel) throws -> [(key: String, value: Double)]

    public init(every: Int, settings: [String: Any] = [:], evaluate: @escaping (GANModel) throws -> [(key: String, value: Double)]) {
        precondition(every > 0, "TrainingEvaluation: every \(every) must be positive")
        self.every = every
        self.settings = settings
        self.evaluate = evaluate
    }
}
