import Foundation
import GANLayers
import GANTensor
import Testing
@testable import GANModels

@Suite struct CycleGANTests {
    func images(_ n: Int, value: Float) -> Tensor { Tensor.full([n, 1, 4, 4], value) }

    /// Fills first, then swaps about half the images for stored ones, reproducibly for a seed.
    @Test func poolFillsThenSwapsHalf() throws {
        let pool = CycleGANImagePool(capacity: 4)
        var rng = RandomGenerator(seed: 3)
        let first = pool.query(images(4, value: 1), using: &rng)
        #expect(first.scalars.allSatisfy { $0 == 1 } && pool.images.count == 4)
        var returnedOld = 0
        for step in 2...51 {
            let out = pool.query(images(4, value: Float(step)), using: &rng)
            for i in 0..<4 where out.slice(axis: 0, start: i, end: i + 1).scalars[0] != Float(step) { returnedOld += 1 }
        }
        #expect(returnedOld > 70 && returnedOld < 130, "expected about half of 200 images swapped, got \(returnedOld)")
        // The same seed gives the same pool.
        let again = CycleGANImagePool(capacity: 4)
        var rng2 = RandomGenerator(seed: 3)
        _ = again.query(images(4, value: 1), using: &rng2)
        for step in 2...51 { _ = again.query(images(4, value: Float(step)), using: &rng2) }
        #expect(again.images.map(\.scalars) == pool.images.map(\.scalars))
    }

    @Test func poolStateRoundTripsAndRejectsBadState() throws {
        let pool = CycleGANImagePool(capacity: 3)
        var rng = RandomGenerator(seed: 1)
        _ = pool.query(images(2, value: 5), using: &rng)
        let restored = CycleGANImagePool(capacity: 3)
        try restored.load(stateDict: pool.stateDict(), source: "test")
        #expect(restored.images.map(\.scalars) == pool.images.map(\.scalars))
        let small = CycleGANImagePool(capacity: 1)
        #expect(throws: CheckpointError.self) { try small.load(stateDict: pool.stateDict(), source: "test") }
        let empty = CycleGANImagePool(capacity: 3)
        try empty.load(stateDict: CycleGANImagePool(capacity: 3).stateDict(), source: "test")
        #expect(empty.images.isEmpty)
    }

    /// The ResNet generator keeps the image shape; the PatchGAN gives the documented patches.
    @Test(arguments: [(CycleGANConfig.fashion28, 5), (CycleGANConfig.colour32, 2), (CycleGANConfig.colour64, 6)])
    func presetShapes(config: CycleGANConfig, patches: Int) throws {
        try config.network.validate()
        var settings = config.network
        settings.generatorWidth = 2
        settings.discriminatorWidth = 2
        settings.residualBlocks = 1
        var rng = RandomGenerator(seed: 0)
        let g = CycleGANGenerator(settings: settings, using: &rng), d = CycleGANDiscriminator(settings: settings, using: &rng)
        let x = Tensor.randomUniform([2] + settings.imageShape, using: &rng) * 2 - 1
        #expect(g(x).shape == x.shape)
        #expect(d(x).shape == [2, 1, patches, patches])
    }

    /// One step moves both generators and both discriminators, and a checkpoint holds the pools.
    @Test func aStepTrainsAllFourNetworks() throws {
        var config = CycleGANConfig.fashion28
        config.network = CycleGANNetworkSettings(channels: 1, imageSize: 8, generatorWidth: 2, residualBlocks: 1,
                                                 discriminatorWidth: 2, discriminatorLayers: 1)
        var rng = RandomGenerator(seed: 0)
        let model = try #require(try config.makeModel(using: &rng) as? CycleGANModel)
        let before = model.networks.map { $0.module.stateDict() }
        let data = tinyImages()
        let batches = try DomainBatchers(datasets: [data, data], batchSize: 4, seed: 1)
        let context = StepContext(step: 0, totalSteps: 1, measure: true, rng: RandomGenerator(seed: 2), source: batches)
        let metrics = try model.trainingStep(context)
        for ((name, module), old) in zip(model.networks, before) {
            let now = module.stateDict()
            #expect(now.keys.map { now[$0]!.scalars } != old.keys.map { old[$0]!.scalars }, "\(name) did not move")
        }
        #expect(metrics["loss_cycle_a"] != nil && metrics["loss_idt_b"] != nil)
        #expect(model.stateDict().keys.contains("pool_a.images"))
        #expect(model.poolA.images.count == 4 && model.poolB.images.count == 4)
    }
}
