import Foundation
import GANData
import GANLayers
import GANTensor
import GANTestSupport
import Testing
@testable import GANModels

/// What a data-parallel run computes, checked in one process: ranks are threads with a
/// `ThreadCommunicator`, so no MPI is needed (`scripts/check_mpi.sh` runs the same under
/// `mpirun`).
@Suite(.serialized) struct DataParallelTests {
    @Test func aShardIsItsRowsOfTheGlobalBatch() throws {
        let shard = DataShard(rank: 1, count: 4)
        #expect(shard.rows(ofGlobal: 8) == 2..<4)
        #expect(!shard.isPrimary && DataShard(rank: 0, count: 4).isPrimary)
        let global = Tensor((0..<16).map(Float.init), shape: [8, 2])
        #expect(shard.slice(global).scalars == [4, 5, 6, 7])
        #expect(shard.slice(Array(10..<18)) == [12, 13])
        let batch = shard.slice(Batch(samples: global, labels: Array(0..<8), indices: Array(100..<108), epoch: 2, index: 3))
        #expect(batch.samples.shape == [2, 2] && batch.labels == [2, 3] && batch.indices == [102, 103] && batch.epoch == 2)
        #expect(DataShard.whole.slice(global).scalars == global.scalars)
    }

    @Test func aBatchThatDoesNotSplitEvenlyIsRefusedWithAnExample() throws {
        #expect(throws: ModelError.invalidOption("--batch-size 63 is the global batch, dealt out in equal slices to 2 ranks: "
                                                 + "it must be a multiple of 2 (e.g. 62)")) {
            try DataShard(rank: 0, count: 2).check(batchSize: 63)
        }
        #expect(throws: ModelError.self) { try DataShard(rank: 0, count: 4).check(batchSize: 2) }
        try DataShard(rank: 1, count: 4).check(batchSize: 64)
    }

    @Test func gradientsPackIntoOneFlatBufferInOrder() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]), b = Tensor([7], shape: [1]), c = Tensor([8, 9], shape: [2, 1, 1])
        let flat = FlatGradients.pack([a, b, c])
        #expect(flat == (1...9).map(Float.init))
        let back = FlatGradients.unpack(Tensor(flat, shape: [9]), shapes: [a.shape, b.shape, c.shape])
        #expect(back.map(\.shape) == [[2, 3], [1], [2, 1, 1]])
        #expect(back.map(\.scalars) == [a.scalars, b.scalars, c.scalars])
        #expect(FlatGradients.pack([]) == [])
    }

    @Test func theAllReduceAveragesEveryGradientInOneCall() throws {
        let results = try ThreadCommunicator.run(ranks: 2) { communicator -> ([[Float]], Int, Int) in
            let reduce = GradientAllReduce(communicator: communicator)
            let r = Float(communicator.rank)
            let averaged = reduce.averaged([Tensor([r, 10 * r], shape: [2]), Tensor([1 + r], shape: [1, 1])])
            return (averaged.map(\.scalars), reduce.calls, reduce.bytes)
        }
        for (values, calls, bytes) in results {
            #expect(values == [[0.5, 5], [1.5]])
            #expect(calls == 1 && bytes == 12)
        }
    }

    /// Two ranks drawing per-sample randomness get the rows one process draws for the whole
    /// batch, and their RNGs stay equal to its.
    @Test func perSampleDrawsAreTheGlobalBatchsRows() throws {
        let source = StepParityTests.FixedBatches([Tensor.zeros([1])])
        let whole = StepContext(step: 0, totalSteps: 1, measure: false, rng: RandomGenerator(seed: 3), source: source)
        let z = whole.perSample(6) { Tensor.randomNormal([$0, 4], using: &$1) }
        let noise = whole.perSampleList(6) { n, rng in [Tensor.randomUniform([n, 1, 2, 2], using: &rng)] }
        let parts = (0..<2).map { rank in
            let context = StepContext(step: 0, totalSteps: 1, measure: false, rng: RandomGenerator(seed: 3), source: source,
                                      shard: DataShard(rank: rank, count: 2))
            let z = context.perSample(3) { Tensor.randomNormal([$0, 4], using: &$1) }
            let noise = context.perSampleList(3) { n, rng in [Tensor.randomUniform([n, 1, 2, 2], using: &rng)] }
            return (z, noise[0], context.rng)
        }
        #expect(Tensor.concatenate([parts[0].0, parts[1].0], axis: 0).scalars == z.scalars)
        #expect(Tensor.concatenate([parts[0].1, parts[1].1], axis: 0).scalars == noise[0].scalars)
        #expect(parts[0].2 == whole.rng && parts[1].2 == whole.rng)
    }

    /// A small WGAN-GP run (the penalty's coefficients, several critic steps, linear LR decay)
    /// on the toy ring: 2 ranks × 8 end with the weights of 1 process × 16, and every rank
    /// with the same weights and RNG.
    func toyTrainer(folder: RunFolder, communicator: Communicator?) throws -> Trainer {
        let data = ToyMixture.named("ring8")!.dataset(count: 256, seed: 1)
        let run = RunSettings(family: "wgan-gp", preset: "toy", data: try DataSpec(parsing: "toy:ring8"), seed: 5,
                              batchSize: 16, steps: 4, logEvery: 2, sampleEvery: 100, checkpointEvery: 100,
                              schedule: .linear(start: 0), tensorboard: false,
                              dataParallel: communicator.map { DataParallelSettings(ranks: $0.size, syncBatchNorm: false) })
        if communicator?.rank ?? 0 == 0 {
            try folder.create()
            try folder.writeConfig(run: run, model: WGANGPConfig.toy)
        }
        return try Trainer(run: run, model: WGANGPConfig.toy, datasets: [data], folder: folder, communicator: communicator)
    }

    func weights(_ trainer: Trainer) -> [Float] {
        trainer.model.networks.flatMap { $0.module.parameters().flatMap(\.value.scalars) }
    }

    @Test(arguments: [true, false]) func twoRanksTrainAsOneProcessWithTheWholeBatch(allReduce: Bool) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let single = try toyTrainer(folder: RunFolder(path: root.appendingPathComponent("one").path), communicator: nil)
        _ = try single.train()
        let ranks = try ThreadCommunicator.run(ranks: 2) { communicator -> ([Float], RandomGenerator) in
            let trainer = try toyTrainer(folder: RunFolder(path: root.appendingPathComponent("two").path), communicator: communicator)
            if !allReduce { trainer.gradientHook = nil }
            _ = try trainer.train()
            return (weights(trainer), trainer.rng)
        }
        let expected = Tensor(weights(single))
        if allReduce {
            #expect(relativeError(Tensor(ranks[0].0), expected) < 1e-5)
            #expect(ranks[0].0 == ranks[1].0, "the ranks' weights differ")
            // Rank 0 logs the ranks' mean losses: the whole batch's, as the single process logs them.
            func losses(_ name: String) -> [Double] {
                RunFolder(path: root.appendingPathComponent(name).path).readMetrics()
                    .compactMap { ($0["loss_g"] as? NSNumber)?.doubleValue }
            }
            let (one, two) = (losses("one"), losses("two"))
            #expect(one.count == 2 && two.count == 2)
            for (a, b) in zip(one, two) { #expect(abs(a - b) <= 1e-4 * Swift.max(1, abs(a)), "loss_g \(b) against \(a)") }
        } else {
            // The control: without the all-reduce each rank follows its own half of the batch.
            #expect(relativeError(Tensor(ranks[0].0), expected) > 1e-3)
        }
        #expect(ranks[0].1 == single.rng && ranks[1].1 == single.rng)
        // Rank 0 alone wrote the checkpoint, which records the ranks.
        let folder = RunFolder(path: root.appendingPathComponent("two").path)
        #expect(Checkpoints.stepFiles(in: folder).map(\.step) == [4])
    }

    /// A stop asked of one rank (a signal that reached one process) stops every rank after the
    /// same step, and rank 0 writes the checkpoint there.
    @Test func aStopOnOneRankStopsAllAtTheSameStep() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = RunFolder(path: root.path)
        let outcomes = try ThreadCommunicator.run(ranks: 2) { communicator -> Trainer.Outcome in
            let trainer = try toyTrainer(folder: folder, communicator: communicator)
            return try trainer.train(shouldStop: { communicator.rank == 1 && trainer.step >= 2 })
        }
        let url = folder.checkpointsURL.appendingPathComponent(Checkpoints.fileName(step: 2))
        #expect(outcomes == [.interrupted(step: 2, checkpoint: url), .interrupted(step: 2, checkpoint: url)])
        #expect(Checkpoints.stepFiles(in: folder).map(\.step) == [2])
    }

    @Test func aCheckpointResumesOnlyWithItsNumberOfRanks() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = RunFolder(path: root.path)
        _ = try ThreadCommunicator.run(ranks: 2) { communicator in
            let trainer = try toyTrainer(folder: folder, communicator: communicator)
            _ = try trainer.train()
        }
        let alone = try toyTrainer(folder: RunFolder(path: root.appendingPathComponent("other").path), communicator: nil)
        let lone = try Trainer(run: alone.run, model: WGANGPConfig.toy, datasets: [ToyMixture.named("ring8")!.dataset(count: 256, seed: 1)],
                               folder: folder)
        do {
            try lone.resumeIfPossible()
            Issue.record("a 2-rank checkpoint resumed in one process")
        } catch let error as ModelError {
            #expect("\(error)".contains("written by a run of 2 ranks, this one has 1"), "\(error)")
        }
    }

    @Test func theTrainingStateRecordsRanksWhenMoreThanOne() throws {
        let state = TrainingState(family: "dcgan", step: 3, rng: RandomGenerator(seed: 1), batchers: [], ranks: 4)
        let json = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        #expect(json.contains("\"ranks\":4"))
        #expect(try JSONDecoder().decode(TrainingState.self, from: Data(json.utf8)).ranks == 4)
        let one = TrainingState(family: "dcgan", step: 3, rng: RandomGenerator(seed: 1), batchers: [])
        let oneJSON = String(decoding: try JSONEncoder().encode(one), as: UTF8.self)
        #expect(!oneJSON.contains("ranks"))
        #expect(try JSONDecoder().decode(TrainingState.self, from: Data(oneJSON.utf8)).ranks == 1)
    }
}
