import ArgumentParser
import Dispatch
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

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a GAN family on a data set, into a run folder.",
        discussion: """
        The run folder holds config.json (everything that shapes the run),
        checkpoints/, samples/step-NNNNNN.png (from fixed latents), metrics.jsonl and
        tensorboard/ (event files: `tensorboard --logdir runs` shows every run's
        scalars, sample grids and config). Ctrl-C, SIGTERM and SIGHUP finish the step,
        write a checkpoint and stop; --resume continues exactly there.

        On --resume, what shapes the training (data, seed, batch size, preset, family
        options, learning-rate decay) comes from config.json and cannot change; output
        options (--sample-every, --checkpoint-every, --log-every, --keep-checkpoints,
        --eval-*, --no-tensorboard, --tensorboard) and a larger --steps or --epochs
        total are applied and saved.

        Examples:
          gan train dcgan --data fashion-mnist --epochs 2
          gan train gan --data toy:ring8
          gan train wgan-gp --data toy:ring8 --steps 2000 --out runs/ring-gp
          gan train wgan-gp --data fashion-mnist --steps 5000 \\
              --gp-weight 10 --n-critic 5
          gan train cgan --data fashion-mnist --epochs 2 --out runs/cgan
          gan train gan --data fashion-mnist --loss minimax --preset mnist
          gan train dcgan --out runs/dcgan-dcgan28 --resume --steps 4000
          gan train dcgan --data fashion-mnist \\
              --eval-every 500 --eval-metrics fid,kid
          gan train dcgan --preset dcgan64 --data folder:~/faces
          mpirun -np 2 gan train dcgan --data fashion-mnist --distributed mpi \\
              --sync-bn

        Data-parallel (--distributed mpi, one process per rank under Open MPI's
        mpirun): every rank deals the global --batch-size batch from the shared
        seed and trains on its slice; gradients are averaged in one all-reduce
        per optimiser step, so all ranks keep the same weights; rank 0 writes the
        run folder. A run resumes with the same number of ranks. A signal to any
        rank stops all after the same step with a checkpoint; mpirun itself, sent
        Ctrl-C or SIGTERM, kills the ranks about 1 s after passing it on.

        Family options (each family takes only its own; see `gan list`):
        \(familyOptionHelp())
        """
    )

    @Argument(help: ArgumentHelp("The family: \(Families.all.map { $0.name }.joined(separator: ", ")) (see `gan list`)."))
    var family: String

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The family's own options (see below and `gan list`).", valueName: "family options"))
    var familyArguments: [String] = []

    @Option(help: "The data: fashion-mnist, fashion-mnist:DIR, mnist:DIR, cifar10:DIR, folder:DIR, npy:FILE, toy:ring8, toy:grid25, ... (see `gan list`).")
    var data: String?

    @Option(help: "A named configuration of the family (see `gan list`); default: the family's preset for the data. An explicit preset whose image channels differ from the data's is refused (see --convert-channels); a resize is noted.")
    var preset: String?

    @Flag(help: "Let --preset convert the data's channels (grey to RGB or RGB to grey).")
    var convertChannels = false

    @Option(help: "Generator steps in total (default: 1 epoch for images, 3000 for toy data); on --resume, a new total above the current step.")
    var steps: Int?

    @Option(help: "Epochs of the data instead of --steps (one epoch = batches per epoch / D steps per G step).")
    var epochs: Double?

    @Option(help: "Samples per batch (default 64 for images, 256 for toy data).")
    var batchSize: Int?

    @Option(help: "Seeds the weights, the latents, the batches and the fixed sample latents (default 0).")
    var seed: UInt64?

    @Option(help: "The run folder (default runs/FAMILY-PRESET).", transform: FileIO.expandingTilde)
    var out: String?

    @Flag(help: "Continue the run in --out from its newest readable checkpoint.")
    var resume = false

    @Option(help: "Write a sample grid every K steps, K > 0 (default: steps/10, at least 50).")
    var sampleEvery: Int?

    @Option(help: "Write a checkpoint every K steps, K > 0 (default: as --sample-every).")
    var checkpointEvery: Int?

    @Option(help: "Log losses, D outputs, gradient norms, images/s, elapsed time and ETA every K steps, K > 0 (default 50; the first line comes after 5 steps).")
    var logEvery: Int?

    @Option(help: "Step checkpoints to keep (0 keeps all; default 3).")
    var keepCheckpoints: Int?

    @Option(help: "Two-domain families (cyclegan, cogan): the data of domain B, e.g. fashion-mnist@ankle-boot or fashion-mnist|negative.")
    var dataB: String?

    @Option(help: "Learning-rate schedule of every optimiser: none, or linear (down to 0 at the last step); default linear for toy data, none for images.")
    var lrDecay: String?

    @Option(help: "--lr-decay linear: the fraction of the run after which the decay starts (CycleGAN: 0.5).")
    var lrDecayStart: Double?

    @Option(help: "Evaluate every K steps, K > 0, and after the last (see `gan eval`), logging {\"step\", \"eval\": {...}} to metrics.jsonl.")
    var evalEvery: Int?

    @Option(help: "With --eval-every: comma-separated metrics (fid, kid, pr, is, acc; default fid).")
    var evalMetrics: String?

    @Option(help: "With --eval-every: generated images per evaluation (from fixed latents, seed + 4), and reference images (default 2000).")
    var evalCount: Int?

    @Option(help: "With --eval-every: the feature network, classifier or inception (default: classifier for 1×28×28 data, else inception).")
    var evalFeatures: String?

    @Flag(help: "Write no TensorBoard event files (default: RUN/tensorboard/, the values of metrics.jsonl, the sample grids and the config).")
    var noTensorboard = false

    @Flag(help: "Write TensorBoard event files (the default): on --resume of a run saved with --no-tensorboard, turns them back on from the restored step.")
    var tensorboard = false

    @Option(help: "Data-parallel training: 'mpi', one process per rank under `mpirun -np N` (Open MPI, loaded at run time; see `gan info`). --batch-size is the global batch, split evenly; rank 0 writes the run folder.")
    var distributed: String?

    @Flag(help: "With --distributed: BatchNorm layers normalise with every rank's batch together (default: each rank's own slice).")
    var syncBn = false

    @Option(help: "With --distributed: seconds a rank waits for the others in an all-reduce before it stops the job (default 300; more than rank 0's longest evaluation or checkpoint).")
    var mpiTimeout: Double?

    func validate() throws {
        // One rule for every option: applied, or refused here with the reason.
        for (name, value) in [("--steps", steps), ("--batch-size", batchSize), ("--sample-every", sampleEvery),
                              ("--checkpoint-every", checkpointEvery), ("--log-every", logEvery),
                              ("--eval-every", evalEvery)] {
            if let value, value <= 0 { throw ValidationError("\(name) must be positive, got \(value)") }
        }
        if let epochs, !(epochs > 0) { throw ValidationError("--epochs must be positive, got \(epochs)") }
        if steps != nil && epochs != nil {
            throw ValidationError("--steps and --epochs both set the length of the run: give one of them")
        }
        if let keepCheckpoints, keepCheckpoints < 0 {
            throw ValidationError("--keep-checkpoints must be 0 (keep all) or more, got \(keepCheckpoints)")
        }
        if tensorboard && noTensorboard {
            throw ValidationError("--tensorboard and --no-tensorboard contradict each other: give one of them")
        }
        if let evalCount, evalCount < 2 { throw ValidationError("--eval-count must be at least 2, got \(evalCount)") }
        if let distributed, distributed != "mpi" {
            throw ValidationError("--distributed must be mpi (processes started by mpirun), got '\(distributed)'")
        }
        if distributed == nil, let given = [syncBn ? "--sync-bn" : nil, mpiTimeout.map { _ in "--mpi-timeout" }].compactMap({ $0 }).first {
            throw ValidationError("\(given) applies to data-parallel training: add --distributed mpi and start with mpirun -np N")
        }
        if let mpiTimeout, !(mpiTimeout > 0) { throw ValidationError("--mpi-timeout must be positive seconds, got \(mpiTimeout)") }
    }

    /// The `--eval-*` options given besides `--eval-every`, by name.
    var evaluationDetailsGiven: [String] {
        [evalMetrics.map { _ in "--eval-metrics" }, evalCount.map { _ in "--eval-count" },
         evalFeatures.map { _ in "--eval-features" }].compactMap { $0 }
    }

    /// The run's evaluation: `saved` (from config.json, `nil` on a fresh run) changed by the
    /// `--eval-*` options given.
    func evaluationSettings(saved: RunEvaluation?) throws -> RunEvaluation? {
        guard let every = evalEvery ?? saved?.every else {
            if let first = evaluationDetailsGiven.first {
                throw ModelError.invalidOption("\(first) sets up evaluation during training, which needs --eval-every K "
                    + "(e.g. --eval-every 500)" + (resume ? "; the run does not evaluate yet" : ""))
            }
            return nil
        }
        var settings = saved ?? RunEvaluation(every: every)
        settings.every = every
        if let evalMetrics { settings.metrics = evalMetrics }
        if let evalCount { settings.count = evalCount }
        if let evalFeatures { settings.features = evalFeatures }
        return settings
    }

    func run() throws {
        guard distributed != nil else { return try train(communicator: nil) }
        let communicator = try startMPI()
        do {
            try train(communicator: communicator)
        } catch let exit as ExitCode where exit.rawValue == 130 {
            communicator.finish()
            throw exit
        } catch {
            // The others wait in an all-reduce that will not come: stop them too.
            communicator.stop("Error: \(error)")
        }
        communicator.finish()
    }

    func train(communicator: MPICommunicator?) throws {
        let family = try Families.named(self.family)
        let folder: RunFolder
        var settings: RunSettings
        var config: any ModelConfiguration
        let shard = communicator.map { DataShard(rank: $0.rank, count: $0.size) } ?? .whole
        let reporter = shard.isPrimary ? ProgressReporter() : ProgressReporter(style: .silent)

        if resume {
            guard let out else {
                throw ValidationError("--resume needs --out DIR, the run folder to continue")
            }
            folder = RunFolder(path: out)
            guard folder.exists else {
                throw ModelError.run("\(folder.url.path): no run to resume (no config.json); start one without --resume")
            }
            let saved = try folder.readConfig()
            guard saved.family.name == family.name else {
                throw ModelError.run("\(folder.url.path): the run is of family '\(saved.family.name)', not '\(family.name)'")
            }
            // Options that shape the training are the run's own (config.json); one given with
            // the saved value changes nothing and is accepted.
            let path = folder.url.path
            if let data, (try DataSpec(parsing: data)) != saved.run.data {
                throw ModelError.run("\(path): the run trains on '\(saved.run.data)' (in config.json), not '\(data)': "
                    + "the data cannot change on --resume; resume without --data, or start a new run with --out")
            }
            if let dataB, (try DataSpec(parsing: dataB)) != saved.run.dataB {
                throw ModelError.run("\(path): the run's domain B is '\(saved.run.dataB.map { "\($0)" } ?? "none")' (in config.json), "
                    + "not '\(dataB)': the data cannot change on --resume; resume without --data-b, or start a new run with --out")
            }
            if let seed, seed != saved.run.seed {
                throw ModelError.run("\(path): the run's seed is \(saved.run.seed) (in config.json), not \(seed): the seed drew "
                    + "the weights, batches and latents, so it cannot change on --resume; resume without --seed, "
                    + "or start a new run with --out")
            }
            let given = try FamilyOptionValues(arguments: familyArguments, family: family)
            if let first = given.given.first {
                throw ModelError.run("\(path): --\(first.name) cannot change on --resume (the model config is in config.json); "
                    + "start a new run with --out to train with other options")
            }
            if let preset, preset != saved.run.preset {
                throw ModelError.run("\(path): the run's preset is '\(saved.run.preset)' (in config.json), not '\(preset)': "
                    + "the preset cannot change on --resume; resume without --preset, or start a new run with --out")
            }
            if let batchSize, batchSize != saved.run.batchSize {
                throw ModelError.run("\(path): the run's batch size is \(saved.run.batchSize) (in config.json), not \(batchSize): "
                    + "the batch size cannot change on --resume; resume without --batch-size, or start a new run with --out")
            }
            if lrDecay != nil || lrDecayStart != nil {
                throw ModelError.run("\(path): --lr-decay cannot change on --resume (the schedule is in config.json); start a new run with --out")
            }
            if convertChannels {
                throw ModelError.run("\(path): --convert-channels applies when a run starts; the run's data shape is in config.json")
            }
            try checkResume(saved.run, path: path, shard: shard)
            var run = saved.run
            if let steps { run.steps = steps }
            if let sampleEvery { run.sampleEvery = sampleEvery }
            if let checkpointEvery { run.checkpointEvery = checkpointEvery }
            if let logEvery { run.logEvery = logEvery }
            if let keepCheckpoints { run.keepCheckpoints = keepCheckpoints }
            if noTensorboard { run.tensorboard = false }
            if tensorboard { run.tensorboard = true }
            run.evaluation = try evaluationSettings(saved: saved.run.evaluation)
            settings = run
            config = saved.model
        } else {
            guard let data else { throw ValidationError("--data is required (e.g. --data fashion-mnist or --data toy:ring8)") }
            let spec = try DataSpec(parsing: data)
            let isToy: Bool
            if case .toy = spec.source { isToy = true } else { isToy = false }
            let presetName = preset ?? family.defaultPreset(forToyData: isToy)
            config = try Families.preset(presetName, of: family)
            try config.apply(try FamilyOptionValues(arguments: familyArguments, family: family))
            var specB: DataSpec?
            if family.domainCount == 2 {
                guard let dataB else {
                    throw ValidationError("\(family.name) translates between two domains: give --data-b SPEC too (e.g. --data fashion-mnist@sneaker --data-b fashion-mnist@ankle-boot)")
                }
                specB = try DataSpec(parsing: dataB)
            } else if dataB != nil {
                throw ValidationError("--data-b is for two-domain families (\(Families.all.filter { $0.domainCount == 2 }.map { $0.name }.joined(separator: ", "))); \(family.name) trains on --data alone")
            }
            let schedule: LearningRateSchedule
            switch lrDecay {
            case nil where lrDecayStart == nil:
                schedule = family.defaultSchedule ?? (isToy ? .linear(start: 0) : .constant)
            case nil, "linear":
                schedule = .linear(start: lrDecayStart ?? 0)
            case "none":
                guard lrDecayStart == nil else { throw ValidationError("--lr-decay-start needs --lr-decay linear") }
                schedule = .constant
            case let other?:
                throw ValidationError("--lr-decay must be linear or none, got '\(other)'")
            }
            folder = RunFolder(path: out ?? "runs/\(family.name)-\(presetName)")
            if folder.exists {
                throw ModelError.run("\(folder.url.path) already holds a run: continue it with --resume, or choose another --out")
            }
            settings = RunSettings(family: family.name, preset: presetName, data: spec, dataB: specB, seed: seed ?? 0,
                                   batchSize: batchSize ?? family.defaultBatchSize ?? (isToy ? 256 : 64), steps: steps ?? 0,
                                   logEvery: logEvery ?? 50, sampleEvery: sampleEvery ?? 0,
                                   checkpointEvery: checkpointEvery ?? 0, keepCheckpoints: keepCheckpoints ?? 3,
                                   schedule: schedule, evaluation: try evaluationSettings(saved: nil),
                                   tensorboard: !noTensorboard,
                                   dataParallel: communicator.map { DataParallelSettings(ranks: $0.size, syncBatchNorm: syncBn) })
            for spec in settings.dataSpecs {
                try checkShape(of: spec, for: config.dataRequirements, preset: presetName, seed: settings.seed,
                               reporter: reporter)
            }
        }

        let datasets = try settings.dataSpecs.map { try loadData($0, requirements: config.dataRequirements, seed: settings.seed) }
        // Two-domain sample pictures show held-out images (the test split when there is one).
        let previews = family.domainCount == 1 ? nil : try zip(settings.dataSpecs, datasets).map { spec, data -> Dataset in
            EvaluationSetup.hasTestSplit(spec)
                ? try loadData(spec, requirements: config.dataRequirements, seed: settings.seed, split: .test) : data
        }
        let dataset = datasets[0]
        var run = settings
        let perEpoch = Swift.max(1, dataset.count / Swift.max(run.batchSize, 1) / max(1, config.batchesPerStep))
        // --epochs sets the total, on a fresh run as on --resume.
        if let epochs { run.steps = Swift.max(1, Int((epochs * Double(perEpoch)).rounded())) }
        if !resume {
            try config.adapt(to: datasets)
            if steps == nil && epochs == nil { run.steps = dataset.isImage ? perEpoch : 3000 }
            if run.sampleEvery == 0 { run.sampleEvery = Swift.max(50, run.steps / 10) }
            if run.checkpointEvery == 0 { run.checkpointEvery = run.sampleEvery }
        }
        try run.validate()

        let trainer = try Trainer(run: run, model: config, datasets: datasets, previews: previews,
                                  folder: folder, reporter: reporter, communicator: communicator)
        if let communicator, run.dataParallel?.syncBatchNorm == true {
            try synchronizeBatchNorm(of: trainer.model, across: communicator, family: family.name, preset: run.preset)
        }
        var resumedFrom: String?
        if resume {
            resumedFrom = try trainer.resumeIfPossible()
            if steps != nil || epochs != nil, run.steps <= trainer.step {
                let asked = steps.map { "--steps \($0)" } ?? "--epochs \(epochs!) (\(run.steps) step\(run.steps == 1 ? "" : "s"))"
                throw ModelError.run("\(folder.url.path): the run is at step \(trainer.step); \(asked) would train nothing: "
                    + "give a larger total (--steps counts all the run's steps, not more steps)")
            }
        }
        // Set up (and check) the evaluation before config.json is written, so a wrong --eval-*
        // option leaves nothing behind.
        let evaluation = shard.isPrimary ? try run.evaluation.map { try trainingEvaluation($0, run: run, config: config) } : nil
        // Every rank has checked the folder before rank 0 creates it.
        if let communicator { _ = communicator.summed([0.0]) }
        if shard.isPrimary {
            if !resume { try folder.create() }
            try folder.writeConfig(run: run, model: config)
        }
        if resume {
            reporter.line(resumedFrom ?? "\(folder.url.path): no checkpoint yet; starting from step 0")
        }
        let described = zip(run.dataSpecs, datasets).map { "\($0) [\($1.count) samples of \($1.sampleShape)]" }
        reporter.line("\(family.name) (\(run.preset)) on \(described.joined(separator: " ↔ ")), "
                      + "batch \(run.batchSize), steps \(trainer.step) → \(run.steps), seed \(run.seed)"
                      + (run.schedule == .constant ? "" : ", lr decay \(run.schedule.summary)"))
        if let communicator {
            reporter.line("  data-parallel: \(communicator.size) ranks (Open MPI), \(run.batchSize / communicator.size) samples each, "
                          + (run.dataParallel?.syncBatchNorm == true ? "synchronised BatchNorm" : "per-rank BatchNorm statistics")
                          + ", all-reduce timeout \(Int(communicator.timeout)) s")
        }
        for line in config.summaryLines { reporter.line("  " + line) }
        reporter.line("  " + trainer.model.parameterSummary)
        reporter.line("  run folder: \(folder.url.path)")
        reporter.line("  every \(run.logEvery) steps a log line, every \(run.sampleEvery) a sample grid, "
                      + "every \(run.checkpointEvery) a checkpoint (keeping "
                      + (run.keepCheckpoints == 0 ? "all" : "\(run.keepCheckpoints)") + ")")
        if run.tensorboard {
            reporter.line("  TensorBoard: tensorboard --logdir \(folder.tensorboardURL.path)")
        }
        if let evaluation {
            trainer.evaluation = evaluation.hook
            reporter.line("  " + evaluation.summary)
        }

        let stop = StopFlag()
        let sources = stop.install()
        defer { sources.forEach { $0.cancel() } }
        let outcome = try trainer.train(shouldStop: { stop.isSet })
        switch outcome {
        case .completed(let checkpoint):
            let last = folder.sampleFiles().last?.path ?? folder.samplesURL.path
            reporter.line("done: \(run.steps) steps; samples \(last); checkpoint \(checkpoint.path)")
            reporter.line(family.domainCount == 2 && !(trainer.model is any LatentModel)
                ? "translate with: gan translate --run \(folder.url.path) --direction a2b --input SPEC --out translated.png"
                : "sample with: gan sample --run \(folder.url.path) --out samples.png")
        case .interrupted(let step, let checkpoint):
            reporter.line("interrupted at step \(step): checkpoint written to \(checkpoint.path)")
            reporter.line("continue with: " + (communicator.map { "mpirun -np \($0.size) " } ?? "")
                          + "gan train \(family.name) --out \(folder.url.path) --resume"
                          + (communicator == nil ? "" : " --distributed mpi"))
            throw ExitCode(130)
        }
    }

    /// Refuses an explicit `--preset` whose image channels differ from those of the data (a
    /// silent grey → RGB conversion) unless `--convert-channels` says to; notes a resize, and
    /// any conversion the family's default preset makes.
    func checkShape(of spec: DataSpec, for requirements: DataRequirements, preset name: String, seed: UInt64,
                    reporter: ProgressReporter) throws {
        let native = try nativeShape(of: spec, seed: seed)
        if convertChannels {
            // Applied or refused: the flag must have a conversion to allow (folders convert as read).
            if case .toy = spec.source {
                throw ModelError.invalidOption("--convert-channels: \(spec) is 2-D points, there are no channels to convert")
            }
            if let native, native.count == 3, (requirements.channels ?? native[0]) == native[0] {
                throw ModelError.invalidOption("--convert-channels: \(name) takes \(native[0])-channel images as \(spec) gives them; "
                    + "there is nothing to convert")
            }
        }
        guard requirements.channels != nil || requirements.imageSize != nil,
              let native, native.count == 3 else { return }
        let channels = requirements.channels ?? native[0]
        let size = requirements.imageSize.map { [$0, $0] } ?? [native[1], native[2]]
        let wanted = [channels] + size
        guard wanted != native else { return }
        let shapes = "\(name) makes \(wanted.map(String.init).joined(separator: "×")) images, but \(spec) gives "
            + native.map(String.init).joined(separator: "×")
        if preset == nil {
            reporter.line("note: the default preset \(shapes); they are converted (choose --preset to say otherwise)")
        } else if channels != native[0] && !convertChannels {
            throw ModelError.invalidOption("--preset \(shapes): their channels would be converted "
                + "(\(native[0] == 1 ? "grey to RGB" : "RGB to grey")). Choose a preset for \(native[0])-channel images "
                + "(see `gan list`), or add --convert-channels to convert on purpose")
        } else {
            reporter.line("note: --preset \(shapes); they are converted")
        }
    }

    /// The shape of the samples `spec` gives as stored, before any resize or conversion: known
    /// for the standard sets, read for IDX and NumPy files; `nil` for folders (whose images are
    /// shaped as they are read) and toy points.
    func nativeShape(of spec: DataSpec, seed: UInt64) throws -> [Int]? {
        switch spec.source {
        case .fashionMNIST, .mnist, .kmnist: return [1, 28, 28]
        case .cifar10, .cifar100: return [3, 32, 32]
        case .folder, .toy: return nil
        case .idx, .npy: return try spec.load(DataLoadOptions(seed: seed)).sampleShape
        }
    }

    /// The evaluation hook for the run's `evaluation` (`--eval-every`) and a line that describes
    /// it: an `Evaluator` with its reference features ready (the run's data, test split when it
    /// has one), sampling `count` fixed latents (seed + 4). Everything that can go wrong is
    /// checked here, on a model built from `config`, before the first step.
    func trainingEvaluation(_ settings: RunEvaluation, run: RunSettings, config: any ModelConfiguration) throws
        -> (hook: TrainingEvaluation, summary: String) {
        let every = settings.every, evalCount = settings.count
        var probeRNG = RandomGenerator(seed: run.seed)
        guard let probe = try config.makeModel(using: &probeRNG) as? any LatentModel else {
            throw ValidationError("--eval-every measures a model that generates from latents; \(run.family) translates images")
        }
        guard probe.dataShape.count == 3 else {
            throw ValidationError("--eval-every measures images; \(run.data) gives points (toy runs report mode coverage in `gan sample`)")
        }
        let metricList = try EvaluationMetric.list(parsing: settings.metrics)
        if metricList.contains(.accuracy) {
            guard probe.classCount > 0 else {
                throw MetricsError("acc", "class accuracy needs a conditional family (cgan) that generates chosen classes; \(run.family) is unconditional")
            }
            guard case .fashionMNIST = run.data.source, run.data.classes == nil, probe.classCount == FashionClassifier.classCount else {
                throw MetricsError("acc", "the classifier judges the 10 Fashion-MNIST classes; this run trains on \(run.data)")
            }
        }
        let kind = try settings.features.map { try FeatureNetworkKind(parsing: $0) }
            ?? FeatureNetworkKind.defaultKind(forImageShape: probe.dataShape)
        let options = EvaluationOptions(metrics: metricList, features: kind, seed: run.seed &+ 4)
        let evaluator = try Evaluator(options: options)
        var reference: EvaluationImages?
        if options.needsFeatures {
            reference = try EvaluationSetup.reference(run.data, split: EvaluationSetup.hasTestSplit(run.data) ? .test : .train,
                                                      shape: probe.dataShape, count: nil, defaultCount: evalCount)
        }
        var rng = RandomGenerator(seed: run.seed &+ 4)
        let z = probe.latents(count: evalCount, using: &rng)
        let count = evalCount
        func images(_ model: any LatentModel) -> EvaluationImages {
            EvaluationImages.generated(name: "generated images", count: count, imageShape: model.dataShape,
                                       classCount: model.classCount) { range, labels in
                model.generate(z.slice(axis: 0, start: range.lowerBound, end: range.upperBound), labels: labels)
            }
        }
        try evaluator.check(images(probe), reference: reference)
        var logged: [String: Any] = ["metrics": metricList.map(\.rawValue), "features": kind.rawValue, "count": count]
        var summary = "eval: \(metricList.map(\.rawValue).joined(separator: ",")) every \(every) steps on \(count) samples"
        if let reference {
            let progress = StderrProgress()
            let features = try evaluator.referenceFeatures(reference) { progress.update($0) }
            progress.finish()
            summary += ", \(kind.rawValue) features; reference \(reference.name): features cache "
                + "\(features.source.description), \(String(format: "%.1f", features.seconds)) s"
            logged["reference"] = reference.name
            logged["reference_count"] = reference.count
        }
        let hook = TrainingEvaluation(every: every, settings: logged) { model in
            guard let model = model as? any LatentModel else { throw ValidationError("--eval-every: the model does not generate from latents") }
            return try evaluator.evaluate(images(model), reference: reference).values
        }
        return (hook, summary)
    }
}

