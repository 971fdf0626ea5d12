import Foundation
import GANData
import GANLayers
import GANTensor

/// The training loop, for any `TrainableModel`: the model's step, logging every `logEvery`
/// steps, and once early (`firstLogStep` steps in) so the speed shows soon, (its named losses
/// and measurements, images per second, elapsed time and ETA) to the reporter and to
/// `metrics.jsonl` (emptied when a run starts from step 0), the learning-rate schedule over all optimisers, sample pictures every
/// `sampleEvery` steps, checkpoints every `checkpointEvery` steps and at the end, exact resume,
/// a stop on a non-finite loss and a clean stop when asked (Ctrl-C); `evaluation`, when set,
/// logs FID and the like every K steps. Unless `run.tensorboard` is false, the same values, the
/// sample grids (and named pictures such as ProGAN's phase ends) and the config also go to
/// TensorBoard event files (`TensorBoardWriter`),
/// flushed at each checkpoint and when `train` returns.
///
/// Data-parallel (`communicator` given, one process per rank under `mpirun`): every rank
/// deals the global batch and keeps its slice (`ShardedBatches`), draws per-sample randomness
/// for the global batch (`StepContext.perSample`), and averages every gradient list with one
/// all-reduce before its optimiser step (`GradientAllReduce`), so all ranks keep the same
/// weights, optimiser and RNG states. Rank 0 alone writes logs (the ranks' losses and
/// measurements averaged), grids, TensorBoard events, evaluations and checkpoints; a stop
/// request on any rank stops all at the same step.
///
/// ```swift
/// let trainer = try Trainer(run: settings, model: config, datasets: [data], folder: folder)
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
    public let model: any TrainableModel
    public let batches: BatchSource
    public let reporter: ProgressReporter
    /// Steps done.
    public private(set) var step = 0
    /// Every random draw of the steps (latents, penalty coefficients, noise, pool replacement).
    public private(set) var rng: RandomGenerator
    /// Evaluation during training (FID and the like, wired by the CLI); `nil`: none.
    public var evaluation: TrainingEvaluation?
    /// Called with each gradient list on its way to an optimiser (see `StepContext`); with a
    /// communicator, the all-reduce.
    public var gradientHook: ((_ optimizer: Optimizer, _ gradients: [Tensor]) -> [Tensor])?
    /// The processes of a data-parallel run; `nil` for one process.
    public let communicator: Communicator?
    /// This process's slice of every global batch.
    public let shard: DataShard
    /// The gradient all-reduce of a data-parallel run (its byte counts).
    public let allReduce: GradientAllReduce?
    /// The fixed inputs of every sample picture.
    public let previews: PreviewInputs
    /// The toy mixture, when training on one (for scatter plots).
    let toy: ToyMixture?
    private var lastCheckpoint: (url: URL, step: Int)?
    /// The event files of the current `train` call; `nil` when off, or after a write failed.
    private var tensorboard: TensorBoardWriter?
    /// Steps after the start of `train` at which the first line is logged when `logEvery` is
    /// larger: measuring changes no number of the step, so an extra line is free.
    public static let firstLogStep = 5
    private let baseLearningRates: [Float]

    /// A fresh run: the model initialised from `run.seed`, the trainer's RNG from `seed + 1`,
    /// the batches of domain k from `seed + 2` (+ k·1,000,003).
    ///
    /// - Parameters:
    ///   - datasets: The training data, one per domain.
    ///   - previews: Held-out data per domain whose first images the sample pictures of a
    ///     translation model show (default: the training data).
    ///   - communicator: The processes of a data-parallel run (`run.batchSize` is the global
    ///     batch and must split evenly among them); `nil`: this process alone.
    public init(run: RunSettings, model config: any ModelConfiguration, datasets: [Dataset], previews: [Dataset]? = nil,
                folder: RunFolder, reporter: ProgressReporter = ProgressReporter(style: .silent),
                communicator: Communicator? = nil) throws {
        try run.validate()
        let shard = communicator.map { DataShard(rank: $0.rank, count: $0.size) } ?? .whole
        try shard.check(batchSize: run.batchSize)
        self.communicator = communicator
        self.shard = shard
        allReduce = communicator.map { GradientAllReduce(communicator: $0) }
        gradientHook = allReduce?.hook
        self.run = run
        self.modelConfig = config
        self.folder = folder
        self.reporter = reporter
        var initRNG = RandomGenerator(seed: run.seed)
        model = try config.makeModel(using: &initRNG)
        let global = try DomainBatchers(datasets: datasets, batchSize: run.batchSize, seed: run.seed &+ 2)
        batches = shard.count > 1 ? ShardedBatches(global, shard: shard) : global
        rng = RandomGenerator(seed: run.seed &+ 1)
        if case .toy(let name) = run.data.source { toy = ToyMixture.named(name) } else { toy = nil }
        self.previews = PreviewInputs(seed: run.seed, samples: (previews ?? datasets).map { Trainer.previewSamples(of: $0) })
        baseLearningRates = model.optimizers.map(\.optimizer.learningRate)
    }

    /// A one-domain run.
    public convenience init(run: RunSettings, model config: any ModelConfiguration, dataset: Dataset, folder: RunFolder,
                            reporter: ProgressReporter = ProgressReporter(style: .silent)) throws {
        try self.init(run: run, model: config, datasets: [dataset], folder: folder, reporter: reporter)
    }

    /// Eight samples spread evenly over `data` (images only).
    static func previewSamples(of data: Dataset, count: Int = 8) -> Tensor {
        guard data.isImage, data.count > 0 else { return Tensor.zeros([0]) }
        let n = Swift.min(count, data.count)
        return data.samples(at: (0..<n).map { $0 * data.count / n })
    }

    /// The state a checkpoint stores besides the tensors.
    public var state: TrainingState {
        TrainingState(family: run.family, step: step, rng: rng, batchers: batches.states, ranks: shard.count)
    }

    /// Continues from the newest readable checkpoint of the folder, if there is one.
    /// - Returns: a message saying where it resumed (and which files were skipped), or `nil`.
    @discardableResult
    public func resumeIfPossible() throws -> String? {
        if shard.isPrimary { Checkpoints.removeStaleTemporaries(in: folder) }
        guard let found = try Checkpoints.loadNewest(in: folder, into: model, family: run.family) else { return nil }
        guard found.state.ranks == shard.count else {
            throw ModelError.checkpoint("\(found.url.path) was written by a run of \(found.state.ranks) rank\(found.state.ranks == 1 ? "" : "s"), "
                + "this one has \(shard.count): each rank's batch slice, per-rank BatchNorm statistics and image pools depend "
                + "on the number of ranks, so resume with " + (found.state.ranks == 1 ? "one process (no mpirun)"
                    : "mpirun -np \(found.state.ranks) … --distributed mpi"))
        }
        do {
            try batches.restore(found.state.batchers)
        } catch {
            throw ModelError.checkpoint("\(found.url.path): \(error)")
        }
        step = found.state.step
        rng = found.state.rng
        lastCheckpoint = (found.url, step)
        if shard.isPrimary { folder.truncateMetrics(after: step) }
        var message = "resumed from \(found.url.path) at step \(step)"
        for reason in found.skipped { message += "\n  skipped unreadable checkpoint: \(reason)" }
        return message
    }

    /// Writes a checkpoint of the current state (rank 0 of a data-parallel run; the others
    /// return the path rank 0 writes).
    @discardableResult
    public func saveCheckpoint() throws -> URL {
        guard shard.isPrimary else {
            let url = folder.checkpointsURL.appendingPathComponent(Checkpoints.fileName(step: step))
            lastCheckpoint = (url, step)
            return url
        }
        let url = try Checkpoints.write(model: model, state: state, in: folder, keep: run.keepCheckpoints)
        lastCheckpoint = (url, step)
        withTensorBoard { try $0.flush() }
        return url
    }

    /// Writes the model's sample picture for the current step (to `samples/NAME.png` when a
    /// name is given), and logs it to TensorBoard: under `samples`, or a named picture under
    /// its own tag (`phase-14x14` → `phase/14x14`).
    public func writeSamples(name: String? = nil) throws {
        guard shard.isPrimary else { return }
        let path = name.map { folder.samplePath(name: $0) } ?? folder.samplePath(step: step)
        switch model.samplePicture(previews) {
        case let .grid(images, perRow):
            try SampleWriter.write(images, to: path, perRow: perRow)
        case let .points(points, labels):
            try SampleWriter.write(points, to: path, toy: toy, labels: labels)
        }
        logSamples(path, tag: name.map(TensorBoardWriter.tag(forPicture:)) ?? TensorBoardWriter.samplesTag)
    }

    /// The picture at `path` (the PNG bytes just written) as TensorBoard's image at this step.
    private func logSamples(_ path: String, tag: String = TensorBoardWriter.samplesTag) {
        guard tensorboard != nil, let png = FileManager.default.contents(atPath: path) else { return }
        withTensorBoard { $0.add(png: [UInt8](png), tag: tag, step: step) }
    }

    /// Runs `body` on the event writer; a failure is reported once and turns TensorBoard off
    /// for the rest of the call (metrics.jsonl and the checkpoints go on).
    private func withTensorBoard(_ body: (TensorBoardWriter) throws -> Void) {
        guard let writer = tensorboard else { return }
        do {
            try body(writer)
        } catch {
            reporter.line("warning: TensorBoard events are no longer written: \(error)")
            tensorboard = nil
        }
    }

    /// Trains until `run.steps` steps are done or `shouldStop` returns true.
    ///
    /// - Throws: `ModelError.nonFinite` (naming the last good checkpoint, which is left in
    ///   place) when a loss is NaN or infinite; checkpoint and sample write errors.
    public func train(shouldStop: () -> Bool = { false }) throws -> Outcome {
        let startStep = step
        // Lines of an attempt that never wrote a checkpoint would make the charts run backwards.
        if step == 0 && shard.isPrimary { folder.clearMetrics() }
        if run.tensorboard && shard.isPrimary {
            do {
                let config = String(decoding: try RunFolder.encode(run: run, model: modelConfig), as: UTF8.self)
                tensorboard = try TensorBoardWriter(folder: folder.tensorboardURL, startStep: step, config: config)
            } catch {
                reporter.line("warning: no TensorBoard events for this run: \(error)")
            }
        }
        defer {
            withTensorBoard { try $0.close() }
            tensorboard = nil
        }
        if step == 0 {
            // A restart from step 0 that kept its first grid still shows it in TensorBoard.
            if folder.sampleFiles().isEmpty { try writeSamples() } else { logSamples(folder.samplePath(step: 0)) }
        }
        var window = LogWindow()
        let started = Date()
        var lastStatus = ""
        var logged = false
        while step < run.steps {
            let factor = run.schedule.factor(step: step, total: run.steps)
            for ((_, optimizer), base) in zip(model.optimizers, baseLearningRates) { optimizer.learningRate = base * factor }
            if stopAgreed(shouldStop()) {
                reporter.finish()
                return .interrupted(step: step, checkpoint: try saveCheckpoint())
            }
            let early = !logged && step + 1 - startStep == Trainer.firstLogStep
            let measure = early || (step + 1) % run.logEvery == 0 || step + 1 == run.steps
            let context = StepContext(step: step, totalSteps: run.steps, measure: measure, rng: rng, source: batches,
                                      shard: shard, communicator: communicator)
            context.gradientHook = gradientHook
            let t0 = DispatchTime.now().uptimeNanoseconds
            let reduced = (calls: allReduce?.calls ?? 0, bytes: allReduce?.bytes ?? 0)
            var metrics: StepMetrics
            do {
                metrics = try model.trainingStep(context)
            } catch ModelError.nonFinite(let what) {
                reporter.finish()
                let kept = lastCheckpoint.map { "the last good checkpoint, \($0.url.path) (step \($0.step)), is kept" }
                    ?? "no checkpoint was written yet"
                throw ModelError.nonFinite("training stopped at step \(step + 1): \(what); \(kept). "
                    + "Resume with --resume, perhaps with a lower --lr.")
            }
            rng = context.rng
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if measure {
                for (phase, time) in context.phaseSeconds.sorted(by: { $0.key < $1.key }) {
                    metrics.measure("time_\(phase)_ms", Float(time * 1000), label: "\(phase) ms")
                }
                if let allReduce {
                    metrics.measure("allreduce_calls", Float(allReduce.calls - reduced.calls), label: "all-reduces")
                    metrics.measure("allreduce_bytes", Float(allReduce.bytes - reduced.bytes), label: "bytes")
                    metrics.measure("time_step_ms", Float(seconds * 1000), label: "step ms")
                }
            }
            step += 1
            window.add(metrics, seconds: seconds, processes: shard.count)
            // The bar's status before a log line empties the window (it showed 0 img/s then).
            if step % 10 == 0 || step == run.steps {
                lastStatus = metrics.losses.map { "\($0.label) " + String(format: "%.3f", $0.value) }.joined(separator: " ")
                    + String(format: " %.0f img/s", window.rate)
            }
            if measure {
                log(metrics, window: window, elapsed: Date().timeIntervalSince(started), stepsDone: step - startStep)
                window = LogWindow()
                logged = true
            }
            reporter.progress(step: step, total: run.steps, startStep: startStep, status: lastStatus)
            if let evaluation, shard.isPrimary, step % evaluation.every == 0 || step == run.steps { evaluate(evaluation) }
            if step % run.sampleEvery == 0 || step == run.steps { try writeSamples() }
            if let name = metrics.pictureName { try writeSamples(name: name) }
            if step % run.checkpointEvery == 0 || step == run.steps { try saveCheckpoint() }
        }
        reporter.finish()
        if lastCheckpoint?.step != step { try saveCheckpoint() }
        return .completed(checkpoint: lastCheckpoint!.url)
    }

    /// Whether any rank was asked to stop (each rank's flag summed across ranks, every step),
    /// so all stop after the same step; `local` alone for one process.
    private func stopAgreed(_ local: Bool) -> Bool {
        guard let communicator, communicator.size > 1 else { return local }
        return communicator.summed([local ? 1.0 : 0.0])[0] > 0
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
        withTensorBoard { $0.add(metrics: line, step: step) }
    }

    /// One log line; `elapsed` seconds for `stepsDone` steps since `train` began give the ETA.
    private func log(_ m: StepMetrics, window: LogWindow, elapsed: Double, stepsDone: Int) {
        let eta = elapsed / Double(Swift.max(stepsDone, 1)) * Double(run.steps - step)
        var values: [String: Any] = ["step": step, "epoch": batches.epoch,
                                     "images_per_second": window.rate, "elapsed_s": elapsed, "eta_s": eta]
        var text = "step \(step)/\(run.steps)  epoch \(batches.epoch)"
        var losses = window.meanLosses, measured = m.measurements.map { ($0.key, $0.label, Double($0.value)) }
        if let communicator, communicator.size > 1 {
            // The ranks' values averaged: each rank's loss is the mean over an equal slice, so
            // this is the global batch's loss, as one process would log it.
            let mean = communicator.summed(losses.map(\.2) + measured.map(\.2)).map { $0 / Double(communicator.size) }
            losses = zip(losses, mean).map { ($0.0, $0.1, $1) }
            measured = zip(measured, mean.dropFirst(losses.count)).map { ($0.0, $0.1, $1) }
        }
        for (key, label, mean) in losses {
            values[key] = mean
            text += "  \(label) " + String(format: "%.4f", mean)
        }
        for (key, label, value) in measured {
            values[key] = value
            text += "  \(label) " + String(format: "%.3g", value)
        }
        // The rates this step used (`optimizer_g` → `lr_g`), for schedules.
        for (name, optimizer) in model.optimizers {
            let short = name.hasPrefix("optimizer_") ? String(name.dropFirst("optimizer_".count)) : name
            values["lr_" + short] = Double(optimizer.learningRate)
        }
        text += String(format: "  %.0f img/s", window.rate)
            + "  elapsed \(ProgressReporter.clock(elapsed))  ETA \(ProgressReporter.clock(eta))"
        guard shard.isPrimary else { return }
        folder.appendMetrics(values)
        withTensorBoard { writer in
            writer.add(metrics: values, step: step)
            try writer.flushIfDue()
        }
        reporter.line(text)
    }
}

/// The losses and throughput of the steps since the last log line.
private struct LogWindow {
    var sums: [(key: String, label: String, sum: Double)] = []
    var steps = 0
    var samples = 0
    var seconds = 0.0

    /// `processes`: ranks of a data-parallel run, each with `metrics.realSamples` samples.
    mutating func add(_ metrics: StepMetrics, seconds: Double, processes: Int = 1) {
        for loss in metrics.losses {
            if let i = sums.firstIndex(where: { $0.key == loss.key }) {
                sums[i].sum += Double(loss.value)
            } else {
                sums.append((loss.key, loss.label, Double(loss.value)))
            }
        }
        steps += 1
        samples += metrics.realSamples * processes
        self.seconds += seconds
    }

    var rate: Double { Double(samples) / Swift.max(seconds, 1e-9) }
    var meanLosses: [(String, String, Double)] { sums.map { ($0.key, $0.label, $0.sum / Double(Swift.max(steps, 1))) } }
}