/// Reads the data for a model: resized and converted for convolutional networks. When the
/// default Fashion-MNIST is missing, installs Debian's package as root, or says how.
func loadData(_ spec: DataSpec, requirements: DataRequirements, seed: UInt64, split: DataSplit = .train) throws -> Dataset {
    if case .fashionMNIST(nil) = spec.source,
       !FileManager.default.fileExists(atPath: DataSpec.debianFashionMNISTDirectory + "/train-images-idx3-ubyte.gz"),
       !FileManager.default.fileExists(atPath: DataSpec.debianFashionMNISTDirectory + "/train-images-idx3-ubyte") {
        try installFashionMNIST()
    }
    if case .toy = spec.source, !requirements.acceptsPoints {
        throw ModelError.dataMismatch("""
            \(spec) gives 2-D points, but these networks need images; \
            train `gan` or `wgan-gp` (or another family with --preset toy) on toy data
            """)
    }
    let options = DataLoadOptions(split: split, imageSize: requirements.imageSize, channels: requirements.channels, seed: seed)
    return try spec.load(options)
}

/// Installs Debian's `dataset-fashion-mnist` as root, or says how (and how to point at a folder).
func installFashionMNIST() throws {
    try installDebianPackages(["dataset-fashion-mnist"], reason: """
        Fashion-MNIST is not installed (expected \(DataSpec.debianFashionMNISTDirectory); or pass --data \
        fashion-mnist:DIR with a folder holding train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz)
        """)
}

/// Set by SIGINT (Ctrl-C), SIGTERM (`kill`, `timeout`, schedulers, container stops) or SIGHUP (a
/// closed terminal or SSH session); the training loop checks it between steps and writes a
/// checkpoint. A second signal exits at once.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }

    /// Handles SIGINT, SIGTERM and SIGHUP until the returned sources are cancelled.
    func install() -> [DispatchSourceSignal] {
        [SIGINT, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                lock.lock()
                let again = value
                value = true
                lock.unlock()
                if again { _exit(130) }
                let name = number == SIGINT ? "Ctrl-C" : number == SIGTERM ? "SIGTERM" : "SIGHUP"
                FileHandle.standardError.write(Data("\n\(name): stopping after this step and writing a checkpoint (signal again to quit at once)\n".utf8))
            }
            source.resume()
            return source
        }
    }
}
